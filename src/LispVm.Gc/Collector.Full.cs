// Full collection: mark everything (old space and nursery) into a side bitmap with one bit
// per word of every live object, then slide all live words down to the bottom of the old
// space in address order (the nursery lies above the old space, so its survivors land
// after the old ones). New address = block base + live words before it in its 64-word
// block (Compressor-style), so no forwarding words and no spare frames are needed.
// Speed (bench/gc-pause): the per-slot steps (mark test, forwarding) are inlined with
// their common cases first; a fully live prefix of the old space does not move, so
// pointers into it are not forwarded; the crossing map is rebuilt during the update walk
// (objects are visited in their new order) rather than by a walk of its own.
using System.Runtime.CompilerServices;

namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        ulong markSp;
        bool markOverflow;
        ulong denseWords;   // words from oldBase that stay put (fully live blocks); set by ComputeDestinations

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
            ulong dest = 0;     // new word index of the object being updated: the walk is in slide order
            UpdateMarked(0, oldWords, ref dest);
            UpdateMarked(nurFrom, nurTo, ref dest);

            Slide(oldWords, nurFrom, nurTo);
            ulong oldEnd = oldBase + oldWords * 8;
            oldTop = oldBase + live * 8;
            if (verifyAfterGc) { Poison(oldTop, oldEnd); Poison(nurStart, nurTop); }
            ResetNursery();
            Bits.ZeroBytes(cards, cardCommitted);
            fullEpoch++;
            fullCount++;
            mode = GcMode.None;
            GcEnd(t0, true);
        }

        void ClearMarks(ulong fromIdx, ulong toIdx)
        {
            for (ulong w = fromIdx >> 6; w < ((toIdx + 63) >> 6); w++) markBits[w] = 0;
        }

        /// <summary>Marks v's object if it is an unmarked heap object (the test is inlined
        /// into the loops; most slots hold immediates or already-marked objects).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        void MarkValue(ulong v)
        {
            if (!W.IsPointer(v)) return;
            ulong off = (v & ~7UL) - oldBase;
            if (off >= heapSpan) return;    // not a heap pointer (a bug Verify reports)
            ulong idx = off >> 3;
            if ((markBits[idx >> 6] & (1UL << (int)(idx & 63))) != 0) return;
            MarkNew(v, idx);
        }

        /// <summary>Sets the bits of every word of the object at word `idx` and queues it
        /// for tracing if it has value slots.</summary>
        void MarkNew(ulong v, ulong idx)
        {
            ulong h = *(ulong*)(v & ~7UL);
            ulong n = 2;
            if ((h & 7) == W.TagHeader)
            {
                ulong words = ObjTypes.BodyWords(h);
                n = 1 + words;
                SetMarks(idx, n);
                if ((byte)(h >> 8) >= ObjTypes.FirstRaw || words == 0) return;
            }
            else SetMarks(idx, 2);
            if (markSp < markStackCap) markStack[markSp++] = v;
            else markOverflow = true;   // marked but not traced: RescanMarked finds it
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        void SetMarks(ulong idx, ulong n)
        {
            int b = (int)(idx & 63);
            if ((ulong)b + n < 64) markBits[idx >> 6] |= ((1UL << (int)n) - 1) << b;
            else Bits.SetRange(markBits, idx, n);
        }

        /// <summary>Traces queued objects until the mark stack is empty. The loop makes no
        /// calls and keeps fields in locals: with a call inside it the compiler spills the
        /// loop's variables to the stack on every slot (callgrind: +40% instructions).</summary>
        void DrainMarkStack()
        {
            ulong* stack = markStack, marks = markBits;
            ulong bas = oldBase, span = heapSpan, cap = markStackCap;
            ulong sp = markSp;
            bool overflow = false;
            while (sp > 0)
            {
                ulong v = stack[--sp];
                ulong* q = (ulong*)(v & ~7UL);
                ulong* qEnd = q + 2;            // a cons: both words are values
                if ((v & 7) != W.TagCons) { qEnd = q + 1 + (q[0] >> 32); q++; }   // boxed: body words
                for (; q < qEnd; q++)
                {
                    ulong x = *q;
                    if (((0x2Au >> (int)(x & 7)) & 1) == 0) continue;     // W.IsPointer
                    ulong off = (x & ~7UL) - bas;
                    if (off >= span) continue;
                    ulong idx = off >> 3;
                    ulong w = idx >> 6;
                    int b = (int)(idx & 63);
                    if ((marks[w] & (1UL << b)) != 0) continue;
                    // MarkNew, inlined: set the object's bits, queue it if it has value slots.
                    ulong h = *(ulong*)(x & ~7UL);
                    ulong n = 2;
                    bool scan = true;
                    if ((h & 7) == W.TagHeader)
                    {
                        ulong len = h >> 32;
                        uint t = (uint)(byte)(h >> 8);
                        if (t < ObjTypes.FirstRaw) { n = 1 + len; scan = len != 0; }
                        else { n = 1 + ObjTypes.RawWords(t, len); scan = false; }
                    }
                    if ((ulong)b + n < 64) marks[w] |= ((1UL << (int)n) - 1) << b;
                    else
                    {
                        marks[w] |= ~0UL << b;
                        ulong rest = n - (ulong)(64 - b);
                        w++;
                        for (; rest >= 64; rest -= 64) marks[w++] = ~0UL;
                        if (rest > 0) marks[w] |= (1UL << (int)rest) - 1;
                    }
                    if (!scan) continue;
                    if (sp < cap) stack[sp++] = x;
                    else overflow = true;   // marked but not traced: RescanMarked finds it
                }
            }
            markSp = sp;
            if (overflow) markOverflow = true;
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
            ulong b0 = 0;
            while (b0 < bEnd && markBits[b0] == ~0UL) { blockDest[b0] = acc; acc += 64; b0++; }
            denseWords = b0 << 6;
            for (ulong b = b0; b < bEnd; b++) { blockDest[b] = acc; acc += (ulong)Bits.PopCount(markBits[b]); }
            bEnd = (nurTo + 63) >> 6;
            for (ulong b = nurFrom >> 6; b < bEnd; b++) { blockDest[b] = acc; acc += (ulong)Bits.PopCount(markBits[b]); }
            return acc;
        }

        /// <summary>New location of a marked object (valid between ComputeDestinations and
        /// Slide). Immediates, non-heap pointers and the dense prefix are left as they are.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        ulong Forwarded(ulong v)
        {
            if (!W.IsPointer(v)) return v;
            ulong off = (v & ~7UL) - oldBase;
            if (off >= heapSpan || off < (denseWords << 3)) return v;
            return ForwardedMoved(v, off >> 3);
        }

        ulong ForwardedMoved(ulong v, ulong idx)
        {
            ulong b = idx >> 6;
            ulong below = markBits[b] & ((1UL << (int)(idx & 63)) - 1);
            return (oldBase + (blockDest[b] + (ulong)Bits.PopCount(below)) * 8) | (v & 7);
        }

        /// <summary>Forwards the slots of every marked object in [idx, end) and records the
        /// object's new place (word `dest`, advanced) in the crossing map.</summary>
        void UpdateMarked(ulong idx, ulong end, ref ulong dest)
        {
            ulong d = dest;
            ulong* marks = markBits, dests = blockDest;
            uint* cross = crossing;
            // Forwarded(), inlined with locals: a slot moves if it points into the heap at or
            // above the dense prefix: lo <= offset < heapSpan, one unsigned compare.
            ulong bas = oldBase, lo = denseWords << 3, width = heapSpan - lo;
            idx = Bits.NextSet(marks, idx, end);
            while (idx < end)
            {
                ulong* p = (ulong*)(bas + idx * 8);
                ulong h = p[0];
                ulong words = 2, first = 0;
                if ((h & 7) == W.TagHeader)
                {
                    uint t = (uint)(byte)(h >> 8);
                    if (t < ObjTypes.FirstRaw) { words = 1 + (h >> 32); first = 1; }
                    else { words = 1 + ObjTypes.RawWords(t, h >> 32); first = words; }
                }
                for (ulong i = first; i < words; i++)
                {
                    ulong x = p[i];
                    if (((0x2Au >> (int)(x & 7)) & 1) == 0) continue;     // W.IsPointer
                    ulong off = (x & ~7UL) - bas;
                    if (off - lo >= width) continue;
                    // ForwardedMoved, inlined (no call in this loop: see DrainMarkStack).
                    ulong xi = off >> 3, xb = xi >> 6;
                    ulong below = marks[xb] & ((1UL << (int)(xi & 63)) - 1);
                    p[i] = (bas + (dests[xb] + (ulong)Bits.PopCount(below)) * 8) | (x & 7);
                }
                // NoteOldObject for the new place: every card whose first byte it covers.
                ulong c = (d + 63) >> (CardShift - 3);
                while ((c << (CardShift - 3)) < d + words) { cross[c] = (uint)d; c++; }
                d += words;
                idx += words;
                if (idx < end && (marks[idx >> 6] & (1UL << (int)(idx & 63))) == 0)
                {
                    // Bits.NextSet, inlined.
                    ulong m = marks[idx >> 6] >> (int)(idx & 63);
                    while (m == 0)
                    {
                        idx = (idx | 63) + 1;
                        if (idx >= end) break;
                        m = marks[idx >> 6];
                    }
                    if (m != 0) idx += (ulong)Bits.TrailingZeros(m);
                }
            }
            dest = d;
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
    }
}
