// Minor collection: Cheney copy of everything reachable in the nursery straight into
// the old space (no aging). Roots are the root stack, heap roots, registered IGcRoots and
// the dirty cards of the old space; the copied objects themselves are the Cheney queue.
// A forwarded nursery object's first word becomes newAddress | 111.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        void RunMinor()
        {
            long t0 = GcStart();
            if (dead) return;
            mode = GcMode.Minor;
            bytesAllocatedBefore += nurTop - nurStart;
            ulong oldStart = oldTop;
            ulong allocated = nurTop - nurStart;
            VisitAllRoots();
            ScanDirtyCards(oldStart);
            CheneyScan(oldStart);
            SizeNursery(allocated, oldTop - oldStart);
            if (verifyAfterGc) Poison(nurStart, nurTop);
            ResetNursery();
            minorCount++;
            mode = GcMode.None;
            GcEnd(t0, false);
        }

        /// <summary>Pause-driven nursery sizing: a minor collection's cost is mostly the
        /// bytes it copies, so the next nursery is sized for about `survivorTarget` bytes of
        /// survivors at the survival rate just seen (nursery = target / rate), between
        /// MinBudget and the configured nursery; it at most doubles per collection, so a
        /// phase of short-lived data does not jump straight back to a full nursery. With
        /// little survival (the common case) the whole nursery is used as before.</summary>
        void SizeNursery(ulong allocated, ulong survived)
        {
            if (survivorTarget == 0) { nurBudget = nurSize; return; }
            ulong cur = nurBudget != 0 ? nurBudget : nurSize;
            // target >= nursery: the old policy (and no overflow in the product below).
            ulong want = survived == 0 || survivorTarget >= nurSize ? nurSize : allocated * survivorTarget / survived;
            if (want > cur * 2) want = cur * 2;
            if (want < MinBudget) want = MinBudget;
            if (want > nurSize) want = nurSize;
            nurBudget = want & ~7UL;
        }

        const ulong MinBudget = 256UL << 10;

        /// <summary>Debug aid (VerifyAfterGc): freed memory becomes forwarding words to an
        /// address outside the heap, so a stale C# local that was not rooted turns into a
        /// pointer the verifier reports instead of silently aliasing a new object.</summary>
        const ulong PoisonWord = 0xBAD0000000000000UL | W.TagForward;

        /// <summary>Empties the nursery. In stress+verify mode allocation restarts at a
        /// rotating offset, so a stale pointer lands in poisoned memory, not a new object.</summary>
        void ResetNursery()
        {
            ulong start = nurBase;
            if (verifyAfterGc && stressEvery > 0)
                start = nurBase + (((gcEpoch + 1) * 4104) % (nurSize >> 1) & ~7UL);
            nurStart = start;
            nurTop = start;
        }

        static void Poison(ulong from, ulong to)
        {
            if (to > from) Bits.FillWords((ulong*)from, PoisonWord, (to - from) >> 3);
        }

        /// <summary>Copies a nursery object to the old space (once) and returns the new pointer.
        /// The caller guaranteed room: old space has at least the nursery's used bytes free.</summary>
        ulong Evacuate(ulong v)
        {
            if (!W.IsPointer(v)) return v;
            ulong a = v & ~7UL;
            if (a - nurBase >= nurSize) return v;
            ulong first = *(ulong*)a;
            if ((first & 7) == W.TagForward) return (first & ~7UL) | (v & 7);
            ulong size = (first & 7) == W.TagHeader ? 8 + ObjTypes.BodyWords(first) * 8 : 16;
            ulong d = oldTop;
            oldTop = d + size;
            Bits.CopyWords((ulong*)d, (ulong*)a, size >> 3);
            NoteOldObject(d, size);
            *(ulong*)a = d | W.TagForward;
            return d | (v & 7);
        }

        /// <summary>Scans the copied objects from `scan` on, evacuating what they point to
        /// in the nursery, until no copy is left unscanned. Evacuate and NoteOldObject are
        /// written out and fields kept in locals: ILC spills a loop's variables to the stack
        /// when the loop makes a call (see DrainMarkStack in Collector.Full.cs).</summary>
        void CheneyScan(ulong scan)
        {
            ulong top = oldTop, nb = nurBase, ns = nurSize, ob = oldBase;
            uint* cross = crossing;
            while (scan < top)
            {
                ulong* q = (ulong*)scan;
                ulong h = q[0];
                ulong* qEnd = q + 2;                // a cons: both words are values
                if ((h & 7) == W.TagHeader)
                {
                    uint t = (uint)(byte)(h >> 8);
                    ulong body = t < ObjTypes.FirstRaw ? h >> 32 : ObjTypes.RawWords(t, h >> 32);
                    scan += 8 + body * 8;
                    qEnd = t < ObjTypes.FirstRaw ? q + 1 + body : q;
                    q++;
                }
                else scan += 16;
                for (; q < qEnd; q++)
                {
                    ulong v = *q;
                    if (((0x2Au >> (int)(v & 7)) & 1) == 0) continue;     // W.IsPointer
                    ulong a = v & ~7UL;
                    if (a - nb >= ns) continue;                             // not young
                    ulong first = *(ulong*)a;
                    if ((first & 7) == W.TagForward) { *q = (first & ~7UL) | (v & 7); continue; }
                    ulong n = 2;
                    if ((first & 7) == W.TagHeader)
                    {
                        uint t = (uint)(byte)(first >> 8);
                        n = 1 + (t < ObjTypes.FirstRaw ? first >> 32 : ObjTypes.RawWords(t, first >> 32));
                    }
                    ulong d = top;
                    top = d + n * 8;
                    ulong* src = (ulong*)a, dst = (ulong*)d;
                    for (ulong k = 0; k < n; k++) dst[k] = src[k];
                    // NoteOldObject(d, n * 8): every card whose first byte the copy covers.
                    ulong w = (d - ob) >> 3;
                    for (ulong c = (w + 63) >> (CardShift - 3); (c << (CardShift - 3)) < w + n; c++) cross[c] = (uint)w;
                    *(ulong*)a = d | W.TagForward;
                    *q = d | (v & 7);
                }
            }
            oldTop = top;
        }

        /// <summary>Evacuates what the slots on dirty cards below `limit` point to, and
        /// cleans the cards (after a minor GC nothing in the old space points young).</summary>
        void ScanDirtyCards(ulong limit)
        {
            ulong n = (limit - oldBase + CardBytes - 1) >> CardShift;
            ulong c = 0;
            while (c < n)
            {
                if ((c & 7) == 0 && c + 8 <= n && *(ulong*)(cards + c) == 0) { c += 8; continue; }
                if (cards[c] != 0) { cards[c] = 0; ScanCard(c, limit); }
                c++;
            }
        }

        void ScanCard(ulong c, ulong limit)
        {
            ulong cardStart = oldBase + (c << CardShift);
            ulong cardEnd = cardStart + CardBytes;
            if (cardEnd > limit) cardEnd = limit;
            ulong a = oldBase + (ulong)crossing[c] * 8;
            while (a < cardEnd)
            {
                ulong h = *(ulong*)a;
                ulong size, lo;
                if ((h & 7) == W.TagHeader)
                {
                    size = 8 + ObjTypes.BodyWords(h) * 8;
                    if ((byte)(h >> 8) >= ObjTypes.FirstRaw) { a += size; continue; }
                    lo = a + 8;
                }
                else { size = 16; lo = a; }
                ulong hi = a + size;
                if (lo < cardStart) lo = cardStart;
                if (hi > cardEnd) hi = cardEnd;
                for (ulong p = lo; p < hi; p += 8) *(ulong*)p = Evacuate(*(ulong*)p);
                a += size;
            }
        }

        /// <summary>Records a new old-space object [a, a+bytes) in the crossing map: every
        /// card whose first byte it covers points back at it.</summary>
        void NoteOldObject(ulong a, ulong bytes)
        {
            ulong off = a - oldBase;
            ulong c = (off + CardBytes - 1) >> CardShift;
            ulong end = off + bytes;
            uint w = (uint)(off >> 3);
            while ((c << CardShift) < end) { crossing[c] = w; c++; }
        }
    }
}
