// Why: CLOS (issue 15) keeps a standard instance as a wrapper (its layout) plus a slot
// vector; change-class and class redefinition give an existing instance a new wrapper in
// place, so identity (eq) survives: %set-instance-layout; %make-slot-vector makes the
// slot vector; %wrapper-stamp is the dispatch's fast class key, %dispatch-key its eql
// specializer test and class key in one, %slot-at-layout(s)/%set-slot-at-layout(s) an accessor's slot access;
// %set-funcallable-function gives a generic function object (a
// closure) its discriminating function's code in place, so a call is one call.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterClos(Builtins b)
    {
        b.Def("%SET-INSTANCE-LAYOUT", 2, 2, &SetInstanceLayout);
        b.Def("%MAKE-SLOT-VECTOR", 2, 2, &MakeSlotVector);
        b.Def("%WRAPPER-STAMP", 1, 1, &WrapperStamp);
        b.Def("%DISPATCH-KEY", 3, 3, &DispatchKey);
        b.Def("%SLOT-AT-LAYOUT", 4, 4, &SlotAtLayout);
        b.Def("%SET-SLOT-AT-LAYOUT", 4, 4, &SetSlotAtLayout);
        b.Def("%SLOT-AT-LAYOUTS", 3, 3, &SlotAtLayouts);
        b.Def("%SET-SLOT-AT-LAYOUTS", 3, 3, &SetSlotAtLayouts);
        b.Def("%SET-FUNCALLABLE-FUNCTION", 2, 2, &SetFuncallableFunction);
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

    /// <summary>(%dispatch-key x eqlvec fixnum-stamp): a one-argument disc's key for x in
    /// one step: -1-j when x is eql to element j of the simple vector eqlvec (or NIL: none),
    /// else the class stamp of a standard instance, fixnum-stamp for a fixnum, or NIL (the
    /// disc then asks class-of).</summary>
    static ulong DispatchKey(Vm vm, Args a)
    {
        ulong x = a[0], v = a[1];
        if (M.Is(v, ObjType.SimpleVector))
        {
            int n = M.Len(v);
            for (int i = 0; i < n; i++)
            {
                ulong e = M.Slot(v, i);
                if (e == x || (W.IsObj(x) && vm.Heap.Eql(e, x))) return M.Fix(-1 - i);
            }
        }
        if (M.IsFix(x)) return a[2];
        return WrapperStamp(vm, a);
    }

    /// <summary>The slot vector of a standard instance x whose layout word is w (an
    /// instance is [layout, slot vector]), or 0.</summary>
    static ulong SlotsIfLayout(ulong x, ulong w, ulong loc)
    {
        if (!M.Is(x, ObjType.Instance) || M.Len(x) < 2 || M.Slot(x, 0) != w) return 0;
        ulong v = M.Slot(x, 1);
        if (!M.Is(v, ObjType.SimpleVector) || !M.IsFix(loc)) return 0;
        long i = M.FixVal(loc);
        return i >= 0 && i < M.Len(v) ? v : 0;
    }

    /// <summary>(%slot-at-layout x w loc miss): slot loc of the standard instance x when its
    /// layout is w (a reader's cache entry, one call), else miss.</summary>
    static ulong SlotAtLayout(Vm vm, Args a)
    {
        ulong v = SlotsIfLayout(a[0], a[1], a[2]);
        return v == 0 ? a[3] : M.Slot(v, (int)M.FixVal(a[2]));
    }

    /// <summary>(%set-slot-at-layout x w loc value): store value in slot loc of x when its
    /// layout is w and return T (a writer's cache entry), else return NIL.</summary>
    static ulong SetSlotAtLayout(Vm vm, Args a)
    {
        ulong v = SlotsIfLayout(a[0], a[1], a[2]);
        if (v == 0) return W.Nil;
        vm.Heap.SetSlot(v, (int)M.FixVal(a[2]), a[3]);
        return vm.Bool(true);
    }

    /// <summary>The location of x's layout in a slot cache #(layout0 loc0 layout1 loc1 ...)
    /// (an accessor's per-class locations), or -1.</summary>
    static long LocationIn(ulong x, ulong cache)
    {
        if (!M.Is(x, ObjType.Instance) || M.Len(x) < 2 || !M.Is(cache, ObjType.SimpleVector)) return -1;
        ulong w = M.Slot(x, 0);
        int n = M.Len(cache) & ~1;
        for (int i = 0; i < n; i += 2)
            if (M.Slot(cache, i) == w) { ulong loc = M.Slot(cache, i + 1); return M.IsFix(loc) ? M.FixVal(loc) : -1; }
        return -1;
    }

    /// <summary>(%slot-at-layouts x cache miss): the slot of x at its layout's location in
    /// the slot cache (see LocationIn), else miss.</summary>
    static ulong SlotAtLayouts(Vm vm, Args a)
    {
        long i = LocationIn(a[0], a[1]);
        if (i < 0) return a[2];
        ulong v = M.Slot(a[0], 1);
        return M.Is(v, ObjType.SimpleVector) && i < M.Len(v) ? M.Slot(v, (int)i) : a[2];
    }

    /// <summary>(%set-slot-at-layouts x cache value): store value at x's layout's location
    /// in the slot cache and return T, else NIL.</summary>
    static ulong SetSlotAtLayouts(Vm vm, Args a)
    {
        long i = LocationIn(a[0], a[1]);
        if (i < 0) return W.Nil;
        ulong v = M.Slot(a[0], 1);
        if (!M.Is(v, ObjType.SimpleVector) || i >= M.Len(v)) return W.Nil;
        vm.Heap.SetSlot(v, (int)i, a[2]);
        return vm.Bool(true);
    }

    /// <summary>(%set-funcallable-function target source): make the closure TARGET run
    /// SOURCE's code with SOURCE's closed values (slots copied, the rest NIL) and return T,
    /// or return NIL (nothing changed) when SOURCE closes over more values than TARGET has
    /// room for. TARGET keeps its identity: it is a generic function object, and its
    /// discriminating function changes with its methods. The caller must not do this while
    /// a frame of TARGET may still return into TARGET's code (discriminating functions only
    /// tail-call Lisp code, and call builtins that run none).</summary>
    static ulong SetFuncallableFunction(Vm vm, Args a)
    {
        ulong t = a[0], src = a[1];
        if (!M.Is(t, ObjType.Closure)) return vm.TypeError(t, "FUNCTION");
        int room = M.Len(t) - 1;
        ulong fo; int n;
        if (M.Is(src, ObjType.Closure)) { fo = M.Slot(src, 0); n = M.Len(src) - 1; }
        else if (M.Is(src, ObjType.Function)) { fo = src; n = 0; }
        else return vm.TypeError(src, "FUNCTION");
        if (n > room) return W.Nil;
        for (int i = 0; i < n; i++) vm.Heap.SetSlot(t, 1 + i, M.Slot(src, 1 + i));
        for (int i = n; i < room; i++) vm.Heap.SetSlot(t, 1 + i, W.Nil);
        vm.Heap.SetSlot(t, 0, fo);
        return vm.Bool(true);
    }
}
