// Why: CLOS (issue 15) keeps a standard instance as a wrapper (its layout) plus a slot
// vector; change-class and class redefinition give an existing instance a new wrapper in
// place, so identity (eq) survives: %set-instance-layout; %make-slot-vector makes the
// slot vector; %wrapper-stamp is the dispatch's fast class key.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterClos(Builtins b)
    {
        b.Def("%SET-INSTANCE-LAYOUT", 2, 2, &SetInstanceLayout);
        b.Def("%MAKE-SLOT-VECTOR", 2, 2, &MakeSlotVector);
        b.Def("%WRAPPER-STAMP", 1, 1, &WrapperStamp);
    }

    /// <summary>Length of a CLOS wrapper #(%clos-wrapper name class stamp locations
    /// obsolete nslots) (lisp/50-clos-classes.lisp); no other instance layout has it
    /// (structure layouts have 6 elements, condition classes 5).</summary>
    const int WrapperLength = 7, WrapperStampSlot = 3;

    /// <summary>(%wrapper-stamp x): the class stamp of a standard instance, read from its
    /// wrapper; NIL for any other object (the dispatch then asks class-of).</summary>
    static ulong WrapperStamp(Vm vm, Args a)
    {
        ulong x = a[0];
        if (!M.Is(x, ObjType.Instance)) return W.Nil;
        ulong w = M.Slot(x, 0);
        if (!M.Is(w, ObjType.SimpleVector) || M.Len(w) != WrapperLength) return W.Nil;
        ulong stamp = M.Slot(w, WrapperStampSlot);
        return M.IsFix(stamp) ? stamp : W.Nil;
    }

    /// <summary>(%make-slot-vector n fill): a simple vector of n (0..100000) elements, each
    /// FILL — an instance's slot vector, every slot unbound (make-array's keyword parsing
    /// cost more than the rest of allocate-instance).</summary>
    static ulong MakeSlotVector(Vm vm, Args a)
    {
        if (!M.IsFix(a[0]) || M.FixVal(a[0]) < 0 || M.FixVal(a[0]) > 100000) return vm.TypeError(a[0], "(INTEGER 0 100000)");
        int n = (int)M.FixVal(a[0]);
        int mark = vm.Heap.RootMark();
        int r = vm.Heap.PushRoot(a[1]);
        ulong v = vm.Heap.AllocBoxed(ObjType.SimpleVector, n);
        ulong fill = vm.Heap.Root(r);
        vm.Heap.PopRoots(mark);
        for (int i = 0; i < n; i++) vm.Heap.SetSlot(v, i, fill);
        return v;
    }

    /// <summary>(%set-instance-layout instance layout): replace the layout word (slot 0)
    /// of an instance; returns the layout.</summary>
    static ulong SetInstanceLayout(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Instance)) return vm.TypeError(a[0], "STRUCTURE-OBJECT");
        vm.Heap.SetSlot(a[0], 0, a[1]);
        return a[1];
    }
}
