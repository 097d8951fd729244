// Why: the C# view of Asm/entry.S — direct calls (no P/Invoke transition) to the syscall
// and hypercall trampolines, rdtsc, cpuid, rdrand, barriers and the deliberate faults, plus the table of
// link-time addresses (stack, boot heap, trap table...) the entry code needs.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace LispVm.Kernel
{
    internal static unsafe class Native
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_syscall")]
        internal static extern long Syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_rdtsc")]
        internal static extern ulong Rdtsc();

        // cpuid leaf/subleaf into out[0..3] = eax, ebx, ecx, edx.
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_cpuid")]
        internal static extern void Cpuid(uint leaf, uint subleaf, uint* out4);

        // 1 and a random word in *value, or 0 after ten failed tries; only when CPUID has RDRAND.
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_rdrand")]
        internal static extern long Rdrand(ulong* value);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_sync_clear_bit")]
        internal static extern void SyncClearBit(ulong* word, long bit);

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_read_rbp")]
        internal static extern ulong ReadRbp();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_fault_null")]
        internal static extern void FaultNull();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_fault_div")]
        internal static extern void FaultDiv();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_fault_ud")]
        internal static extern void FaultUd();
    }

    // Mirrors `lispvm_layout` in entry.S (same order).
    internal unsafe struct Layout
    {
        public ulong StackGuard, StackTop, BootHeap, BootHeapEnd, SharedInfoVa, SigStack, SigStackEnd,
            TrapTable, Hypercall, SigReturn, ModulesStart, ModulesEnd, Rdtsc;

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_layout_ptr")]
        static extern Layout* Get();

        public static Layout* Current => Get();
    }
}
