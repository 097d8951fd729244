// Why: the hypercall trampoline (Asm/entry.S jumps into hypercall_page + 32*nr); kernel-only.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace LispVm.Kernel
{
    internal static unsafe class Hyper
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_hypercall")]
        internal static extern long Call(long nr, long a1, long a2, long a3, long a4, long a5);
    }
}
