// Why: start of day when the image runs as a Linux process (ELF e_entry, already on our own
// stack): runtime set-up (boot heap, GC statics), fault signals on an alternate stack routed
// to the panic path, the stack guard page, then the shared kernel main. Returns the exit code to the asm entry (exit_group).
using System.Runtime.InteropServices;
using Internal.Runtime;
using Internal.Runtime.CompilerHelpers;

namespace LispVm.Kernel
{
    internal static unsafe class LinuxEntry
    {
        const long SYS_mprotect = 10, SYS_rt_sigaction = 13, SYS_sigaltstack = 131;

        [UnmanagedCallersOnly(EntryPoint = "lispvm_linux_main")]
        static int Main(ulong* sp)
        {
            Layout* L = Layout.Current;
            Panic.Handler = &KernelPanic.FromCorelib;
            BootHeap.Init((byte*)L->BootHeap, L->BootHeapEnd - L->BootHeap);
            StartupCodeHelpers.InitializeModules((void**)L->ModulesStart, (void**)L->ModulesEnd);

            ulong pages = (L->BootHeapEnd - L->BootHeap + L->StackTop - L->StackGuard) / 4096;
            // argv[1..] and then the environment strings are consecutive NUL-terminated
            // strings on the initial stack: options are any of those words.
            long argc = (long)sp[0];
            ulong* envp = sp + 1 + argc + 1;
            byte* first = argc > 1 ? (byte*)sp[2] : (envp[0] != 0 ? (byte*)envp[0] : null);
            byte* last = null;
            for (ulong* e = envp; *e != 0; e++) last = (byte*)*e;
            if (last == null && argc > 1) last = (byte*)sp[argc];
            byte* args = first;
            int argsLength = 0;
            if (first != null && last != null && last >= first && last - first < (1L << 20))
            {
                while (last[0] != 0) last++;
                argsLength = (int)(last - first);
            }
            LinuxPlatform p = new LinuxPlatform(pages, args, argsLength);
            ulong entryNs = p.MonotonicNs();
            KernelPanic.Install(p);
            BootMemory.Install(p);
            InstallSignals(L);
            // The guard page below our stack (entry.S): no access, so an overflow faults (and
            // the SIGSEGV handler, on its own stack, reports it) instead of corrupting .bss.
            Native.Syscall(SYS_mprotect, (long)L->StackGuard, 4096, 0 /* PROT_NONE */, 0, 0, 0);
            return KernelMain.Run(p, entryNs);
        }

        static void InstallSignals(Layout* L)
        {
            // stack_t {void* ss_sp; int ss_flags; size_t ss_size}
            ulong* ss = stackalloc ulong[3];
            ss[0] = L->SigStack; ss[1] = 0; ss[2] = L->SigStackEnd - L->SigStack;
            Native.Syscall(SYS_sigaltstack, (long)ss, 0, 0, 0, 0, 0);

            // kernel sigaction {handler, flags, restorer, mask}
            ulong* sa = stackalloc ulong[4];
            sa[0] = (ulong)(delegate* unmanaged<int, byte*, byte*, void>)&Signal;
            sa[1] = 0x04 /* SA_SIGINFO */ | 0x08000000 /* SA_ONSTACK */ | 0x04000000 /* SA_RESTORER */;
            sa[2] = L->SigReturn;
            sa[3] = 0;
            int* sigs = stackalloc int[4];
            sigs[0] = 11; sigs[1] = 8; sigs[2] = 4; sigs[3] = 7;   // SEGV, FPE, ILL, BUS
            for (int i = 0; i < 4; i++)
                Native.Syscall(SYS_rt_sigaction, sigs[i], (long)sa, 0, 8, 0, 0);
#if LISPVM_ENGINE
            // SIGINT (Ctrl-C when stdin is a pipe but the terminal is ours): interrupt the running
            // form instead of killing the process. A tty in raw mode sends byte 3 instead.
            sa[0] = (ulong)(delegate* unmanaged<int, byte*, byte*, void>)&Interrupt;
            sa[1] |= 0x10000000;   // SA_RESTART
            Native.Syscall(SYS_rt_sigaction, 2, (long)sa, 0, 8, 0, 0);
#endif
        }

#if LISPVM_ENGINE
        [UnmanagedCallersOnly(EntryPoint = "lispvm_linux_sigint")]
        static void Interrupt(int sig, byte* info, byte* uc) { KernelLisp.Interrupt(); }
#endif

        // ucontext_t: uc_mcontext.gregs at offset 40: R8..R15, RDI, RSI, RBP, RBX, RDX, RAX,
        // RCX, RSP, RIP, EFL, CSGSFS, ERR, TRAPNO, OLDMASK, CR2. siginfo si_addr at offset 16.
        [UnmanagedCallersOnly(EntryPoint = "lispvm_linux_signal")]
        static void Signal(int sig, byte* info, byte* uc)
        {
            ulong* g = (ulong*)(uc + 40);
            Regs r;
            r.R8 = g[0]; r.R9 = g[1]; r.R10 = g[2]; r.R11 = g[3]; r.R12 = g[4]; r.R13 = g[5];
            r.R14 = g[6]; r.R15 = g[7]; r.Rdi = g[8]; r.Rsi = g[9]; r.Rbp = g[10]; r.Rbx = g[11];
            r.Rdx = g[12]; r.Rax = g[13]; r.Rcx = g[14]; r.Rsp = g[15]; r.Rip = g[16]; r.Rflags = g[17];
            r.Error = g[19];
            r.Vector = (int)g[20];
            r.FaultAddress = *(ulong*)(info + 16);
            KernelPanic.Fault(&r);
        }
    }
}
