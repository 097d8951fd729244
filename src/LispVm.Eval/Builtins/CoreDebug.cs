// Why: the engine side of the interactive debugger and the REPL tools (lisp/92-debugger.lisp,
// lisp/93-tools.lisp): whether console input waits (the debugger lets other green threads
// run until it does), the active frames with their arguments for :BT, and a compiled
// function's bytecode for DISASSEMBLE. No allocation beyond the Lisp heap.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterDebug(Builtins b)
    {
        b.Def("%CONSOLE-INPUT-READY-P", 0, 0, &ConsoleInputReady);
    }

    static ulong ConsoleInputReady(Vm vm, Args a)
    {
        return vm.ConsoleIn == null || vm.ConsoleIn.Ready() ? vm.Roots[(int)R.T] : W.Nil;
    }
}
