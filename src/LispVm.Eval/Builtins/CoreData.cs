// Characters, strings, vectors (simple and with a fill pointer), hash tables, instances
// and type-of. Arrays with fill pointers are ArrayHeader objects: [storage, fill-pointer,
// dimensions, displaced-offset, flags(1 = adjustable)]. Only one-dimensional arrays here.
using LispVm.Gc;
using LispVm.Reader.Numbers;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    const int AhStorage = 0, AhFill = 1, AhDims = 2, AhOffset = 3, AhFlags = 4, AhSize = 5;

    static void RegisterData(Builtins b)
    {
        b.Def("CHARACTERP", 1, 1, &Characterp); b.Def("CHAR-CODE", 1, 1, &CharCode); b.Def("CODE-CHAR", 1, 1, &CodeChar);
        b.Def("CHAR-UPCASE", 1, 1, &CharUpcase); b.Def("CHAR-DOWNCASE", 1, 1, &CharDowncase);
        b.Def("CHAR=", 1, -1, &CharEq); b.Def("CHAR<", 1, -1, &CharLt);
        b.Def("ALPHA-CHAR-P", 1, 1, &AlphaCharP); b.Def("DIGIT-CHAR-P", 1, 2, &DigitCharP);
        b.Def("STRINGP", 1, 1, &Stringp); b.Def("MAKE-STRING", 1, 5, &MakeString);
        b.Def("CHAR", 2, 2, &Aref2); b.Def("SCHAR", 2, 2, &Aref2); b.Def("%SET-CHAR", 3, 3, &Aset);
        b.Def("VECTORP", 1, 1, &Vectorp); b.Def("SIMPLE-VECTOR-P", 1, 1, &SimpleVectorp); b.Def("ARRAYP", 1, 1, &Vectorp);
        b.Def("VECTOR", 0, -1, &Vector); b.Def("SVREF", 2, 2, &Aref2); b.Def("%SVSET", 3, 3, &Aset);
        b.Def("AREF", 2, 2, &Aref2); b.Def("%ASET", 3, 3, &Aset);
        b.Def("LENGTH", 1, 1, &Length);
        b.Def("MAKE-ARRAY", 1, -1, &MakeArray);
        b.Def("%ARRAY-CAPACITY", 1, 1, &ArrayCapacity); b.Def("FILL-POINTER", 1, 1, &FillPointer);
        b.Def("%SET-FILL-POINTER", 2, 2, &SetFillPointer); b.Def("ARRAY-HAS-FILL-POINTER-P", 1, 1, &HasFillPointer);
        b.Def("VECTOR-PUSH", 2, 2, &VectorPush); b.Def("VECTOR-PUSH-EXTEND", 2, 3, &VectorPushExtend);
        b.Def("ARRAY-ELEMENT-TYPE", 1, 1, &ArrayElementType);
        b.Def("MAKE-HASH-TABLE", 0, -1, &MakeHashTable); b.Def("GETHASH", 2, 3, &Gethash);
        b.Def("%PUTHASH", 3, 3, &Puthash); b.Def("REMHASH", 2, 2, &Remhash); b.Def("CLRHASH", 1, 1, &Clrhash);
        b.Def("HASH-TABLE-COUNT", 1, 1, &HashTableCount); b.Def("HASH-TABLE-P", 1, 1, &HashTablep);
        b.Def("%HASH-TABLE-KEYS-VECTOR", 1, 1, &HashKeysVector); b.Def("SXHASH", 1, 1, &Sxhash);
        b.Def("HASH-TABLE-TEST", 1, 1, &HashTableTestB);
        b.Def("%MAKE-INSTANCE", 2, 2, &MakeInstance); b.Def("%INSTANCE-P", 1, 1, &Instancep);
        b.Def("%INSTANCE-LAYOUT", 1, 1, &InstanceLayout); b.Def("%INSTANCE-REF", 2, 2, &InstanceRef);
        b.Def("%INSTANCE-SET", 3, 3, &InstanceSet); b.Def("%INSTANCE-LENGTH", 1, 1, &InstanceLength);
        b.Def("%STRING-CONCAT", 2, 2, &StringConcat);
        b.Def("TYPE-OF", 1, 1, &TypeOf); b.Def("%FLOAT-BITS", 1, 1, &FloatBits); b.Def("%DOUBLE-P", 1, 1, &DoubleP);
    }

    static bool IsStr(ulong x) { return W.IsObj(x) && (M.Type(x) == ObjType.String8 || M.Type(x) == ObjType.String32); }
    static ulong Characterp(Vm vm, Args a) { return vm.Bool(W.IsChar(a[0])); }
    static ulong CharCode(Vm vm, Args a) { if (!W.IsChar(a[0])) return vm.TypeError(a[0], "CHARACTER"); return M.Fix(W.CharCode(a[0])); }
    static ulong CodeChar(Vm vm, Args a)
    {
        if (!M.IsFix(a[0]) || M.FixVal(a[0]) < 0 || M.FixVal(a[0]) > 0x10FFFF) return vm.TypeError(a[0], "CHARACTER-CODE");
        return W.MakeChar((int)M.FixVal(a[0]));
    }
    static int Up(int c) { return (c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) ? c - 32 : c; }
    static int Down(int c) { return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : c; }
    static ulong CharUpcase(Vm vm, Args a) { if (!W.IsChar(a[0])) return vm.TypeError(a[0], "CHARACTER"); return W.MakeChar(Up(W.CharCode(a[0]))); }
    static ulong CharDowncase(Vm vm, Args a) { if (!W.IsChar(a[0])) return vm.TypeError(a[0], "CHARACTER"); return W.MakeChar(Down(W.CharCode(a[0]))); }
    static ulong CharEq(Vm vm, Args a)
    {
        for (int i = 0; i < a.Count; i++) if (!W.IsChar(a[i])) return vm.TypeError(a[i], "CHARACTER");
        for (int i = 0; i + 1 < a.Count; i++) if (a[i] != a[i + 1]) return W.Nil;
        return vm.T;
    }
    static ulong CharLt(Vm vm, Args a)
    {
        for (int i = 0; i < a.Count; i++) if (!W.IsChar(a[i])) return vm.TypeError(a[i], "CHARACTER");
        for (int i = 0; i + 1 < a.Count; i++) if (W.CharCode(a[i]) >= W.CharCode(a[i + 1])) return W.Nil;
        return vm.T;
    }
    static ulong AlphaCharP(Vm vm, Args a)
    {
        if (!W.IsChar(a[0])) return vm.TypeError(a[0], "CHARACTER");
        int c = W.CharCode(a[0]);
        return vm.Bool((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xFF && c != 0xD7 && c != 0xF7));
    }
    static ulong DigitCharP(Vm vm, Args a)
    {
        if (!W.IsChar(a[0])) return vm.TypeError(a[0], "CHARACTER");
        long radix = a.Count > 1 && M.IsFix(a[1]) ? M.FixVal(a[1]) : 10;
        int c = W.CharCode(a[0]);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
        return d < radix ? M.Fix(d) : W.Nil;
    }
    static ulong Stringp(Vm vm, Args a)
    {
        ulong x = a[0];
        if (IsStr(x)) return vm.T;
        return vm.Bool(M.Is(x, ObjType.ArrayHeader) && IsStr(M.Slot(x, AhStorage)));
    }
    static ulong MakeString(Vm vm, Args a)
    {
        if (!M.IsFix(a[0]) || M.FixVal(a[0]) < 0 || M.FixVal(a[0]) > (1 << 28)) return vm.TypeError(a[0], "FIXNUM");
        int ch = ' ';
        for (int i = 1; i + 1 < a.Count; i += 2)
            if (a[i] == vm.Intern(":INITIAL-ELEMENT") && W.IsChar(a[i + 1])) ch = W.CharCode(a[i + 1]);
        int n = (int)M.FixVal(a[0]);
        if (!vm.Heap.RoomFor((ulong)n * (ch > 255 ? 4UL : 1UL) + 64)) return vm.HeapExhausted();
        ulong s = vm.Heap.MakeStringN(n, ch > 255);
        for (int i = 0; i < n; i++) vm.Heap.SetStringChar(s, i, ch);
        return s;
    }
    static ulong StringConcat(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong s1, out int l1, out int c1) || !IsStr(s1)) return vm.TypeError(a[0], "STRING");
        if (!VecInfo(a[1], out ulong s2, out int l2, out int c2) || !IsStr(s2)) return vm.TypeError(a[1], "STRING");
        bool wide = M.Type(s1) == ObjType.String32 || M.Type(s2) == ObjType.String32;
        ulong r = vm.Heap.MakeStringN(l1 + l2, wide);
        VecInfo(a[0], out s1, out l1, out c1); VecInfo(a[1], out s2, out l2, out c2);
        for (int i = 0; i < l1; i++) vm.Heap.SetStringChar(r, i, vm.Heap.StringChar(s1, i));
        for (int i = 0; i < l2; i++) vm.Heap.SetStringChar(r, l1 + i, vm.Heap.StringChar(s2, i));
        return r;
    }

    static ulong Vectorp(Vm vm, Args a)
    {
        ulong x = a[0];
        if (!W.IsObj(x)) return W.Nil;
        ObjType t = M.Type(x);
        return vm.Bool(t == ObjType.SimpleVector || t == ObjType.String8 || t == ObjType.String32 || t == ObjType.ArrayHeader
            || t == ObjType.ByteVector || t == ObjType.BitVector || t == ObjType.WordVector || t == ObjType.DoubleVector);
    }
    static ulong SimpleVectorp(Vm vm, Args a) { return vm.Bool(M.Is(a[0], ObjType.SimpleVector)); }
    static ulong Vector(Vm vm, Args a)
    {
        ulong v = vm.Heap.AllocBoxed(ObjType.SimpleVector, a.Count);
        for (int i = 0; i < a.Count; i++) vm.Heap.SetSlot(v, i, a[i]);
        return v;
    }

    /// <summary>Storage and active length of a vector-like object, or false.</summary>
    static bool VecInfo(ulong x, out ulong store, out int len, out int cap)
    {
        store = x; len = cap = 0;
        if (!W.IsObj(x)) return false;
        ObjType t = M.Type(x);
        if (t == ObjType.ArrayHeader)
        {
            store = M.Slot(x, AhStorage);
            cap = M.Len(store);
            ulong fp = M.Slot(x, AhFill);
            len = M.IsFix(fp) ? (int)M.FixVal(fp) : cap;
            return true;
        }
        if (t == ObjType.SimpleVector || t == ObjType.String8 || t == ObjType.String32 || t == ObjType.ByteVector
            || t == ObjType.BitVector || t == ObjType.WordVector || t == ObjType.DoubleVector)
        { len = cap = M.Len(x); return true; }
        return false;
    }

    static ulong ElemRef(Vm vm, ulong store, int i)
    {
        switch (M.Type(store))
        {
            case ObjType.SimpleVector: return M.Slot(store, i);
            case ObjType.String8: return W.MakeChar(M.Raw(store)[i]);
            case ObjType.String32: return W.MakeChar((int)((uint*)M.Raw(store))[i]);
            case ObjType.ByteVector: return M.Fix(M.Raw(store)[i]);
            case ObjType.BitVector: return M.Fix((M.Raw(store)[i >> 3] >> (i & 7)) & 1);
            case ObjType.WordVector: return M.Fix((long)((ulong*)M.Raw(store))[i]);
            case ObjType.DoubleVector: return vm.Heap.MakeDouble(((double*)M.Raw(store))[i]);
        }
        return W.Nil;
    }

    static ulong ElemSet(Vm vm, ulong store, int i, ulong v)
    {
        switch (M.Type(store))
        {
            case ObjType.SimpleVector: vm.Heap.SetSlot(store, i, v); return v;
            case ObjType.String8:
            case ObjType.String32:
                if (!W.IsChar(v)) return vm.TypeError(v, "CHARACTER");
                if (!vm.Heap.SetStringChar(store, i, W.CharCode(v))) return vm.TypeError(v, "BASE-CHAR");
                return v;
            case ObjType.ByteVector:
                if (!M.IsFix(v) || M.FixVal(v) < 0 || M.FixVal(v) > 255) return vm.TypeError(v, "(UNSIGNED-BYTE 8)");
                M.Raw(store)[i] = (byte)M.FixVal(v); return v;
            case ObjType.BitVector:
                if (v != M.Fix(0) && v != M.Fix(1)) return vm.TypeError(v, "BIT");
                if (v == M.Fix(1)) M.Raw(store)[i >> 3] |= (byte)(1 << (i & 7)); else M.Raw(store)[i >> 3] &= (byte)~(1 << (i & 7));
                return v;
            case ObjType.WordVector:
                if (!M.IsFix(v)) return vm.TypeError(v, "FIXNUM");
                ((ulong*)M.Raw(store))[i] = (ulong)M.FixVal(v); return v;
            case ObjType.DoubleVector:
                if (NumObj.Kind(v) != NumKind.Double) return vm.TypeError(v, "DOUBLE-FLOAT");
                ((double*)M.Raw(store))[i] = vm.Heap.DoubleValue(v); return v;
        }
        return vm.TypeError(store, "VECTOR");
    }

    static ulong Aref2(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int len, out int cap)) return vm.TypeError(a[0], "VECTOR");
        if (!M.IsFix(a[1]) || M.FixVal(a[1]) < 0 || M.FixVal(a[1]) >= cap)
            return vm.SimpleError("Index ~S out of bounds for ~S.", a[1], a[0]);
        return ElemRef(vm, store, (int)M.FixVal(a[1]));
    }
    static ulong Aset(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int len, out int cap)) return vm.TypeError(a[0], "VECTOR");
        if (!M.IsFix(a[1]) || M.FixVal(a[1]) < 0 || M.FixVal(a[1]) >= cap)
            return vm.SimpleError("Index ~S out of bounds for ~S.", a[1], a[0]);
        return ElemSet(vm, store, (int)M.FixVal(a[1]), a[2]);
    }
    static ulong Length(Vm vm, Args a)
    {
        ulong x = a[0];
        if (W.IsList(x))
        {
            long n = WalkList(x, out ulong end);
            if (n < 0) return vm.TypeError(x, "LIST");   // circular: a type-error as in CLISP, not a hang
            if (end != W.Nil) return vm.TypeError(a[0], "LIST");
            return M.Fix(n);
        }
        if (VecInfo(x, out ulong st, out int len, out int cap)) return M.Fix(len);
        return vm.TypeError(x, "SEQUENCE");
    }

    static ulong ReverseVector(Vm vm, ulong x)
    {
        if (!VecInfo(x, out ulong store, out int len, out int cap)) return vm.TypeError(x, "SEQUENCE");
        Heap h = vm.Heap;
        int m = h.RootMark(); int rx = h.PushRoot(x);
        ObjType t = M.Type(store);
        ulong nv = t == ObjType.String8 || t == ObjType.String32 ? h.MakeStringN(len, t == ObjType.String32)
            : h.AllocBoxed(ObjType.SimpleVector, len);
        int rn = h.PushRoot(nv);
        for (int i = 0; i < len; i++)
        {
            VecInfo(h.Root(rx), out store, out int l2, out int c2);
            ulong e = ElemRef(vm, store, len - 1 - i);
            ElemSet(vm, h.Root(rn), i, e);
        }
        nv = h.Root(rn); h.PopRoots(m);
        return nv;
    }

    /// <summary>(make-array n &key element-type initial-element initial-contents fill-pointer adjustable)</summary>
    // Upper bound of the storage for (make-array n ...) by :element-type.
    static ulong ArrayBytes(Vm vm, Args a, int n)
    {
        ulong per8 = 64;    // bits per element, boxed
        for (int i = 1; i + 1 < a.Count; i += 2)
        {
            if (a[i] != vm.Intern(":ELEMENT-TYPE")) continue;
            ulong t = a[i + 1];
            if (t == vm.Intern("CHARACTER")) per8 = 32;
            else if (t == vm.Intern("BASE-CHAR") || t == vm.Intern("STANDARD-CHAR")) per8 = 8;
            else if (t == vm.Intern("BIT")) per8 = 1;
            else if (IsSmallUnsigned(vm, t)) per8 = 8;
        }
        return ((ulong)n * per8 + 7) / 8 + 64;
    }

    /// <summary>(UNSIGNED-BYTE n) with 1 &lt;= n &lt;= 8: stored one byte per element (a ByteVector).</summary>
    static bool IsSmallUnsigned(Vm vm, ulong t)
    {
        if (!W.IsCons(t) || M.Car(t) != vm.Intern("UNSIGNED-BYTE")) return false;
        ulong r = M.Cdr(t);
        return W.IsCons(r) && M.Cdr(r) == W.Nil && M.IsFix(M.Car(r)) && M.FixVal(M.Car(r)) >= 1 && M.FixVal(M.Car(r)) <= 8;
    }

    static ulong MakeArray(Vm vm, Args a)
    {
        ulong dims = a[0];
        if (W.IsCons(dims) && M.Cdr(dims) == W.Nil) dims = M.Car(dims);
        if (!M.IsFix(dims) || M.FixVal(dims) < 0 || M.FixVal(dims) > (1 << 28))
            return vm.SimpleError("Only one-dimensional arrays of a reasonable size are supported: ~S.", a[0]);
        int n = (int)M.FixVal(dims);
        // Too large for what is left: storage-condition (before any heap reference is held
        // in a local: RoomFor may collect).
        if (!vm.Heap.RoomFor(ArrayBytes(vm, a, n))) return vm.HeapExhausted();
        ulong etype = vm.T, init = W.Unbound, contents = W.Unbound, fill = W.Nil, adjustable = W.Nil;
        for (int i = 1; i + 1 < a.Count; i += 2)
        {
            ulong k = a[i];
            if (k == vm.Intern(":ELEMENT-TYPE")) etype = a[i + 1];
            else if (k == vm.Intern(":INITIAL-ELEMENT")) init = a[i + 1];
            else if (k == vm.Intern(":INITIAL-CONTENTS")) contents = a[i + 1];
            else if (k == vm.Intern(":FILL-POINTER")) fill = a[i + 1];
            else if (k == vm.Intern(":ADJUSTABLE")) adjustable = a[i + 1];
        }
        Heap h = vm.Heap;
        int m = h.RootMark();
        bool str = etype == vm.Intern("CHARACTER") || etype == vm.Intern("BASE-CHAR") || etype == vm.Intern("STANDARD-CHAR");
        ulong store;
        if (str)
        {
            store = h.MakeStringN(n, etype == vm.Intern("CHARACTER"));
            int c = W.IsChar(init) ? W.CharCode(init) : ' ';
            for (int i = 0; i < n; i++) h.SetStringChar(store, i, c);
        }
        else if (etype == vm.Intern("BIT"))
        {
            store = h.AllocRaw(ObjType.BitVector, n);
            if (init == M.Fix(1)) for (int i = 0; i < n; i++) M.Raw(store)[i >> 3] |= (byte)(1 << (i & 7));
        }
        else if (IsSmallUnsigned(vm, etype))
        {
            int iv = 0;
            if (init != W.Unbound)
            {
                if (!M.IsFix(init) || M.FixVal(init) < 0 || M.FixVal(init) > 255) return vm.TypeError(init, "(UNSIGNED-BYTE 8)");
                iv = (int)M.FixVal(init);
            }
            store = h.AllocRaw(ObjType.ByteVector, n);
            if (iv != 0) for (int i = 0; i < n; i++) M.Raw(store)[i] = (byte)iv;
        }
        else
        {
            store = h.AllocBoxed(ObjType.SimpleVector, n);
            ulong iv = init == W.Unbound ? W.Nil : a[IndexOfKey(vm, a, ":INITIAL-ELEMENT") + 1];
            if (init != W.Unbound) for (int i = 0; i < n; i++) h.SetSlot(store, i, iv);
        }
        int rs = h.PushRoot(store);
        int ci = IndexOfKey(vm, a, ":INITIAL-CONTENTS");
        if (ci > 0)
        {
            ulong l = a[ci + 1];
            for (int i = 0; i < n && W.IsCons(l); i++, l = M.Cdr(l)) ElemSet(vm, h.Root(rs), i, M.Car(l));
            if (VecInfo(a[ci + 1], out ulong cs, out int cl, out int cc))
                for (int i = 0; i < n && i < cl; i++) { VecInfo(a[ci + 1], out cs, out cl, out cc); ElemSet(vm, h.Root(rs), i, ElemRef(vm, cs, i)); }
        }
        if (fill == W.Nil && adjustable == W.Nil) { store = h.Root(rs); h.PopRoots(m); return store; }
        ulong ah = h.AllocBoxed(ObjType.ArrayHeader, AhSize);
        h.SetSlot(ah, AhStorage, h.Root(rs));
        int fi = IndexOfKey(vm, a, ":FILL-POINTER");
        ulong fpv = fi > 0 ? a[fi + 1] : W.Nil;
        h.SetSlot(ah, AhFill, fpv == vm.T ? M.Fix(n) : M.IsFix(fpv) ? fpv : W.Nil);
        int rah = h.PushRoot(ah);
        ulong dl = h.Cons(M.Fix(n), W.Nil);
        h.SetSlot(h.Root(rah), AhDims, dl);
        h.SetSlot(h.Root(rah), AhOffset, M.Fix(0));
        h.SetSlot(h.Root(rah), AhFlags, M.Fix(adjustable != W.Nil ? 1 : 0));
        ah = h.Root(rah); h.PopRoots(m);
        return ah;
    }

    static int IndexOfKey(Vm vm, Args a, string key)
    {
        ulong k = vm.Intern(key);
        for (int i = 1; i + 1 < a.Count; i += 2) if (a[i] == k) return i;
        return -1;
    }

    static ulong ArrayCapacity(Vm vm, Args a) { if (!VecInfo(a[0], out ulong s, out int l, out int c)) return vm.TypeError(a[0], "VECTOR"); return M.Fix(c); }
    static ulong FillPointer(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.ArrayHeader) || !M.IsFix(M.Slot(a[0], AhFill))) return vm.TypeError(a[0], "(AND VECTOR (NOT SIMPLE-ARRAY))");
        return M.Slot(a[0], AhFill);
    }
    static ulong SetFillPointer(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.ArrayHeader)) return vm.TypeError(a[0], "(AND VECTOR (NOT SIMPLE-ARRAY))");
        vm.Heap.SetSlot(a[0], AhFill, a[1]); return a[1];
    }
    static ulong HasFillPointer(Vm vm, Args a) { return vm.Bool(M.Is(a[0], ObjType.ArrayHeader) && M.IsFix(M.Slot(a[0], AhFill))); }
    static ulong VectorPush(Vm vm, Args a)
    {
        ulong v = a[1];
        if (!M.Is(v, ObjType.ArrayHeader) || !M.IsFix(M.Slot(v, AhFill))) return vm.TypeError(v, "(AND VECTOR (NOT SIMPLE-ARRAY))");
        VecInfo(v, out ulong store, out int len, out int cap);
        if (len >= cap) return W.Nil;
        ulong r = ElemSet(vm, store, len, a[0]);
        if (r == Vm.Fail) return r;
        vm.Heap.SetSlot(a[1], AhFill, M.Fix(len + 1));
        return M.Fix(len);
    }
    static ulong VectorPushExtend(Vm vm, Args a)
    {
        ulong v = a[1];
        if (!M.Is(v, ObjType.ArrayHeader) || !M.IsFix(M.Slot(v, AhFill))) return vm.TypeError(v, "(AND VECTOR (NOT SIMPLE-ARRAY))");
        VecInfo(v, out ulong store, out int len, out int cap);
        if (len >= cap)
        {
            Heap h = vm.Heap;
            int ncap = cap * 2 + 16;
            ObjType t = M.Type(store);
            ulong ns = t == ObjType.String8 || t == ObjType.String32 ? h.MakeStringN(ncap, true)
                : t == ObjType.SimpleVector ? h.AllocBoxed(ObjType.SimpleVector, ncap) : h.AllocRaw(t, ncap);
            int m = h.RootMark(); int rn = h.PushRoot(ns);
            store = M.Slot(a[1], AhStorage);
            for (int i = 0; i < len; i++) { store = M.Slot(a[1], AhStorage); ElemSet(vm, h.Root(rn), i, ElemRef(vm, store, i)); }
            h.SetSlot(a[1], AhStorage, h.Root(rn));
            h.PopRoots(m);
            store = M.Slot(a[1], AhStorage);
        }
        ulong r = ElemSet(vm, store, len, a[0]);
        if (r == Vm.Fail) return r;
        vm.Heap.SetSlot(a[1], AhFill, M.Fix(len + 1));
        return M.Fix(len);
    }
    static ulong ArrayElementType(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int l, out int c)) return vm.TypeError(a[0], "ARRAY");
        switch (M.Type(store))
        {
            case ObjType.String8: return vm.Intern("BASE-CHAR");
            case ObjType.String32: return vm.Intern("CHARACTER");
            case ObjType.BitVector: return vm.Intern("BIT");
            case ObjType.DoubleVector: return vm.Syms[(int)S.DoubleFloat];
            case ObjType.ByteVector:
                {
                    ulong eight = vm.Heap.Cons(M.Fix(8), W.Nil);
                    return vm.Heap.Cons(vm.Intern("UNSIGNED-BYTE"), eight);
                }
        }
        return vm.T;
    }

    // ---- hash tables ----
    static ulong MakeHashTable(Vm vm, Args a)
    {
        HashTest t = HashTest.Eql;
        int ti = IndexOfKey(vm, a, ":TEST") + 1;
        if (a.Count > 0 && (a.Count & 1) == 0 && a[0] == vm.Intern(":TEST")) ti = 1;
        if (ti > 0)
        {
            ulong tv = a[ti];
            if (W.IsObj(tv) && (M.Type(tv) == ObjType.Function || M.Type(tv) == ObjType.Closure)) tv = M.Slot(FnObj(tv), Fn.Name);
            if (tv == vm.Sym(S.Eq)) t = HashTest.Eq;
            else if (tv == vm.Intern("EQUAL")) t = HashTest.Equal;
            else if (tv == vm.Intern("EQUALP")) t = HashTest.Equalp;
        }
        return vm.Heap.MakeHashTable(t);
    }
    static ulong Gethash(Vm vm, Args a)
    {
        if (!M.Is(a[1], ObjType.HashTable)) return vm.TypeError(a[1], "HASH-TABLE");
        if (vm.Heap.HashGet(a[1], a[0], out ulong v)) return vm.Values(v, vm.T);
        return vm.Values(a.Count > 2 ? a[2] : W.Nil, W.Nil);
    }
    static ulong Puthash(Vm vm, Args a)
    {
        if (!M.Is(a[1], ObjType.HashTable)) return vm.TypeError(a[1], "HASH-TABLE");
        vm.Heap.HashPut(a[1], a[0], a[2]); return a[2];
    }
    static ulong Remhash(Vm vm, Args a)
    {
        if (!M.Is(a[1], ObjType.HashTable)) return vm.TypeError(a[1], "HASH-TABLE");
        return vm.Bool(vm.Heap.HashRemove(a[1], a[0]));
    }
    static ulong Clrhash(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.HashTable)) return vm.TypeError(a[0], "HASH-TABLE");
        vm.Heap.HashClear(a[0]); return a[0];
    }
    static ulong HashTableCount(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.HashTable)) return vm.TypeError(a[0], "HASH-TABLE");
        return M.Fix(vm.Heap.HashCount(a[0]));
    }
    static ulong HashTablep(Vm vm, Args a) { return vm.Bool(M.Is(a[0], ObjType.HashTable)); }
    static ulong HashTableTestB(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.HashTable)) return vm.TypeError(a[0], "HASH-TABLE");
        switch (vm.Heap.HashTableTest(a[0]))
        {
            case HashTest.Eq: return vm.Sym(S.Eq);
            case HashTest.Equal: return vm.Intern("EQUAL");
            case HashTest.Equalp: return vm.Intern("EQUALP");
        }
        return vm.Intern("EQL");
    }
    static ulong HashKeysVector(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.HashTable)) return vm.TypeError(a[0], "HASH-TABLE");
        Heap h = vm.Heap;
        int n = h.HashCount(a[0]);
        ulong v = h.AllocBoxed(ObjType.SimpleVector, n);
        int lim = h.HashEntryLimit(a[0]), j = 0;
        for (int i = 0; i < lim && j < n; i++)
            if (h.HashEntryAt(a[0], i, out ulong k, out ulong val)) h.SetSlot(v, j++, k);
        return v;
    }
    static ulong Sxhash(Vm vm, Args a) { return M.Fix((long)(vm.Heap.Sxhash(a[0]) & 0x1FFFFFFFFFFFFFFF)); }

    // ---- instances ----
    static ulong MakeInstance(Vm vm, Args a)
    {
        if (!M.IsFix(a[1]) || M.FixVal(a[1]) < 0 || M.FixVal(a[1]) > 100000) return vm.TypeError(a[1], "FIXNUM");
        ulong o = vm.Heap.AllocBoxed(ObjType.Instance, 1 + (int)M.FixVal(a[1]));
        vm.Heap.SetSlot(o, 0, a[0]);
        return o;
    }
    static ulong Instancep(Vm vm, Args a) { return vm.Bool(M.Is(a[0], ObjType.Instance)); }
    static ulong InstanceLayout(Vm vm, Args a) { if (!M.Is(a[0], ObjType.Instance)) return vm.TypeError(a[0], "STRUCTURE-OBJECT"); return M.Slot(a[0], 0); }
    static ulong InstanceLength(Vm vm, Args a) { if (!M.Is(a[0], ObjType.Instance)) return vm.TypeError(a[0], "STRUCTURE-OBJECT"); return M.Fix(M.Len(a[0]) - 1); }
    static ulong InstanceRef(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Instance)) return vm.TypeError(a[0], "STRUCTURE-OBJECT");
        if (!M.IsFix(a[1]) || M.FixVal(a[1]) < 0 || M.FixVal(a[1]) >= M.Len(a[0]) - 1) return vm.SimpleError("Slot index ~S out of range.", a[1]);
        return M.Slot(a[0], 1 + (int)M.FixVal(a[1]));
    }
    static ulong InstanceSet(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Instance)) return vm.TypeError(a[0], "STRUCTURE-OBJECT");
        if (!M.IsFix(a[1]) || M.FixVal(a[1]) < 0 || M.FixVal(a[1]) >= M.Len(a[0]) - 1) return vm.SimpleError("Slot index ~S out of range.", a[1]);
        vm.Heap.SetSlot(a[0], 1 + (int)M.FixVal(a[1]), a[2]);
        return a[2];
    }

    static ulong TypeOf(Vm vm, Args a)
    {
        ulong x = a[0];
        if (x == W.Nil) return vm.Intern("NULL");
        if (x == vm.T) return vm.Intern("BOOLEAN");
        if (M.IsFix(x)) return vm.Intern("FIXNUM");
        if (W.IsChar(x)) return vm.Intern("CHARACTER");
        if (W.IsSingle(x)) return vm.Intern("SINGLE-FLOAT");
        if (W.IsCons(x)) return vm.Intern("CONS");
        if (W.IsSymbol(x)) return (vm.SymFlags(x) & SymbolFlags.Keyword) != 0 ? vm.Intern("KEYWORD") : vm.Intern("SYMBOL");
        if (!W.IsObj(x)) return vm.T;
        switch (M.Type(x))
        {
            case ObjType.Bignum: return vm.Intern("BIGNUM");
            case ObjType.Ratio: return vm.Intern("RATIO");
            case ObjType.DoubleFloat: return vm.Syms[(int)S.DoubleFloat];
            case ObjType.Complex: return vm.Intern("COMPLEX");
            case ObjType.String8: case ObjType.String32: return vm.Intern("SIMPLE-STRING");
            case ObjType.SimpleVector: return vm.Intern("SIMPLE-VECTOR");
            case ObjType.ArrayHeader: return vm.Intern("VECTOR");
            case ObjType.BitVector: return vm.Intern("SIMPLE-BIT-VECTOR");
            case ObjType.Function: case ObjType.Closure: return vm.Intern("FUNCTION");
            case ObjType.HashTable: return vm.Intern("HASH-TABLE");
            case ObjType.Package: return vm.Intern("PACKAGE");
            case ObjType.Stream: return vm.Intern("STREAM");
            case ObjType.Instance:
                {
                    ulong l = M.Slot(x, 0);
                    if (M.Is(l, ObjType.SimpleVector) && M.Len(l) > 1) return M.Slot(l, 1);
                    if (M.Is(l, ObjType.Instance) && M.Len(l) > 1) return M.Slot(l, 1);
                    return vm.Intern("STRUCTURE-OBJECT");
                }
        }
        return vm.T;
    }

    static ulong FloatBits(Vm vm, Args a)
    {
        ulong x = a[0];
        if (W.IsSingle(x)) return M.Fix(W.SingleBits(x));
        if (NumObj.Kind(x) == NumKind.Double)
        {
            ulong bits = NumObj.DoubleBits(x);
            if (vm.Num.Ash(M.Fix((long)(bits >> 32)), 32, out ulong hi) != NumStatus.Ok) return vm.SimpleError("float-bits");
            vm.Num.Add(hi, M.Fix((long)(bits & 0xFFFFFFFF)), out ulong r);
            return r;
        }
        return vm.TypeError(x, "FLOAT");
    }
    static ulong DoubleP(Vm vm, Args a) { return vm.Bool(NumObj.Kind(a[0]) == NumKind.Double); }
}
