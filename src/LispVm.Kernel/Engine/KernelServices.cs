// Why: the engine reaches the machine only through its own interfaces (IFrameSource,
// IGcClock, IHeapPanic from LispVm.Gc); these adapters implement them over the kernel
// Platform. Compiled only when the engine is part of the image (build/kernel.sh --with-engine).
#if LISPVM_ENGINE
using LispVm.Gc;

namespace LispVm.Kernel
{
    internal sealed unsafe class KernelFrameSource : IFrameSource
    {
        readonly Platform _p;
        public KernelFrameSource(Platform p) { _p = p; }
        public ulong PageSize => 4096;
        public ulong Reserve(ulong bytes) { return (ulong)_p.Reserve(bytes); }
        public bool Commit(ulong addr, ulong bytes) { return _p.Commit((byte*)addr, bytes); }
        public bool CommitUncleared(ulong addr, ulong bytes) { return _p.CommitUncleared((byte*)addr, bytes); }
        public bool Decommit(ulong addr, ulong bytes) { return _p.Decommit((byte*)addr, bytes); }
        public void Release(ulong addr, ulong bytes) { _p.Decommit((byte*)addr, bytes); }
    }

    internal sealed class KernelClock : IGcClock
    {
        readonly Platform _p;
        readonly bool _cpu;
        // cpu: pauses and GC time in CPU time of the thread (LISPVM_GC_CLOCK=cpu, Linux), so
        // a loaded machine's descheduling does not count as pause (bench/gc-pause).
        public KernelClock(Platform p, bool cpu) { _p = p; _cpu = cpu && p.ThreadCpuNs() != 0; }
        public long NowTicks() { return (long)(_cpu ? _p.ThreadCpuNs() : _p.MonotonicNs()); }
        public long TicksPerSecond => 1000000000;
    }

    internal sealed class KernelHeapPanic : IHeapPanic
    {
        public void HeapPanic(string reason) { Internal.Runtime.Panic.Fail(reason); }
    }
}
#endif
