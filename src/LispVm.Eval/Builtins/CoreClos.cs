// Why: CLOS (issue 15) keeps a standard instance as a wrapper (its layout) plus a slot
// vector; change-class and class redefinition give an existing instance a new wrapper in
// place, so identity (eq) survives. This is the one primitive the library needs for it.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterClos(Builtins b)
    {
        b.Def("%SET-INSTANCE-LAYOUT", 2, 2, &SetInstanceLayout);
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
