// Full collection: mark everything (old space and nursery) into a side bitmap with one bit
// per word of every live object, then slide all live words down to the bottom of the old
// space in address order (the nursery lies above the old space, so its survivors land
// after the old ones). New address = block base + live words before it in its 64-word
// block (Compressor-style), so no forwarding words and no spare frames are needed.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        ulong markSp;
        bool markOverflow;

        void RunFull()
        {
            long t0 = GcStart();
            if (dead) return;
            bytesAllocatedBefore += nurTop - nurStart;
            ulong oldWords = (oldTop - oldBase) >> 3;
            ulong nurFrom = (nurStart - oldBase) >> 3;
            ulong nurTo = (nurTop - oldBase) >> 3;
            ClearMarks(0, oldWords);
            ClearMarks(nurFrom, nurTo);

            mode = GcMode.Mark;
            markSp = 0; markOverflow = false;
            VisitAllRoots();
            DrainMarkStack();
            while (markOverflow)
            {
                markOverflow = false;
                RescanMarked(0, oldWords);
                RescanMarked(nurFrom, nurTo);
            }

            ulong live = ComputeDestinations(oldWords, nurFrom, nurTo);
            if (!EnsureOldCommitted(oldBase + live * 8) && live * 8 > oldCommitEnd - oldBase)
            {
                mode = GcMode.None; inGc = false;
                Die("heap: no frames to finish a full collection");
                return;
            }

            mode = GcMode.Update;
            VisitAllRoots();
            UpdateMarked(0, oldWords);
            UpdateMarked(nurFrom, nurTo);

            Slide(oldWords, nurFrom, nurTo);
            ulong oldEnd = oldBase + oldWords * 8;
            oldTop = oldBase + live * 8;
            if (verifyAfterGc) { Poison(oldTop, oldEnd); Poison(nurStart, nurTop); }
            ResetNursery();
            Bits.ZeroBytes(cards, cardCommitted);
            RebuildCrossing();
            fullEpoch++;
            fullCount++;
            mode = GcMode.None;
            GcEnd(t0, true);
        }

        void ClearMarks(ulong fromIdx, ulong toIdx)
        {
            for (ulong w = fromIdx >> 6; w < ((toIdx + 63) >> 6); w++) markBits[w] = 0;
        }

        void MarkValue(ulong v)
        {
            if (!W.IsPointer(v)) return;
            ulong a = v & ~7UL;
            if (a - oldBase >= heapSpan) return;    // not a heap pointer (a bug Verify reports)
            ulong idx = (a - oldBase) >> 3;
            if ((markBits[idx >> 6] & (1UL << (int)(idx & 63))) != 0) return;
            ulong h = *(ulong*)a;
            if ((h & 7) == W.TagHeader)
            {
                ulong words = ObjTypes.BodyWords(h);
                Bits.SetRange(markBits, idx, 1 + words);
                if ((byte)(h >> 8) >= ObjTypes.FirstRaw || words == 0) return;
            }
            else Bits.SetRange(markBits, idx, 2);
            if (markSp < markStackCap) markStack[markSp++] = v;
            else markOverflow = true;   // marked but not traced: RescanMarked finds it
        }

        void DrainMarkStack()
        {
            while (markSp > 0)
            {
                ulong v = markStack[--markSp];
                ulong* p = (ulong*)(v & ~7UL);
                if ((v & 7) == W.TagCons) { MarkValue(p[0]); MarkValue(p[1]); continue; }
                ulong words = ObjTypes.BodyWords(p[0]);
                for (ulong i = 1; i <= words; i++) MarkValue(p[i]);
            }
        }

        /// <summary>After a mark-stack overflow: traces the children of every marked object.</summary>
        void RescanMarked(ulong idx, ulong end)
        {
            idx = Bits.NextSet(markBits, idx, end);
            while (idx < end)
            {
                ulong* p = (ulong*)(oldBase + idx * 8);
                ulong h = p[0];
                ulong words;
                if ((h & 7) == W.TagHeader)
                {
                    words = 1 + ObjTypes.BodyWords(h);
                    if ((byte)(h >> 8) < ObjTypes.FirstRaw)
                        for (ulong i = 1; i < words; i++) MarkValue(p[i]);
                }
                else { words = 2; MarkValue(p[0]); MarkValue(p[1]); }
                DrainMarkStack();
                idx += words;
                if (idx < end && !Bits.Test(markBits, idx)) idx = Bits.NextSet(markBits, idx, end);
            }
        }

        ulong ComputeDestinations(ulong oldWords, ulong nurFrom, ulong nurTo)
        {
            ulong acc = 0;
            ulong bEnd = (oldWords + 63) >> 6;
            for (ulong b = 0; b < bEnd; b++) { blockDest[b] = acc; acc += (ulong)Bits.PopCount(markBits[b]); }
            bEnd = (nurTo + 63) >> 6;
            for (ulong b = nurFrom >> 6; b < bEnd; b++) { blockDest[b] = acc; acc += (ulong)Bits.PopCount(markBits[b]); }
            return acc;
        }

        /// <summary>New location of a marked object (valid between ComputeDestinations and Slide).</summary>
        ulong Forwarded(ulong v)
        {
            if (!W.IsPointer(v) || (v & ~7UL) - oldBase >= heapSpan) return v;
            ulong idx = ((v & ~7UL) - oldBase) >> 3;
            ulong b = idx >> 6;
            ulong below = markBits[b] & ((1UL << (int)(idx & 63)) - 1);
            return (oldBase + (blockDest[b] + (ulong)Bits.PopCount(below)) * 8) | (v & 7);
        }

        void UpdateMarked(ulong idx, ulong end)
        {
            idx = Bits.NextSet(markBits, idx, end);
            while (idx < end)
            {
                ulong* p = (ulong*)(oldBase + idx * 8);
                ulong h = p[0];
                ulong words;
                if ((h & 7) == W.TagHeader)
                {
                    words = 1 + ObjTypes.BodyWords(h);
                    if ((byte)(h >> 8) < ObjTypes.FirstRaw)
                        for (ulong i = 1; i < words; i++) p[i] = Forwarded(p[i]);
                }
                else { words = 2; p[0] = Forwarded(h); p[1] = Forwarded(p[1]); }
                idx += words;
                if (idx < end && !Bits.Test(markBits, idx)) idx = Bits.NextSet(markBits, idx, end);
            }
        }

        /// <summary>Moves every marked word to its new place, lowest address first, so a
        /// word is never overwritten before it is copied (destination &lt;= source).</summary>
        void Slide(ulong oldWords, ulong nurFrom, ulong nurTo)
        {
            ulong* d = (ulong*)oldBase;
            SlideRange(ref d, 0, (oldWords + 63) >> 6);
            SlideRange(ref d, nurFrom >> 6, (nurTo + 63) >> 6);
        }

        void SlideRange(ref ulong* d, ulong bFrom, ulong bTo)
        {
            ulong* dst = d;
            for (ulong b = bFrom; b < bTo; b++)
            {
                ulong m = markBits[b];
                if (m == 0) continue;
                ulong* s = (ulong*)(oldBase + b * 512);
                if (m == ~0UL)
                {
                    if (dst != s) Bits.CopyWords(dst, s, 64);
                    dst += 64;
                    continue;
                }
                while (m != 0)
                {
                    *dst++ = s[Bits.TrailingZeros(m)];
                    m &= m - 1;
                }
            }
            d = dst;
        }

        void RebuildCrossing()
        {
            ulong a = oldBase;
            while (a < oldTop)
            {
                ulong size = ObjBytesAt(a);
                NoteOldObject(a, size);
                a += size;
            }
        }
    }
}
