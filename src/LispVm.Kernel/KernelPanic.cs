// Why: the single panic path. CPU faults (Xen traps, Linux signals) and corelib panics
// (bad index, allocation after start-up) print a report on the console — what, where,
// registers, a frame-pointer backtrace — then the platform crashes (Xen: SCHEDOP_shutdown
// crash; Linux: nonzero exit). Reentry (a fault while panicking) stops at once. Output from
// here on is bounded in time (Platform.BeginPanic): a stuck console cannot keep us alive.
namespace LispVm.Kernel
{
    internal static unsafe class KernelPanic
    {
        // Set once at boot (after the GC statics exist), before anything can fault.
        static Platform s_platform;
        static int s_depth;
        // Non-GC static, valid before InitializeModules: s_platform (a GC static) may be read
        // only once this is set.
        static bool s_installed;

        public static void Install(Platform p) { s_platform = p; s_installed = true; }

        public static string VectorName(int v)
        {
            switch (v)
            {
                case 0: return "divide error (#DE)";
                case 1: return "debug (#DB)";
                case 3: return "breakpoint (#BP)";
                case 4: return "overflow (#OF)";
                case 5: return "bound range (#BR)";
                case 6: return "invalid opcode (#UD)";
                case 7: return "device not available (#NM)";
                case 10: return "invalid TSS (#TS)";
                case 11: return "segment not present (#NP)";
                case 12: return "stack fault (#SS)";
                case 13: return "general protection (#GP)";
                case 14: return "page fault (#PF)";
                case 16: return "x87 error (#MF)";
                case 17: return "alignment check (#AC)";
                case 19: return "SIMD error (#XM)";
                default: return "unknown fault";
            }
        }

        // Corelib panics arrive here (Internal.Runtime.Panic.Handler).
        public static void FromCorelib(char* msg, int len)
        {
            Platform p = s_installed ? s_platform : null;
            if (p == null || ++s_depth > 1) return;     // caller then executes ud2
            p.BeginPanic();
            p.Write(p.NewLine);
            p.Write("PANIC: ");
            byte* b = stackalloc byte[1];
            for (int i = 0; i < len; i++) { b[0] = (byte)msg[i]; p.Write(b, 1); }
            p.Write(p.NewLine);
            Backtrace(p, Native.ReadRbp(), 0);
            p.Flush();
            p.Crash();
        }

        public static void Fault(Regs* r)
        {
            Platform p = s_installed ? s_platform : null;
            if (p == null) return;
            if (++s_depth > 2) p.Crash();
            p.BeginPanic();
            p.Write(p.NewLine);
            p.Write("PANIC: CPU fault: ");
            p.Write(VectorName(r->Vector));
            p.Write(" at rip=");
            p.WriteHex(r->Rip, 16);
            p.Write(p.NewLine);
            if (r->Vector == 14)
            {
                p.Write("  fault address ");
                p.WriteHex(r->FaultAddress, 16);
                p.Write(r->FaultAddress < 4096 ? " (null dereference)" : "");
                p.Write(" error ");
                p.WriteHex(r->Error, 4);
                p.Write(p.NewLine);
            }
            Reg(p, "rax", r->Rax); Reg(p, "rbx", r->Rbx); Reg(p, "rcx", r->Rcx); Reg(p, "rdx", r->Rdx); p.Write(p.NewLine);
            Reg(p, "rsi", r->Rsi); Reg(p, "rdi", r->Rdi); Reg(p, "rbp", r->Rbp); Reg(p, "rsp", r->Rsp); p.Write(p.NewLine);
            Reg(p, "r8 ", r->R8); Reg(p, "r9 ", r->R9); Reg(p, "r10", r->R10); Reg(p, "r11", r->R11); p.Write(p.NewLine);
            Reg(p, "r12", r->R12); Reg(p, "r13", r->R13); Reg(p, "r14", r->R14); Reg(p, "r15", r->R15); p.Write(p.NewLine);
            Reg(p, "rip", r->Rip); Reg(p, "flg", r->Rflags); p.Write(p.NewLine);
            if (s_depth == 1) Backtrace(p, r->Rbp, r->Rsp);
            p.Flush();
            p.Crash();
        }

        static void Reg(Platform p, string name, ulong v)
        {
            p.Write("  ");
            p.Write(name);
            p.Write("=");
            p.WriteHex(v, 16);
        }

        // Walks saved-rbp links; stops at anything that does not look like a frame on this
        // stack (misaligned, going down, more than 1 MiB above the start, or 32 frames).
        static void Backtrace(Platform p, ulong rbp, ulong rsp)
        {
            p.Write("backtrace:");
            p.Write(p.NewLine);
            ulong low = rsp != 0 ? rsp : rbp;
            for (int i = 0; i < 32; i++)
            {
                if (rbp == 0 || (rbp & 7) != 0 || rbp < low || rbp > low + (1UL << 20)) break;
                ulong ret = *(ulong*)(rbp + 8);
                ulong next = *(ulong*)rbp;
                p.Write("  #");
                p.WriteDec((ulong)i);
                p.Write(" ");
                p.WriteHex(ret, 16);
                p.Write(p.NewLine);
                if (next <= rbp) break;
                rbp = next;
            }
        }
    }
}
