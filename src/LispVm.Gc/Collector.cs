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
            // One pause for the mutator: a minor escalated to a full is recorded as one full.
            pauseHeld = true; heldTicks = 0;
            if (!full)
            {
                RunMinor();
                ulong used = oldTop - oldBase;
                if (used > nextFullAt || oldCapEnd < oldTop + nurSize) full = true;
            }
            if (full) CollectFull();
            pauseHeld = false;
            RecordPause(full, heldTicks);
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

        // Pause figures (PauseRecord.cs): GcEnd records each collection, except inside
        // CollectForAllocation, which adds its parts up and records them once.
        readonly PauseRecord pauses = new PauseRecord();
        bool pauseHeld;
        long heldTicks;

        /// <summary>Pause histogram (minor and full) for (gc-stats); Clear() it to start a measurement.</summary>
        public PauseRecord Pauses { get { return pauses; } }

        void RecordPause(bool full, long ticks)
        {
            if (ticks > maxPause) maxPause = ticks;
            long perSecond = clock != null ? clock.TicksPerSecond : 0;
            if (perSecond <= 0) return;
            long us = perSecond == 1000000 ? ticks : ticks / perSecond * 1000000 + ticks % perSecond * 1000000 / perSecond;
            pauses.Add(full, us);
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

        void GcEnd(long t0, bool full)
        {
            gcEpoch++;
            inGc = false;
            liveAfterGc = oldTop - oldBase;
            if (clock != null)
            {
                long d = clock.NowTicks() - t0;
                gcTicks += d;
                if (pauseHeld) heldTicks += d;
                else RecordPause(full, d);
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
