// Heap verifier for tests and GC stress runs. It records every object start (linear walk
// of the old space and the nursery) in the idle mark bitmap, then checks that every
// pointer in the roots and in every object designates an object start with the right
// tag, that old-to-young pointers sit on dirty cards, and that the crossing map is right.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        string verifyError;
        /// <summary>Address involved in the last Verify failure (slot or object).</summary>
        public ulong VerifyBadAddress;
        /// <summary>Where the bad pointer was found: "root stack", "registered IGcRoots", ...</summary>
        public string VerifyWhere;
        string verifyWhere;

        /// <summary>Checks heap invariants; returns a description of the first problem or null.</summary>
        public string Verify()
        {
            if (dead || inGc) return null;
            verifyError = null;
            ulong oldWords = (oldTop - oldBase) >> 3;
            ulong nurFrom = (nurStart - oldBase) >> 3;
            ulong nurTo = (nurTop - oldBase) >> 3;
            ClearMarks(0, oldWords);
            ClearMarks(nurFrom, nurTo);
            if (!RecordStarts(oldBase, oldTop) || !RecordStarts(nurStart, nurTop))
            {
                ClearMarks(0, oldWords); ClearMarks(nurFrom, nurTo);
                return verifyError;
            }
            GcMode saved = mode;
            mode = GcMode.Verify;
            VisitAllRoots();
            mode = saved;
            if (verifyError == null) CheckObjects(oldBase, oldTop);
            if (verifyError == null) CheckObjects(nurStart, nurTop);
            if (verifyError == null) CheckCrossing();
            ClearMarks(0, oldWords);
            ClearMarks(nurFrom, nurTo);
            return verifyError;
        }

        void Fail(string what, ulong addr)
        {
            if (verifyError != null) return;
            verifyError = what;
            VerifyBadAddress = addr;
            VerifyWhere = verifyWhere;
        }

        bool RecordStarts(ulong a, ulong end)
        {
            while (a < end)
            {
                ulong h = *(ulong*)a;
                if ((h & 7) == W.TagForward) { Fail("verify: forwarding word outside GC", a); return false; }
                ulong size = ObjBytesAt(a);
                if (a + size > end || a + size < a) { Fail("verify: object runs past the end of its space", a); return false; }
                if ((h & 7) == W.TagHeader && (byte)(h >> 8) == 0) { Fail("verify: header with type 0", a); return false; }
                ulong idx = (a - oldBase) >> 3;
                markBits[idx >> 6] |= 1UL << (int)(idx & 63);
                a += size;
            }
            return true;
        }

        /// <summary>slot = address the value was read from (0 for roots outside the heap).</summary>
        void VerifyValue(ulong v, ulong slot)
        {
            if (!W.IsPointer(v)) return;
            ulong a = v & ~7UL;
            bool inOld = a >= oldBase && a < oldTop;
            bool inNur = a >= nurStart && a < nurTop;
            if (!inOld && !inNur) { Fail("verify: pointer outside the live heap", slot != 0 ? slot : a); return; }
            if (!Bits.Test(markBits, (a - oldBase) >> 3)) { Fail("verify: pointer into the middle of an object", slot != 0 ? slot : a); return; }
            ulong h = *(ulong*)a;
            ulong tag = v & 7;
            bool isHeader = (h & 7) == W.TagHeader;
            if (tag == W.TagCons && isHeader) { Fail("verify: cons pointer to a headed object", slot != 0 ? slot : a); return; }
            if (tag != W.TagCons && !isHeader) { Fail("verify: object pointer to a cons", slot != 0 ? slot : a); return; }
            if (tag == W.TagSymbol && (byte)(h >> 8) != (byte)ObjType.Symbol) { Fail("verify: symbol pointer to a non-symbol", slot != 0 ? slot : a); return; }
            if (tag == W.TagObj && (byte)(h >> 8) == (byte)ObjType.Symbol) { Fail("verify: symbol with an object tag", slot != 0 ? slot : a); return; }
            if (inNur && slot != 0 && slot >= oldBase && slot < oldTop && cards[(slot - oldBase) >> CardShift] == 0)
                Fail("verify: old-to-young pointer on a clean card (missing barrier)", slot);
        }

        void CheckObjects(ulong a, ulong end)
        {
            while (a < end && verifyError == null)
            {
                ulong* p = (ulong*)a;
                ulong h = p[0];
                ulong size = ObjBytesAt(a);
                if ((h & 7) == W.TagHeader)
                {
                    if ((byte)(h >> 8) < ObjTypes.FirstRaw)
                    {
                        ulong words = size >> 3;
                        for (ulong i = 1; i < words; i++) VerifyValue(p[i], a + i * 8);
                    }
                }
                else { VerifyValue(p[0], a); VerifyValue(p[1], a + 8); }
                a += size;
            }
        }

        void CheckCrossing()
        {
            ulong n = (oldTop - oldBase + CardBytes - 1) >> CardShift;
            for (ulong c = 0; c < n; c++)
            {
                ulong cardStart = oldBase + (c << CardShift);
                ulong o = oldBase + (ulong)crossing[c] * 8;
                if (o > cardStart || !Bits.Test(markBits, (o - oldBase) >> 3) || o + ObjBytesAt(o) <= cardStart)
                {
                    Fail("verify: crossing map does not cover the card start", cardStart);
                    return;
                }
            }
        }
    }
}
