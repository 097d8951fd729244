// Why: shared-ring code (XenPv.Console) orders its accesses with Interlocked.MemoryBarrier and
// clears event-channel bits with Interlocked.And, so the same source compiles on .NET and in
// the image. Here both are asm (mfence; lock cmpxchg loop), which are also compiler barriers
// because ILC cannot see through the call.
namespace System.Threading
{
    public static unsafe class Interlocked
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        [System.Runtime.RuntimeImport("lispvm_mb")]
        public static extern void MemoryBarrier();

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        [System.Runtime.RuntimeImport("lispvm_atomic_and64")]
        static extern ulong AndRaw(ulong* location, ulong value);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        [System.Runtime.RuntimeImport("lispvm_atomic_or64")]
        static extern ulong OrRaw(ulong* location, ulong value);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        [System.Runtime.RuntimeImport("lispvm_atomic_cmpxchg64")]
        static extern ulong CmpXchgRaw(ulong* location, ulong value, ulong comparand);

        // Atomically location &= value; returns the original value.
        public static ulong And(ref ulong location, ulong value) { fixed (ulong* p = &location) return AndRaw(p, value); }
        public static ulong Or(ref ulong location, ulong value) { fixed (ulong* p = &location) return OrRaw(p, value); }
        public static ulong CompareExchange(ref ulong location, ulong value, ulong comparand)
        {
            fixed (ulong* p = &location) return CmpXchgRaw(p, value, comparand);
        }
    }
}
