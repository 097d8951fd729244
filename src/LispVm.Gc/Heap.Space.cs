// Address-space layout and page commitment: the old space commits pages as it grows
// (side tables follow it), TrimFrames hands the tail back after a full compaction, and
// the limit/reserve logic decides how big the nursery may be before the next collection.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        // Side tables: bytes of table per heap byte, as shifts. Each table has an old part
        // (covering [oldBase, oldBase+oldMax)) followed by a nursery part.
        const int MarkShift = 6;      // 1 bit per 8-byte word
        const int DestShift = 6;      // 8 bytes per 512-byte block
        const int CrossShift = 7;     // 4 bytes per 512-byte card
        ulong markCommitted, destCommitted, cardCommitted, crossCommitted; // old parts, bytes
        // 256 KiB, not 1 MiB: a 16 MiB guest cannot spare the rounding of its boot commitment
        // (the library image plus one nursery) to a whole MiB (KernelLisp.NeedBytes).
        const ulong OldCommitChunk = 256UL << 10;
        const ulong MarkStackBytes = 256UL << 10;
        // The mark stack doubles as the work stack of equal/equalp; its reservation is larger
        // so deep structures (100,000 levels branching in car and cdr) can grow it on demand.
        const ulong MarkStackReserveBytes = 16UL << 20;

        static ulong RoundUp(ulong x, ulong a) { return (x + a - 1) & ~(a - 1); }

        // Old-space bytes past the limit kept for storage-condition handlers (at least 256 KiB).
        ulong EmergencyReserve { get { return RoundUp(reserveOpt < (256UL << 10) ? (256UL << 10) : reserveOpt, pageSize); } }

        bool Layout(ulong nurseryBytes)
        {
            pageSize = frames.PageSize;
            if (pageSize == 0 || pageSize > 4096 || (pageSize & (pageSize - 1)) != 0) return false;
            nurSize = RoundUp(nurseryBytes < Align2M ? Align2M : nurseryBytes, Align2M);
            if (limitBytes < nurSize + Align2M) limitBytes = nurSize + Align2M;
            ulong soft = limitBytes - nurSize;
            ulong reserve = EmergencyReserve;
            oldMax = RoundUp(soft + reserve, Align2M);
            ulong H = oldMax + nurSize;
            ulong metaBytes = (H >> MarkShift) + (H >> DestShift) + (H >> CardShift) + (H >> CrossShift) + MarkStackReserveBytes;
            reserveBytes = H + metaBytes;
            reserveBase = frames.Reserve(reserveBytes);
            if (reserveBase == 0) return false;
            oldBase = reserveBase;
            nurBase = oldBase + oldMax;
            nurEnd = nurBase + nurSize;
            heapSpan = nurEnd - oldBase;
            markBits = (ulong*)(reserveBase + H);
            blockDest = (ulong*)((ulong)markBits + (H >> MarkShift));
            cards = (byte*)((ulong)blockDest + (H >> DestShift));
            crossing = (uint*)((ulong)cards + (H >> CardShift));
            markStack = (ulong*)((ulong)crossing + (H >> CrossShift));
            markStackCap = MarkStackBytes / 8;

            // Nursery and its side-table parts, and the mark stack, are committed for good. The
            // nursery need not be zeroed: every allocation writes its object in full.
            if (!CommitRange(nurBase, nurSize, false)) return false;
            if (!CommitRange((ulong)markBits + (oldMax >> MarkShift), nurSize >> MarkShift)) return false;
            if (!CommitRange((ulong)blockDest + (oldMax >> DestShift), nurSize >> DestShift)) return false;
            if (!CommitRange((ulong)cards + (oldMax >> CardShift), nurSize >> CardShift)) return false;
            if (!CommitRange((ulong)crossing + (oldMax >> CrossShift), nurSize >> CrossShift)) return false;
            if (!CommitRange((ulong)markStack, MarkStackBytes)) return false;

            oldTop = oldBase;
            oldCommitEnd = oldBase;
            oldSoftEnd = oldBase + soft;
            oldHardEnd = oldBase + soft + reserve;
            oldCapEnd = oldSoftEnd;
            minNursery = 64UL << 10;
            nextFullAt = InitialFullTrigger();
            nurTop = nurBase;
            nurStart = nurBase;
            nurAllocEnd = nurEnd;
            nurLimit = stressEvery > 0 ? nurTop : nurAllocEnd;
            return true;
        }

        ulong InitialFullTrigger() { ulong t = 16UL << 20; return t; }

        /// <summary>Doubles the committed part of the mark/work stack (up to its reservation);
        /// false when it is at its maximum or no frame can be committed.</summary>
        bool GrowWorkStack()
        {
            ulong have = markStackCap * 8;
            if (have >= MarkStackReserveBytes) return false;
            ulong more = have;
            if (have + more > MarkStackReserveBytes) more = MarkStackReserveBytes - have;
            if (!CommitRange((ulong)markStack + have, more)) return false;
            markStackCap = (have + more) / 8;
            return true;
        }

        // zeroed = false: for the nursery and the old space, which are written before they are
        // read (allocation, evacuation, the image copy); side tables and stacks must start zero.
        bool CommitRange(ulong addr, ulong bytes, bool zeroed = true)
        {
            if (bytes == 0) return true;
            if (!(zeroed ? frames.Commit(addr, bytes) : frames.CommitUncleared(addr, bytes))) return false;
            framesCommitted += bytes / pageSize;
            return true;
        }

        /// <summary>Decommits the frame source refused (the frames stay with the heap's
        /// address space until the next Commit of the range); shown by tests and (room).</summary>
        public ulong DecommitFailures { get; private set; }

        void DecommitRange(ulong addr, ulong bytes)
        {
            if (bytes == 0) return;
            if (!frames.Decommit(addr, bytes)) DecommitFailures++;
            framesCommitted -= bytes / pageSize;
        }

        /// <summary>Makes sure [oldBase, end) and its side tables are committed.</summary>
        bool EnsureOldCommitted(ulong end)
        {
            if (end <= oldCommitEnd) return true;
            if (end > oldBase + oldMax) return false;
            ulong target = RoundUp(end - oldBase, OldCommitChunk);
            if (target > oldMax) target = oldMax;
            ulong have = oldCommitEnd - oldBase;
            // Side tables first, so a failure leaves the old space consistent.
            if (!GrowMeta((ulong)markBits, ref markCommitted, target >> MarkShift)) return false;
            if (!GrowMeta((ulong)blockDest, ref destCommitted, target >> DestShift)) return false;
            if (!GrowMeta((ulong)cards, ref cardCommitted, target >> CardShift)) return false;
            if (!GrowMeta((ulong)crossing, ref crossCommitted, target >> CrossShift)) return false;
            if (!CommitRange(oldBase + have, target - have, false)) return false;
            oldCommitEnd = oldBase + target;
            return true;
        }

        bool GrowMeta(ulong table, ref ulong committed, ulong need)
        {
            need = RoundUp(need, pageSize);
            if (need <= committed) return true;
            if (!CommitRange(table + committed, need - committed)) return false;
            committed = need;
            return true;
        }

        void ShrinkMeta(ulong table, ref ulong committed, ulong need)
        {
            need = RoundUp(need, pageSize);
            if (need >= committed) return;
            DecommitRange(table + need, committed - need);
            committed = need;
        }

        /// <summary>Decommits old-space pages above what the heap needs now (used + room for
        /// one nursery evacuation) and the matching side tables. Call after Collect(true) to
        /// give the most back. Returns the number of frames freed.</summary>
        public ulong TrimFrames()
        {
            if (dead) return 0;
            ulong before = framesCommitted;
            ulong keepEnd = oldTop + (nurAllocEnd - nurStart);
            if (keepEnd > oldCommitEnd) keepEnd = oldCommitEnd;
            ulong keep = RoundUp(keepEnd - oldBase, pageSize);
            ulong have = oldCommitEnd - oldBase;
            if (keep < have)
            {
                DecommitRange(oldBase + keep, have - keep);
                oldCommitEnd = oldBase + keep;
            }
            ShrinkMeta((ulong)markBits, ref markCommitted, keep >> MarkShift);
            ShrinkMeta((ulong)blockDest, ref destCommitted, keep >> DestShift);
            ShrinkMeta((ulong)cards, ref cardCommitted, keep >> CardShift);
            ShrinkMeta((ulong)crossing, ref crossCommitted, keep >> CrossShift);
            return before - framesCommitted;
        }

        /// <summary>Changes the limit, down or up (the balloon follows the domain's frames). It
        /// moves within the address space reserved at construction (size the heap for the
        /// domain's maximum, then lower it); never below what is in use. The emergency reserve
        /// moves with it, so an exhausted heap never reaches for frames the limit gave up.
        /// Takes effect at the next allocation that needs the slow path.</summary>
        public void SetLimit(ulong bytes)
        {
            if (dead) return;
            ulong reserve = EmergencyReserve;
            ulong soft = bytes > nurSize ? bytes - nurSize : 0;
            ulong maxSoft = oldMax > reserve ? oldMax - reserve : 0;
            if (soft > maxSoft) soft = maxSoft;
            if (soft < oldTop - oldBase) soft = oldTop - oldBase;
            limitBytes = soft + nurSize;
            oldSoftEnd = oldBase + soft;
            oldHardEnd = oldSoftEnd + reserve;
            if (oldHardEnd > oldBase + oldMax) oldHardEnd = oldBase + oldMax;
            oldCapEnd = exhausted || grace ? oldHardEnd : oldSoftEnd;
            if (grace && graceMark > oldHardEnd) graceMark = oldHardEnd;
            UpdateNurseryLimit();
        }

        /// <summary>The largest limit SetLimit accepts: the address space reserved at
        /// construction, less the emergency reserve, plus the nursery.</summary>
        public ulong MaxLimitBytes
        {
            get
            {
                ulong reserve = EmergencyReserve;
                return (oldMax > reserve ? oldMax - reserve : 0) + nurSize;
            }
        }

        /// <summary>After a collection: how much nursery may fill before the next one, so
        /// that promoting all of it still fits under the cap. Sets StorageExhausted (and
        /// moves to the hard cap) or panics when there is no room left.</summary>
        void UpdateNurseryLimit()
        {
            ulong want = nurBudget != 0 && nurBudget < nurSize ? nurBudget : nurSize;
            if (grace)
            {
                // Back under the soft limit: the condition was handled and the data it was
                // about is gone. Still over it and growing into the reserve: signal again.
                if (oldTop <= oldSoftEnd) { grace = false; oldCapEnd = oldSoftEnd; }
                else if (oldTop >= graceMark && !exhausted) { grace = false; exhausted = true; }
            }
            ulong avail = oldCapEnd > oldTop ? oldCapEnd - oldTop : 0;
            if (avail < minNursery && !exhausted)
            {
                exhausted = true;
                oldCapEnd = oldHardEnd;
                avail = oldCapEnd > oldTop ? oldCapEnd - oldTop : 0;
            }
            if (want > avail) want = avail & ~7UL;
            // Commit ahead what the next minor GC will need; shrink the nursery if frames are short.
            while (want >= minNursery && !EnsureOldCommitted(oldTop + want)) want = (want >> 1) & ~7UL;
            if (want < minNursery)
            {
                if (!exhausted) { exhausted = true; oldCapEnd = oldHardEnd; }
                Die("heap: storage exhausted, emergency reserve used up");
                return;
            }
            if (nurStart + want > nurEnd)
            {
                if (nurEnd - nurStart >= minNursery) want = nurEnd - nurStart;
                else if (nurTop == nurStart) { nurStart = nurBase; nurTop = nurBase; }
            }
            nurAllocEnd = nurStart + want;
            if (nurAllocEnd > nurEnd) nurAllocEnd = nurEnd;
            if (nurAllocEnd < nurTop) nurAllocEnd = nurTop;
            nurLimit = stressEvery > 0 ? nurTop : nurAllocEnd;
        }

        /// <summary>Snapshot of heap statistics for (room) and tests.</summary>
        public HeapStats Stats
        {
            get
            {
                HeapStats s;
                s.PageSize = pageSize;
                s.FramesCommitted = framesCommitted;
                s.LimitBytes = limitBytes;
                s.NurseryBytes = nurSize;
                s.OldBytesUsed = oldTop - oldBase;
                s.OldBytesCommitted = oldCommitEnd - oldBase;
                s.LiveBytesAfterLastGc = liveAfterGc;
                s.BytesAllocatedTotal = bytesAllocatedBefore + (nurTop - nurStart);
                s.MinorCollections = minorCount;
                s.FullCollections = fullCount;
                s.GcTicksTotal = gcTicks;
                s.MaxPauseTicks = maxPause;
                s.TicksPerSecond = clock != null ? clock.TicksPerSecond : 0;
                return s;
            }
        }

        /// <summary>Releases the whole reservation. The heap must not be used afterwards.</summary>
        public void Destroy()
        {
            if (reserveBase != 0) frames.Release(reserveBase, reserveBytes);
            reserveBase = 0;
            framesCommitted = 0;
            dead = true;
            nurLimit = 0;
        }
    }
}
