// Start of day for a VM: load the Lisp sources compiled into the assembly (lisp/*.lisp in
// name order: 0x engine files, then the library) with *PACKAGE* = COMMON-LISP, export
// what they defined so CL-USER sees it, then switch to CL-USER.
using LispVm.Gc;

namespace LispVm.Eval;

public static unsafe class Boot
{
    /// <summary>Returns the number of files that reported an error.</summary>
    public static int Load(Vm vm, Repl repl)
    {
        int bad = 0;
        for (int i = 0; i < BootSources.Names.Length; i++)
        {
            vm.SetSymValue(vm.Sym(S.PackageVar), vm.Heap.CommonLispPackage);
            if (!repl.EvalText(BootSources.Texts[i], false))
            {
                bad++;
                vm.ConsoleString(";; (while loading ");
                vm.ConsoleString(BootSources.Names[i]);
                vm.ConsoleString(")\n");
                vm.FlushConsole();
            }
        }
        // Re-read the package: loading collected, and a full collection may have moved it.
        ExportAll(vm, vm.Heap.CommonLispPackage);
        // The library's own plist indicators stay internal (91-packages.lisp says why).
        if (!repl.EvalText("(%unexport-internals)", false)) bad++;
        vm.SetSymValue(vm.Sym(S.PackageVar), vm.Heap.UserPackage);
        return bad;
    }

    static void ExportAll(Vm vm, ulong pkg)
    {
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rp = h.PushRoot(pkg);
        int rl = h.PushRoot(W.Nil);
        ulong tbl = h.PackageInternalTable(h.Root(rp));
        int lim = h.HashEntryLimit(tbl);
        for (int i = 0; i < lim; i++)
        {
            tbl = h.PackageInternalTable(h.Root(rp));
            if (h.HashEntryAt(tbl, i, out ulong k, out ulong v)) h.SetRoot(rl, h.Cons(v, h.Root(rl)));
        }
        while (W.IsCons(h.Root(rl)))
        {
            h.Export(M.Car(h.Root(rl)), h.Root(rp));
            h.SetRoot(rl, M.Cdr(h.Root(rl)));
        }
        h.PopRoots(m);
    }
}
