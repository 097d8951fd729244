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

        /// <summary>True if LastVerifyError was found before a collection (mutator bug).</summary>
        public bool LastVerifyBeforeGc;

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
            if (verifyAfterGc && verifyCount + 1 >= verifyEvery && !dead)
            {
                // Verify before too: a failure here means the mutator stored a bad pointer
                // (typically an unrooted C# local) since the previous collection.
                string err = Verify();
                if (err != null) { LastVerifyError = err; LastVerifyBeforeGc = true; Die(err); return 0; }
            }
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
            if (verifyAfterGc && ++verifyCount >= verifyEvery)
            {
                verifyCount = 0;
                string err = Verify();
                if (err != null) { LastVerifyError = err; Die(err); }
            }
        }
    }
}
