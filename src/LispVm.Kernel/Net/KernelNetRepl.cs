// Why: the network REPL is remote code execution, so it starts only when the command line
// asks: `repl=ADDR:PORT` (ADDR must be ip='s address: it binds nowhere else), with a token
// from `repl-token=SECRET` or, on Linux where argv is readable by every local user,
// `repl-token-file=PATH` (first line) or the environment's LISPVM_REPL_TOKEN; or, with no
// token at all, the explicit word `repl-insecure`. Anything else: one line saying why and no
// REPL. The token is never printed. The REPL itself is Lisp (lisp/95-net-repl.lisp).
#if LISPVM_ENGINE
using LispVm.Eval;
using LispVm.Gc;

namespace LispVm.Kernel
{
    internal static unsafe class KernelNetRepl
    {
        public const int MaxTokenBytes = 256;

        public static void Start(Platform p, KernelNet net, Vm vm)
        {
            int n;
            byte* v = p.OptionValue("repl", out n);
            if (v == null) return;
            if (net == null) { Say(p, "repl= needs a network (ip=ADDR/LEN)", null); return; }
            uint ip; int port;
            if (!ParseAddressPort(v, n, out ip, out port)) { Say(p, "repl= is not ADDR:PORT like 10.0.0.2:4005", null); return; }
            if (ip != net.Stack.Config.Ip) { Say(p, "repl=ADDR must be this guest's address (ip=)", null); return; }

            byte* fileToken = stackalloc byte[MaxTokenBytes + 2];
            byte* token = null;
            int tn = 0;
            int pn;
            byte* path = p.OptionValue("repl-token-file", out pn);
            if (path != null)
            {
                if (!(p is LinuxPlatform)) { Say(p, "repl-token-file= works in Linux mode only", null); return; }
                long r = LinuxFiles.Read(path, pn, fileToken, MaxTokenBytes + 1);
                if (r < 0) { Say(p, "repl-token-file= cannot be read", null); return; }
                int len = (int)r;
                int end = 0;
                while (end < len && fileToken[end] != (byte)'\n' && fileToken[end] != (byte)'\r') end++;
                if (end == len && len > MaxTokenBytes) { Say(p, "the token in repl-token-file= is too long (at most 256 bytes)", null); return; }
                token = fileToken; tn = end;
            }
            else
            {
                token = p.OptionValue("LISPVM_REPL_TOKEN", out tn);
                if (token == null || tn == 0) token = p.OptionValue("repl-token", out tn);
            }
            if (token != null && tn > MaxTokenBytes) { Say(p, "the token is too long (at most 256 bytes)", null); return; }
            if (token != null && tn == 0) token = null;
            bool insecure = p.HasOption("repl-insecure");
            if (token == null && !insecure)
            {
                Say(p, "no token: give repl-token=SECRET (Linux: repl-token-file=PATH or LISPVM_REPL_TOKEN), or repl-insecure", null);
                return;
            }

            // (%net-repl-start port token): T, or a message.
            ulong fn = vm.SymFunction(vm.Intern("%NET-REPL-START"));
            if (!W.IsObj(fn)) { Say(p, "the library has no network REPL", null); return; }
            vm.Push(fn);
            vm.Push(M.Fix(port));
            vm.Push(token != null ? vm.Heap.MakeStringFromBytes(token, tn) : W.Nil);
            RunStatus st = vm.CallNested(2, out ulong result);
            vm.PendUnwind = false;
            if (st != RunStatus.Ok || result != vm.T) { Say(p, "could not start", null); return; }
            p.Write("net-repl: on ");
            WriteIp(p, ip);
            p.Write(":");
            p.WriteDec((ulong)port);
            p.Write(token != null ? ", token required" : ", NO TOKEN (repl-insecure): anyone who reaches the port runs code");
            p.Write(p.NewLine);
        }

        static void Say(Platform p, string why, string more)
        {
            p.Write("net-repl: ");
            p.Write(why);
            if (more != null) p.Write(more);
            p.Write("; no network REPL");
            p.Write(p.NewLine);
        }

        /// <summary>"A.B.C.D:PORT" (host-order address, port 1..65535).</summary>
        public static bool ParseAddressPort(byte* t, int n, out uint ip, out int port)
        {
            ip = 0; port = 0;
            int i = 0;
            for (int part = 0; part < 4; part++)
            {
                int v = 0, digits = 0;
                while (i < n && t[i] >= '0' && t[i] <= '9' && digits < 4) { v = v * 10 + (t[i] - '0'); i++; digits++; }
                if (digits == 0 || digits > 3 || v > 255) return false;
                ip = (ip << 8) | (uint)v;
                if (part < 3) { if (i >= n || t[i] != '.') return false; i++; }
            }
            if (i >= n || t[i] != ':') return false;
            i++;
            int pd = 0;
            while (i < n && t[i] >= '0' && t[i] <= '9' && pd < 6) { port = port * 10 + (t[i] - '0'); i++; pd++; }
            return pd > 0 && i == n && port >= 1 && port <= 65535;
        }

        static void WriteIp(Platform p, uint ip)
        {
            for (int i = 3; i >= 0; i--)
            {
                p.WriteDec((ip >> (8 * i)) & 255);
                if (i > 0) p.Write(".");
            }
        }
    }
}
#endif
