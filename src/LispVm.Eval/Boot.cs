// Start of day for a VM: load the Lisp sources compiled into the assembly (lisp/*.lisp in
// name order: 0x engine files, then the library) with *PACKAGE* = COMMON-LISP (98-exports
// leaves the standard symbols external there and the extensions in LISPVM), then switch
// to CL-USER.
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
        vm.SetSymValue(vm.Sym(S.PackageVar), vm.Heap.UserPackage);
        return bad;
    }
}
