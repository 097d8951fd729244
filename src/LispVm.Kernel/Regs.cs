// Why: one register snapshot format for the panic report, filled from a Xen trap frame or
// a Linux signal ucontext, so both platforms print the same report.
namespace LispVm.Kernel
{
    internal struct Regs
    {
        public ulong Rip, Rsp, Rbp, Rax, Rbx, Rcx, Rdx, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15, Rflags;
        public ulong Error, FaultAddress;
        public int Vector;       // x86 exception vector, -1 if unknown
    }
}
