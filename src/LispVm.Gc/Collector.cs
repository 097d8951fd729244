// Collection policy: when to run a minor (nursery) or full (whole heap) collection, GC
// timing and stats. The algorithms live in Collector.Minor.cs and Collector.Full.cs.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        /// <summary>Collects now: full = mark-compact of everything, else a nursery
        /// collection (promoted to full if the old space has no room).</summary>
        public void Collect(bool full)
        {
            if (inGc || dead) return;
            if (full) CollectFull();
            else CollectForAllocation();
            if (!dead) UpdateNurseryLimit();
        }

        void StressCollect()
        {
            stressGcCount++;
            bool full = stressFullEvery > 0 && stressGcCount % stressFullEvery == 0;
            if (full) CollectFull(); else CollectForAllocation();
            if (!dead) UpdateNurseryLimit();
        }

        /// <summary>Makes room in the nursery: minor GC, escalated to full when needed.</summary>
        void CollectForAllocation()
        {
            if (inGc || dead) return;
            ulong nurUsed = nurTop - nurStart;
            bool full = oldTop + nurUsed > oldCapEnd || !EnsureOldCommitted(oldTop + nurUsed);
            if (!full)
            {
                RunMinor();
                ulong used = oldTop - oldBase;
                if (used > nextFullAt || oldCapEnd < oldTop + nurSize) full = true;
            }
            if (full) CollectFull();
            UpdateNurseryLimit();
        }

        void CollectFull()
        {
            if (inGc || dead) return;
            RunFull();
            ulong used = oldTop - oldBase;
            ulong grow = used < (16UL << 20) ? (16UL << 20) : used;
            nextFullAt = used + grow;
        }

        long GcStart()
        {
            inGc = true;
            return clock != null ? clock.NowTicks() : 0;
        }

        void GcEnd(long t0)
        {
            gcEpoch++;
            inGc = false;
            liveAfterGc = oldTop - oldBase;
            if (clock != null)
            {
                long d = clock.NowTicks() - t0;
                gcTicks += d;
                if (d > maxPause) maxPause = d;
            }
            if (verifyAfterGc)
            {
                string err = Verify();
                if (err != null) { LastVerifyError = err; Die(err); }
            }
        }
    }
}
