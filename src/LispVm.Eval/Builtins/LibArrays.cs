// Library primitives: ADJUST-ARRAY in place (lisp/48-hash-arrays.lisp) — an array with a
// header (adjustable or with a fill pointer) takes over a freshly made header's storage,
// fill pointer and dimensions, so the caller's object keeps its identity — and SHADOW's
// %INTERN-PRESENT, IMPORT's %IMPORT-SYMBOL.
using LispVm.Gc;

namespace LispVm.Eval;

static unsafe partial class Lib
{
    static partial void RegisterAll(Builtins b)
    {
        b.Def("%ARRAY-HEADER-P", 1, 1, &ArrayHeaderP);
        b.Def("%ARRAY-HEADER-REPLACE", 2, 2, &ArrayHeaderReplace);
        b.Def("%INTERN-PRESENT", 2, 2, &InternPresent);
        b.Def("%IMPORT-SYMBOL", 2, 2, &ImportSymbol);
        b.Def("%REGISTER-MARRAY-LAYOUT", 1, 1, &RegisterMarrayLayout);
        b.Def("%BIT-VECTOR-OP", 4, 4, &BitVectorOp);     // LibBits.cs
    }

    // (%register-marray-layout layout): the VM's AREF/%ASET-2 ops recognise rank-2 arrays
    // by this layout (one eq) and index them inline.
    static ulong RegisterMarrayLayout(Vm vm, Args a)
    {
        vm.Roots[(int)R.MarrayLayout] = a[0];
        return a[0];
    }

    // (%intern-present name package): SHADOW's primitive (lisp/90-misc.lisp).
    static ulong InternPresent(Vm vm, Args a)
    {
        if (!vm.Heap.IsString(a[0])) return vm.TypeError(a[0], "STRING");
        if (!M.Is(a[1], ObjType.Package)) return vm.TypeError(a[1], "PACKAGE");
        return vm.Heap.InternPresent(a[0], a[1]);
    }

    // (%import-symbol symbol package): IMPORT's and SHADOWING-IMPORT's primitive; the
    // name-conflict check is in lisp/90-misc.lisp.
    static ulong ImportSymbol(Vm vm, Args a)
    {
        if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL");
        if (!M.Is(a[1], ObjType.Package)) return vm.TypeError(a[1], "PACKAGE");
        vm.Heap.ImportSymbol(a[0], a[1]);
        return vm.T;
    }

    static ulong ArrayHeaderP(Vm vm, Args a) { return vm.Bool(M.Is(a[0], ObjType.ArrayHeader)); }

    static ulong ArrayHeaderReplace(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.ArrayHeader)) return vm.TypeError(a[0], "(AND VECTOR (NOT SIMPLE-ARRAY))");
        if (!M.Is(a[1], ObjType.ArrayHeader)) return vm.TypeError(a[1], "(AND VECTOR (NOT SIMPLE-ARRAY))");
        int n = M.Len(a[0]);
        if (M.Len(a[1]) < n) n = M.Len(a[1]);
        for (int i = 0; i < n; i++) vm.Heap.SetSlot(a[0], i, M.Slot(a[1], i));
        return a[0];
    }
}
