// Why: ILC emits GC write barriers and P/Invoke/reverse-P/Invoke transitions. We have no
// C# garbage collector (objects are never freed), so these are plain stores and no-ops.
using System.Runtime;

namespace Internal.Runtime
{
    internal static unsafe class Barriers
    {
        [RuntimeExport("RhpAssignRef")]
        static void RhpAssignRef(void** dst, void* r) { *dst = r; }

        [RuntimeExport("RhpCheckedAssignRef")]
        static void RhpCheckedAssignRef(void** dst, void* r) { *dst = r; }

        [RuntimeExport("RhpReversePInvoke")]
        static void RhpReversePInvoke(void* frame) { }

        [RuntimeExport("RhpReversePInvokeReturn")]
        static void RhpReversePInvokeReturn(void* frame) { }

        [RuntimeExport("RhpPInvoke")]
        static void RhpPInvoke(void* frame) { }

        [RuntimeExport("RhpPInvokeReturn")]
        static void RhpPInvokeReturn(void* frame) { }

        [RuntimeExport("RhpFallbackFailFast")]
        static void RhpFallbackFailFast() { Panic.Fail("runtime fail-fast"); }

        [RuntimeExport("RhpThrowEx")]
        static void RhpThrowEx(object ex) { Panic.Fail("exception thrown in kernel code"); }
    }
}
