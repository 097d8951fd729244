// Why: the kernel main shared by both platforms: banner (platform, pages owned, time from
// entry to banner), then a line echo until `halt` (or end of input). Hidden `#fault ...`
// lines trigger deliberate CPU faults to exercise the panic path. No C# allocation here:
// start-up is declared finished (BootHeap.Sealed) before the loop. With the engine compiled
// in (build/kernel.sh --with-engine) the Lisp REPL (Engine/KernelLisp.cs) is the main loop.
using Internal.Runtime;

namespace LispVm.Kernel
{
    internal static unsafe class KernelMain
    {
        const int LineMax = 1024;
        static byte[] s_leak;

        // Bytes of frames past the boot mapping the main loop needs in a domain of
        // memoryBytes (the REPL: its start-up objects and heap; the echo loop: 1 MiB).
        public static ulong NeedBytes(Platform p, ulong memoryBytes)
        {
#if LISPVM_ENGINE
            if (!p.HasOption("echo")) return KernelLisp.NeedBytes(memoryBytes);
#endif
            return 1UL << 20;
        }

        public static int Run(Platform p, ulong entryNs)
        {
#if LISPVM_ENGINE
            // With the engine in the image the Lisp REPL is the main loop, with its own banner
            // (the boot option `echo` keeps the plain echo loop).
            if (!p.HasOption("echo")) return KernelLisp.Run(p, entryNs);
#endif
            ulong bannerNs = p.MonotonicNs();
            p.Write("LispVm kernel on ");
            p.WriteName();
            p.Write(": ");
            p.WriteDec(p.OwnedPages);
            p.Write(" pages, ");
            p.WriteDec((bannerNs - entryNs) / 1000);
            p.Write(" us from entry to banner");
            p.Write(p.NewLine);
            p.Flush();
            p.StartServices();

            SelfTest.Prepare();
#if LISPVM_ENGINE
            EngineSmoke.Prepare(p);
#endif
            BootHeap.Sealed = true;

            byte* line = stackalloc byte[LineMax];
            byte* buf = stackalloc byte[256];
            int len = 0;
            bool lastCr = false;
            for (;;)
            {
                int n = p.Read(buf, 256);
                if (n < 0)
                {
                    if (len > 0) Line(p, line, len);
                    p.Flush();
                    p.Exit(0);
                }
                if (n == 0) { p.WaitForInput(p.MonotonicNs() + 1000000000UL); continue; }
                for (int i = 0; i < n; i++)
                {
                    byte b = buf[i];
                    if (b == '\n' && lastCr) { lastCr = false; continue; }
                    lastCr = b == '\r';
                    if (b == '\n' || b == '\r')
                    {
                        Line(p, line, len);
                        len = 0;
                    }
                    else if (len < LineMax) line[len++] = b;
                }
                p.Flush();
            }
        }

        // Unbounded recursion for the stack-overflow test: Linux reports it from the signal
        // stack; on Xen the fault cannot be delivered on the overflowed stack, so Xen crashes
        // the domain (kernel code must bound its depth in software).
        static ulong Recurse(Platform p, ulong n)
        {
            byte* pad = stackalloc byte[256];
            pad[n & 255] = (byte)n;
            return n == 0 ? pad[0] : Recurse(p, n + 1) + pad[n & 127];
        }

        static bool Is(byte* line, int len, string s)
        {
            if (len != s.Length) return false;
            for (int i = 0; i < len; i++) if (line[i] != s[i]) return false;
            return true;
        }

        static void Line(Platform p, byte* line, int len)
        {
            if (Is(line, len, "halt"))
            {
                p.Write("halting");
                p.Write(p.NewLine);
                p.Flush();
                p.Exit(0);
            }
            if (Is(line, len, "#fault null")) { p.Flush(); Native.FaultNull(); }
            if (Is(line, len, "#fault div")) { p.Flush(); Native.FaultDiv(); }
            if (Is(line, len, "#fault ud")) { p.Flush(); Native.FaultUd(); }
            if (Is(line, len, "#fault stack")) { p.Flush(); Recurse(p, 1); }
            if (Is(line, len, "#fault alloc")) { p.Flush(); s_leak = new byte[16]; }
#if LISPVM_ENGINE
            if (Is(line, len, "#heap")) { EngineSmoke.Run(p); return; }
#endif
            if (Is(line, len, "#flood"))
            {
                // 1000 lines of 64 bytes: far more than the 2 KiB console ring holds.
                for (int i = 0; i < 1000; i++)
                {
                    p.Write("flood ");
                    p.WriteDec((ulong)i);
                    p.Write(" 0123456789012345678901234567890123456789012345678");
                    p.Write(p.NewLine);
                }
                p.Write("flood: done");
                p.Write(p.NewLine);
                return;
            }
            if (Is(line, len, "#selftest"))
            {
                int fails = SelfTest.Run();
                p.Write(fails == 0 ? "selftest: ok" : "selftest: FAILED mask ");
                if (fails != 0) p.WriteHex((ulong)fails, 4);
                p.Write(p.NewLine);
                return;
            }
            p.Write("echo: ");
            p.Write(line, len);
            p.Write(p.NewLine);
        }
    }
}
