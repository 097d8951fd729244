// Why: the Lisp heap under the balloon. Implements the balloon's view of a heap
// (IBalloonHeap) over LispVm.Gc.Heap, owns the Balloon when the platform has one (Xen), takes
// `xl mem-set` targets from the platform and runs balloon steps where the console calls it:
// every VM poll (a full collection only when the VM says it is at a safe point) and at the
// idle prompt (always safe: no form runs). Linux has no balloon: the limit stays where the
// budget put it, except with heap-policy=cgroup, where it follows the budget the platform
// reads again after each collection (TakeHeapBudget), and a budget below what is committed
// gets a full collection and trim at the next safe point (as a balloon release does); live
// data above it is a storage-condition, as in a guest. Compiled only with the engine
// (build/kernel.sh --with-engine).
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
        readonly ulong _limitCap;
        ulong _epochSeen, _budget;      // heap-policy=cgroup: collections seen, budget taken
        bool _trimPending;

        // limitCap: a boot option's cap on the heap limit (LISPVM_HEAP_MB), 0 = none.
        public KernelMemory(Platform p, Heap heap, ulong limitCap)
        {
            _p = p; _heap = heap; _limitCap = limitCap;
            _epochSeen = heap.GcEpoch;
            IBalloonFrames frames = p.BalloonFrames;
            if (frames != null)
            {
                _balloon = new Balloon(frames, this, this);
                _balloon.LimitCap = limitCap;
            }
        }

        public bool HasBalloon { get { return _balloon != null; } }
        // Step has work while a form runs (a balloon, or a budget that moves): the VM must poll.
        public bool NeedsPolling { get { return _balloon != null || _p.HeapBudgetMoves; } }

        // After boot: the limit from the frames really left (the balloon's formula).
        public void FitLimit() { if (_balloon != null) _balloon.UpdateLimit(); }

        // Balloon work left (or a trim waiting for a safe point): the idle wait stays short.
        public bool HasWork { get { return _balloon != null ? _balloon.HasWork : _trimPending; } }

        // One bounded balloon step; cheap when no target changed and nothing is pending.
        // True when it changed something (call again to converge).
        public bool Step(bool mayCollect)
        {
            if (_balloon == null) return FollowBudget(mayCollect);
            ulong kib;
            if (_p.TakeMemoryTarget(out kib)) _balloon.SetTargetKiB(kib);
            return _balloon.Step(mayCollect);
        }

        // After each collection: the platform's budget, if it changed, becomes the limit.
        bool FollowBudget(bool mayCollect)
        {
            ulong epoch = _heap.GcEpoch;
            if (epoch != _epochSeen)
            {
                _epochSeen = epoch;
                ulong b;
                if (_p.TakeHeapBudget(out b))
                {
                    if (_limitCap != 0 && b > _limitCap) b = _limitCap;
                    _budget = b;
                    BudgetChanges++;
                    _heap.SetLimit(b);
                    _trimPending = CommittedBytes > b;
                }
            }
            if (!_trimPending || !mayCollect) return false;
            _trimPending = false;
            CollectAndTrim();
            _heap.SetLimit(_budget);        // lower now if the collection freed enough
            _epochSeen = _heap.GcEpoch;
            return true;
        }

        // heap-policy=cgroup: how many times the limit followed a new budget.
        public ulong BudgetChanges;

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
        public ulong LimitedBytes { get { HeapStats s = _heap.Stats; return s.OldBytesCommitted + s.NurseryBytes; } }
        public ulong LiveBytes { get { return _heap.Stats.LiveBytesAfterLastGc; } }
        public void SetLimit(ulong bytes) { _heap.SetLimit(bytes); }

        // IBalloonConsole
        public void WriteLine(byte* text, int length) { _p.Write(text, length); _p.Write(_p.NewLine); }
    }
}
#endif
