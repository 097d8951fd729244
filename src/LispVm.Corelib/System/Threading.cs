// Why: shared-ring code (XenPv.Console) orders its stores with Interlocked.MemoryBarrier so
// the same source compiles on .NET and in the image; here it is an mfence in asm, which
// is also a compiler barrier because ILC cannot see through the call.
namespace System.Threading
{
    public static class Interlocked
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        [System.Runtime.RuntimeImport("lispvm_mb")]
        public static extern void MemoryBarrier();
    }
}
