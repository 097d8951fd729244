// Why: the Lisp heap under the balloon. Implements the balloon's view of a heap
// (IBalloonHeap) over LispVm.Gc.Heap, owns the Balloon when the platform has one (Xen), takes
// `xl mem-set` targets from the platform and runs balloon steps where the console calls it:
// every VM poll (a full collection only when the VM says it is at a safe point) and at the
// idle prompt (always safe: no form runs). Linux has no balloon: the limit stays where the
// budget put it. Compiled only with the engine (build/kernel.sh --with-engine).
#if LISPVM_ENGINE
using LispVm.Gc;
using XenPv.Shim;

namespace LispVm.Kernel
{
    internal sealed unsafe class KernelMemory : IBalloonHeap, IBalloonConsole
    {
        readonly Platform _p;
        readonly Heap _heap;
        readonly Balloon _balloon;      // null: the platform has no balloon

        // limitCap: a boot option's cap on the heap limit (LISPVM_HEAP_MB), 0 = none.
        public KernelMemory(Platform p, Heap heap, ulong limitCap)
        {
            _p = p; _heap = heap;
            IBalloonFrames frames = p.BalloonFrames;
            if (frames != null)
            {
                _balloon = new Balloon(frames, this, this);
                _balloon.LimitCap = limitCap;
            }
        }

        public bool HasBalloon { get { return _balloon != null; } }

        // After boot: the limit from the frames really left (the balloon's formula).
        public void FitLimit() { if (_balloon != null) _balloon.UpdateLimit(); }

        // One bounded balloon step; cheap when no target changed and nothing is pending.
        // True when it changed something (call again to converge).
        public bool Step(bool mayCollect)
        {
            if (_balloon == null) return false;
            ulong kib;
            if (_p.TakeMemoryTarget(out kib)) _balloon.SetTargetKiB(kib);
            return _balloon.Step(mayCollect);
        }

        // (room): target KiB, frames the domain owns, returned and populated so far.
        public bool Figures(long* f)
        {
            if (_balloon == null) return false;
            IBalloonFrames frames = _p.BalloonFrames;
            f[0] = (long)(_balloon.TargetFrames * 4);
            f[1] = (long)_balloon.TotalFrames();
            f[2] = (long)frames.FramesReturnedTotal;
            f[3] = (long)frames.FramesPopulatedTotal;
            return true;
        }

        // IBalloonHeap
        public void CollectAndTrim() { _heap.Collect(true); _heap.TrimFrames(); }
        public ulong CommittedBytes { get { HeapStats s = _heap.Stats; return s.FramesCommitted * s.PageSize; } }
        public ulong LiveBytes { get { return _heap.Stats.LiveBytesAfterLastGc; } }
        public void SetLimit(ulong bytes) { _heap.SetLimit(bytes); }

        // IBalloonConsole
        public void WriteLine(byte* text, int length) { _p.Write(text, length); _p.Write(_p.NewLine); }
    }
}
#endif
