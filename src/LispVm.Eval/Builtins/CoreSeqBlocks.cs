// Why: the sequence functions of lisp/30-seq.lisp and 46-strings.lisp walk elements one
// at a time through AREF and FUNCALL, hundreds of VM instructions per element. These are
// their typed block paths for vectors (simple or with a fill pointer): the Lisp function
// checks its arguments as before and asks one of these first; an answer of "not mine" (NIL
// or T, per function) sends it on to the generic path, so every type check and error
// message stays in one place. Vocabulary: store = the simple vector behind a vector
// (VecInfo), len = its active length (the fill pointer when there is one).
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterSeqBlocks(Builtins b)
    {
        b.Def("%VECTOR-FILL", 4, 4, &VectorFill);
        b.Def("%VECTOR-REPLACE", 5, 5, &VectorReplace);
        b.Def("%VECTOR-SUBSEQ", 3, 3, &VectorSubseq);
        b.Def("%VECTOR-POSITION", 6, 6, &VectorPosition);
        b.Def("%STRING-SEARCH", 7, 7, &StringSearch);
        b.Def("%STRING-MISMATCH", 7, 7, &StringMismatch);
        b.Def("%STRING-CASE", 4, 4, &StringCase);
        b.Def("%STRING-WIDE-P", 1, 1, &StringWideP);
    }

    // [start, end) of a vector with active length len, from fixnum (or NIL end) arguments.
    static bool Range(ulong sv, ulong ev, int len, out int start, out int end)
    {
        start = 0; end = len;
        if (!M.IsFix(sv) || (ev != W.Nil && !M.IsFix(ev))) return false;
        long s = M.FixVal(sv), e = ev == W.Nil ? len : M.FixVal(ev);
        if (s < 0 || s > e || e > len) return false;
        start = (int)s; end = (int)e;
        return true;
    }

    /// <summary>Bytes per element of a raw vector store whose elements are plain bits
    /// (a block copy moves them), 0 for the others.</summary>
    static int RawWidth(ObjType t)
    {
        switch (t)
        {
            case ObjType.String8: case ObjType.ByteVector: return 1;
            case ObjType.String32: return 4;
            case ObjType.WordVector: case ObjType.DoubleVector: return 8;
        }
        return 0;
    }

    /// <summary>memmove: overlapping ranges of one store copy in the safe direction.</summary>
    static void MoveBytes(byte* dst, byte* src, long n)
    {
        if (n <= 0 || dst == src) return;
        if (dst < src || dst >= src + n)
        {   // forward: each 8-byte write ends before the next read starts
            long i = 0;
            for (; i + 8 <= n; i += 8) *(ulong*)(dst + i) = *(ulong*)(src + i);
            for (; i < n; i++) dst[i] = src[i];
        }
        else
        {
            for (long i = n - 1; i >= 0; i--) dst[i] = src[i];
        }
    }

    // (%vector-fill vector item start end): T when filled, NIL when the generic path must
    // (a list, a bit vector, an item the store cannot hold: the generic path signals).
    static ulong VectorFill(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int len, out _)) return W.Nil;
        if (!Range(a[2], a[3], len, out int start, out int end)) return W.Nil;
        ulong item = a[1];
        int n = end - start;
        switch (M.Type(store))
        {
            case ObjType.String8:
                if (!W.IsChar(item) || W.CharCode(item) > 0xFF) return W.Nil;
                { byte c = (byte)W.CharCode(item); byte* d = M.Raw(store) + start; for (int i = 0; i < n; i++) d[i] = c; }
                return vm.T;
            case ObjType.String32:
                if (!W.IsChar(item)) return W.Nil;
                { uint c = (uint)W.CharCode(item); uint* d = (uint*)M.Raw(store) + start; for (int i = 0; i < n; i++) d[i] = c; }
                return vm.T;
            case ObjType.ByteVector:
                if (!M.IsFix(item) || M.FixVal(item) < 0 || M.FixVal(item) > 255) return W.Nil;
                { byte c = (byte)M.FixVal(item); byte* d = M.Raw(store) + start; for (int i = 0; i < n; i++) d[i] = c; }
                return vm.T;
            case ObjType.WordVector:
                if (!M.IsFix(item)) return W.Nil;
                { ulong c = (ulong)M.FixVal(item); ulong* d = (ulong*)M.Raw(store) + start; for (int i = 0; i < n; i++) d[i] = c; }
                return vm.T;
            case ObjType.SimpleVector:
                for (int i = start; i < end; i++) vm.Heap.SetSlot(store, i, item);   // the write barrier per slot
                return vm.T;
        }
        return W.Nil;
    }

    // (%vector-replace v1 start1 v2 start2 n): copies n elements of v2 from start2 into v1
    // at start1 (as if through a temporary when they share storage); T when done, NIL when
    // the generic path must (different element kinds, a character v1 cannot hold).
    static ulong VectorReplace(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong d, out int len1, out _) || !VecInfo(a[2], out ulong s, out int len2, out _)) return W.Nil;
        if (!M.IsFix(a[1]) || !M.IsFix(a[3]) || !M.IsFix(a[4])) return W.Nil;
        long s1 = M.FixVal(a[1]), s2 = M.FixVal(a[3]), n = M.FixVal(a[4]);
        if (n < 0 || s1 < 0 || s2 < 0 || s1 + n > len1 || s2 + n > len2) return W.Nil;
        if (n == 0) return vm.T;
        ObjType td = M.Type(d), ts = M.Type(s);
        if (td == ts)
        {
            int w = RawWidth(td);
            if (w > 0) { MoveBytes(M.Raw(d) + s1 * w, M.Raw(s) + s2 * w, n * w); return vm.T; }
            if (td != ObjType.SimpleVector) return W.Nil;
            if (d == s && s1 > s2) { for (long i = n - 1; i >= 0; i--) vm.Heap.SetSlot(d, (int)(s1 + i), M.Slot(s, (int)(s2 + i))); }
            else { for (long i = 0; i < n; i++) vm.Heap.SetSlot(d, (int)(s1 + i), M.Slot(s, (int)(s2 + i))); }
            return vm.T;
        }
        if (td == ObjType.String32 && ts == ObjType.String8)
        {
            uint* dp = (uint*)M.Raw(d) + s1; byte* sp = M.Raw(s) + s2;
            for (long i = 0; i < n; i++) dp[i] = sp[i];
            return vm.T;
        }
        if (td == ObjType.String8 && ts == ObjType.String32)
        {
            byte* dp = M.Raw(d) + s1; uint* sp = (uint*)M.Raw(s) + s2;
            for (long i = 0; i < n; i++) if (sp[i] > 0xFF) return W.Nil;   // before any store
            for (long i = 0; i < n; i++) dp[i] = (byte)sp[i];
            return vm.T;
        }
        return W.Nil;
    }

    // (%vector-subseq vector start end): a fresh simple vector of the same element kind
    // (a wide string stays wide), NIL when the generic path must.
    static ulong VectorSubseq(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int len, out _)) return W.Nil;
        if (!Range(a[1], a[2], len, out int start, out int end)) return W.Nil;
        ObjType t = M.Type(store);
        int w = RawWidth(t);
        if (w == 0 && t != ObjType.SimpleVector) return W.Nil;
        int n = end - start;
        Heap h = vm.Heap;
        if (!h.RoomFor((ulong)n * (w == 0 ? 8UL : (ulong)w) + 64)) return vm.HeapExhausted();
        int m = h.RootMark(); int rv = h.PushRoot(a[0]);
        ulong r = w == 0 ? h.AllocBoxed(ObjType.SimpleVector, n) : h.AllocRaw(t, n);
        VecInfo(h.Root(rv), out store, out _, out _);
        h.PopRoots(m);
        if (w > 0) MoveBytes(M.Raw(r), M.Raw(store) + (long)start * w, (long)n * w);
        else for (int i = 0; i < n; i++) h.SetSlot(r, i, M.Slot(store, start + i));
        return r;
    }

    // (%vector-position item vector start end from-end mode), mode 0 EQL, 1 EQ, 2 =, 3 CHAR=:
    // the index of the first (last) match in [start, end), NIL when none, T when the
    // generic path must decide (an element or item this scan cannot compare exactly as
    // the test would, or one the test would signal on).
    static ulong VectorPosition(Vm vm, Args a)
    {
        if (!VecInfo(a[1], out ulong store, out int len, out _)) return vm.T;
        if (!Range(a[2], a[3], len, out int start, out int end)) return vm.T;
        if (!M.IsFix(a[5])) return vm.T;
        ulong item = a[0];
        bool back = a[4] != W.Nil;
        long mode = M.FixVal(a[5]);
        ObjType t = M.Type(store);
        bool boxedNum = M.Is(item, ObjType.Bignum) || M.Is(item, ObjType.DoubleFloat) || M.Is(item, ObjType.Ratio) || M.Is(item, ObjType.Complex);
        if (mode == 3 && !W.IsChar(item)) return vm.T;                 // CHAR= signals
        if (mode == 2 && !M.IsFix(item)) return vm.T;                  // = across number kinds
        if (mode == 3 && t != ObjType.String8 && t != ObjType.String32) return vm.T;
        if (mode == 2 && (t == ObjType.String8 || t == ObjType.String32 || t == ObjType.DoubleVector)) return vm.T;
        int step = back ? -1 : 1, i = back ? end - 1 : start, stop = back ? start - 1 : end;
        switch (t)
        {
            case ObjType.String8:
                {
                    if (!W.IsChar(item)) return W.Nil;   // EQL/EQ: a non-character matches no character
                    int c = W.CharCode(item); if (c > 0xFF) return W.Nil;
                    byte* p = M.Raw(store);
                    for (; i != stop; i += step) if (p[i] == c) return M.Fix(i);
                    return W.Nil;
                }
            case ObjType.String32:
                {
                    if (!W.IsChar(item)) return W.Nil;
                    uint c = (uint)W.CharCode(item); uint* p = (uint*)M.Raw(store);
                    for (; i != stop; i += step) if (p[i] == c) return M.Fix(i);
                    return W.Nil;
                }
            case ObjType.ByteVector:
                {
                    if (!M.IsFix(item)) return W.Nil;    // the elements are fixnums 0-255
                    long c = M.FixVal(item); byte* p = M.Raw(store);
                    if (c < 0 || c > 255) return W.Nil;
                    for (; i != stop; i += step) if (p[i] == c) return M.Fix(i);
                    return W.Nil;
                }
            case ObjType.WordVector:
                {
                    if (!M.IsFix(item)) return W.Nil;    // the elements are fixnums
                    long c = M.FixVal(item); long* p = (long*)M.Raw(store);
                    for (; i != stop; i += step) if (p[i] == c) return M.Fix(i);
                    return W.Nil;
                }
            case ObjType.SimpleVector:
                if (mode == 2)
                {
                    for (; i != stop; i += step)
                    {
                        ulong x = M.Slot(store, i);
                        if (x == item) return M.Fix(i);
                        if (!M.IsFix(x)) return vm.T;    // another number kind (or no number: = signals)
                    }
                    return W.Nil;
                }
                if (mode == 0 && boxedNum)
                {
                    for (; i != stop; i += step) if (vm.Heap.Eql(M.Slot(store, i), item)) return M.Fix(i);
                    return W.Nil;
                }
                for (; i != stop; i += step) if (M.Slot(store, i) == item) return M.Fix(i);
                return W.Nil;
        }
        return vm.T;
    }

    // Both arguments' string stores and bounds for SEARCH and MISMATCH; false when either
    // is not a string or a bound is bad (the generic path then signals).
    static bool TwoStrings(Args a, out ulong s1, out int b1, out int e1, out ulong s2, out int b2, out int e2)
    {
        s2 = 0; b2 = e2 = 0; b1 = e1 = 0;
        if (!VecInfo(a[0], out s1, out int l1, out _) || !IsStr(s1)) return false;
        if (!VecInfo(a[3], out s2, out int l2, out _) || !IsStr(s2)) return false;
        return Range(a[1], a[2], l1, out b1, out e1) && Range(a[4], a[5], l2, out b2, out e2);
    }

    static int CodeAt(ulong s, int i)
    {
        return M.Type(s) == ObjType.String8 ? M.Raw(s)[i] : (int)((uint*)M.Raw(s))[i];
    }

    // (%string-search s1 start1 end1 s2 start2 end2 from-end): SEARCH of string s1 in
    // string s2 with EQL/CHAR= and no key; the index in s2 or NIL; T when not strings.
    static ulong StringSearch(Vm vm, Args a)
    {
        if (!TwoStrings(a, out ulong s1, out int b1, out int e1, out ulong s2, out int b2, out int e2)) return vm.T;
        int n = e1 - b1;
        bool back = a[6] != W.Nil;
        int first = b2, last = e2 - n;
        if (last < first) return W.Nil;
        int step = back ? -1 : 1, p = back ? last : first, stop = back ? first - 1 : last + 1;
        if (n == 0) return M.Fix(p);
        int c0 = CodeAt(s1, b1);
        for (; p != stop; p += step)
        {
            if (CodeAt(s2, p) != c0) continue;
            int k = 1;
            while (k < n && CodeAt(s2, p + k) == CodeAt(s1, b1 + k)) k++;
            if (k == n) return M.Fix(p);
        }
        return W.Nil;
    }

    // (%string-mismatch s1 start1 end1 s2 start2 end2 from-end): MISMATCH of two strings
    // with EQL/CHAR= and no key: the index in s1, or NIL when the ranges match.
    static ulong StringMismatch(Vm vm, Args a)
    {
        if (!TwoStrings(a, out ulong s1, out int b1, out int e1, out ulong s2, out int b2, out int e2)) return vm.T;
        if (a[6] != W.Nil)
        {
            int i = e1 - 1, j = e2 - 1;
            while (i >= b1 && j >= b2 && CodeAt(s1, i) == CodeAt(s2, j)) { i--; j--; }
            return i < b1 && j < b2 ? W.Nil : M.Fix(i + 1);
        }
        else
        {
            int i = b1, j = b2;
            while (i < e1 && j < e2 && CodeAt(s1, i) == CodeAt(s2, j)) { i++; j++; }
            return i >= e1 && j >= e2 ? W.Nil : M.Fix(i);
        }
    }

    // (%string-case string start end up-p): NSTRING-UPCASE / NSTRING-DOWNCASE in place, with
    // CHAR-UPCASE's and CHAR-DOWNCASE's mapping; T when done, NIL when not a string.
    static ulong StringCase(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int len, out _) || !IsStr(store)) return W.Nil;
        if (!Range(a[1], a[2], len, out int start, out int end)) return W.Nil;
        bool up = a[3] != W.Nil;
        if (M.Type(store) == ObjType.String8)
        {
            byte* p = M.Raw(store);
            for (int i = start; i < end; i++) p[i] = (byte)(up ? Up(p[i]) : Down(p[i]));
        }
        else
        {
            uint* p = (uint*)M.Raw(store);
            for (int i = start; i < end; i++) p[i] = (uint)(up ? Up((int)p[i]) : Down((int)p[i]));
        }
        return vm.T;
    }

    // (%string-wide-p x): T when x is a string whose store holds characters beyond Latin-1
    // (CONCATENATE then makes a wide result).
    static ulong StringWideP(Vm vm, Args a)
    {
        return vm.Bool(VecInfo(a[0], out ulong store, out _, out _) && M.Type(store) == ObjType.String32);
    }
}
