// Why: parallel arrays indexed by nesting depth (the reader's and printer's frame stacks)
// need room for the deepest input (10^6 levels in a large guest) but are almost always
// shallow. The kernel cannot allocate after boot, so instead of sizing C# arrays for the
// worst case, this reserves address space for maxCount entries of each array at start-up
// and commits frames (IFrameSource, the heap's) only as deep as they are used. Committed
// frames stay committed (a deep read pays once). Ensure fails when frames run out: the
// caller reports it like reaching maxCount. The VM's Lisp stacks (LispThread) are one
// array each on the same mechanism, committing nothing until the thread is used.
namespace LispVm.Gc
{
    public sealed unsafe class GrowableArrays
    {
        readonly IFrameSource frames;
        readonly ulong pageSize;
        readonly int[] elemBytes;
        readonly ulong[] bases;
        public int MaxCount { get; private set; }
        /// <summary>Entries of every array that are committed (usable).</summary>
        public int Count { get; private set; }
        /// <summary>Pages committed so far, all arrays.</summary>
        public ulong PagesCommitted { get; private set; }

        // First commit: at least this many entries (and at least one page per array).
        const int FirstCount = 1024;

        /// <summary>Reserves maxCount entries for each array, with the element sizes given
        /// in bytes, and commits the first 1024 entries. MaxCount is 0 if no address space
        /// could be reserved.</summary>
        public GrowableArrays(IFrameSource frames, int maxCount, params int[] elementBytes)
            : this(frames, maxCount, FirstCount, elementBytes) { }

        /// <summary>Reserves maxCount entries of each array and commits the first firstCount
        /// (0: nothing until Ensure).</summary>
        public GrowableArrays(IFrameSource frames, int maxCount, int firstCount, int[] elementBytes)
        {
            this.frames = frames;
            pageSize = frames.PageSize;
            elemBytes = elementBytes;
            bases = new ulong[elementBytes.Length];
            ulong total = 0;
            for (int k = 0; k < elementBytes.Length; k++) total += Span(k, maxCount);
            ulong b = maxCount > 0 ? frames.Reserve(total) : 0;
            if (b == 0) return;
            for (int k = 0; k < elementBytes.Length; k++) { bases[k] = b; b += Span(k, maxCount); }
            MaxCount = maxCount;
            if (firstCount > 0) Ensure(firstCount < maxCount ? firstCount : maxCount);
        }

        ulong Span(int k, int count) { return ((ulong)count * (ulong)elemBytes[k] + pageSize - 1) & ~(pageSize - 1); }

        /// <summary>Gives back the frames past the first count entries (keeping Count at
        /// least count): a stack that went deep once does not hold its memory for good.</summary>
        public void Trim(int count)
        {
            if (count >= Count || count < 0) return;
            for (int k = 0; k < elemBytes.Length; k++)
            {
                ulong have = Span(k, Count), keep = Span(k, count);
                if (have > keep) { frames.Decommit(bases[k] + keep, have - keep); PagesCommitted -= (have - keep) / pageSize; }
            }
            Count = count;
        }

        /// <summary>Gives the whole reservation back (its owner is done: a VM destroyed in a
        /// test process). Nothing is usable afterwards.</summary>
        public void Release()
        {
            if (MaxCount == 0) return;
            ulong total = 0;
            for (int k = 0; k < elemBytes.Length; k++) total += Span(k, MaxCount);
            frames.Release(bases[0], total);
            MaxCount = 0; Count = 0;
        }

        /// <summary>Base address of array k (valid for Count entries).</summary>
        public void* Base(int k) { return (void*)bases[k]; }

        /// <summary>Makes at least count entries of every array usable: commits the missing
        /// pages, doubling what is committed (up to MaxCount); when the frames for the double
        /// are not there, just count. False when count exceeds MaxCount or no frames are left
        /// (then nothing changes).</summary>
        public bool Ensure(int count)
        {
            if (count <= Count) return true;
            if (count > MaxCount) return false;
            int want = Count * 2 > count ? Count * 2 : count;
            if (want > MaxCount) want = MaxCount;
            if (CommitTo(want)) return true;
            // Short of frames: what count needs, to the end of its last page (so the next
            // calls do not come back for every entry).
            int fit = MaxCount;
            for (int k = 0; k < elemBytes.Length; k++)
            {
                ulong n = Span(k, count) / (ulong)elemBytes[k];
                if (n < (ulong)fit) fit = (int)n;
            }
            if (fit < count) fit = count;
            return want > fit && CommitTo(fit);
        }

        bool CommitTo(int want)
        {
            int k = 0;
            for (; k < elemBytes.Length; k++)
            {
                ulong have = Span(k, Count), need = Span(k, want);
                if (need > have && !frames.Commit(bases[k] + have, need - have)) break;
            }
            if (k < elemBytes.Length)
            {
                // Out of frames: give back what this call committed, keep the old count.
                for (int j = 0; j < k; j++)
                {
                    ulong have = Span(j, Count), need = Span(j, want);
                    if (need > have) frames.Decommit(bases[j] + have, need - have);
                }
                return false;
            }
            for (int j = 0; j < elemBytes.Length; j++) PagesCommitted += (Span(j, want) - Span(j, Count)) / pageSize;
            Count = want;
            return true;
        }
    }
}
