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
        b.Def("%DISASSEMBLE", 1, 1, &DisassembleFn);
        b.Def("%CONSTANT-SYMBOL-P", 1, 1, &ConstantSymbolP);
        b.Def("%PACKAGE-LIST", 0, 0, &PackageList);
        b.Def("%TAKE-INTERRUPT", 0, 0, &TakeInterrupt);
        RegisterCodeCheck(b);
    }

    // A Ctrl-C typed while the debugger waited for a line ends that read (the console sets
    // the interrupt flag): the debugger takes it (clearing it) and prompts again.
    static ulong TakeInterrupt(Vm vm, Args a)
    {
        if (vm.InterruptFlag == 0) return W.Nil;
        vm.InterruptFlag = 0;
        return vm.Bool(true);
    }

    // Every package (APROPOS searches them all): a fresh list, oldest first.
    static ulong PackageList(Vm vm, Args a)
    {
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rs = h.PushRoot(h.Packages);
        int rr = h.PushRoot(W.Nil);
        while (W.IsCons(h.Root(rs)))
        {
            h.SetRoot(rr, h.Cons(M.Car(h.Root(rs)), h.Root(rr)));
            h.SetRoot(rs, M.Cdr(h.Root(rs)));
        }
        ulong r = h.Root(rr);
        h.PopRoots(m);
        return r;
    }

    static ulong ConstantSymbolP(Vm vm, Args a)
    {
        ulong x = a[0];
        if (x == W.Nil || !W.IsSymbol(x)) return vm.Bool(x == W.Nil);
        return vm.Bool((vm.SymFlags(x) & SymbolFlags.Constant) != 0 || M.Slot(x, Sy.Package) == vm.Roots[(int)R.KeywordPackage]);
    }

    static ulong ConsoleInputReady(Vm vm, Args a)
    {
        return vm.ConsoleIn == null || vm.ConsoleIn.Ready() ? vm.Roots[(int)R.T] : W.Nil;
    }

    /// <summary>(%DISASSEMBLE fn): the bytecode as a list of instructions, each (offset NAME
    /// operand...), a constant operand as (%K index . value); NIL for a builtin. The code
    /// is re-read from the rooted function after each allocation (a collection moves it).</summary>
    static ulong DisassembleFn(Vm vm, Args a)
    {
        ulong f = a[0];
        if (!(W.IsObj(f) && (M.Type(f) == ObjType.Function || M.Type(f) == ObjType.Closure))) return vm.TypeError(f, "FUNCTION");
        Heap h = vm.Heap;
        if (M.Slot(FnObj(f), Fn.Code) == W.Nil) return W.Nil;
        int m = h.RootMark();
        int rf = h.PushRoot(FnObj(f));
        int rl = h.PushRoot(W.Nil);
        int ri = h.PushRoot(W.Nil);
        int rk = h.PushRoot(vm.Intern("%K"));
        int end = M.Len(M.Slot(h.Root(rf), Fn.Code));
        int p = 0;
        while (p < end)
        {
            byte* c = M.Raw(M.Slot(h.Root(rf), Fn.Code));
            int n = OpInfo.Length(c, p, end);
            if (n < 0) { h.SetRoot(ri, h.Cons(M.Fix(p), h.Cons(h.MakeString("?"), W.Nil))); h.SetRoot(rl, h.Cons(h.Root(ri), h.Root(rl))); break; }
            int op = c[p];
            string fmt = OpInfo.Operands(op);
            // Operands in reverse: the list is consed from its end.
            h.SetRoot(ri, W.Nil);
            int q = p + n;
            for (int k = fmt.Length - 1; k >= 0; k--)
            {
                c = M.Raw(M.Slot(h.Root(rf), Fn.Code));
                char t = fmt[k];
                if (t == 'D')
                {
                    int cnt = c[p + 1];
                    for (int j = cnt - 1; j >= 0; j--)
                    {
                        c = M.Raw(M.Slot(h.Root(rf), Fn.Code));
                        h.SetRoot(ri, h.Cons(M.Fix(*(int*)(c + p + 2 + 4 * j)), h.Root(ri)));
                    }
                    c = M.Raw(M.Slot(h.Root(rf), Fn.Code));
                    h.SetRoot(ri, h.Cons(M.Fix(c[p + 1]), h.Root(ri)));
                    continue;
                }
                q -= OpInfo.Width(t);
                long v;
                if (t == 'n') v = c[q];
                else if (t == 'i') v = (sbyte)c[q];
                else if (t == 'a') v = *(int*)(c + q);
                else v = c[q] | (c[q + 1] << 8);
                if (t == 'k')
                {
                    ulong consts = M.Slot(h.Root(rf), Fn.Consts);
                    ulong cv = W.IsObj(consts) && v < M.Len(consts) ? M.Slot(consts, (int)v) : W.Nil;
                    int rc = h.PushRoot(h.Cons(M.Fix(v), cv));
                    h.SetRoot(rc, h.Cons(h.Root(rk), h.Root(rc)));
                    h.SetRoot(ri, h.Cons(h.Root(rc), h.Root(ri)));
                    h.PopRoots(rc);
                }
                else h.SetRoot(ri, h.Cons(M.Fix(v), h.Root(ri)));
            }
            h.SetRoot(ri, h.Cons(h.MakeString(OpInfo.Name(op)), h.Root(ri)));
            h.SetRoot(ri, h.Cons(M.Fix(p), h.Root(ri)));
            h.SetRoot(rl, h.Cons(h.Root(ri), h.Root(rl)));
            p += n;
        }
        ulong r = W.Nil, l = h.Root(rl);
        while (W.IsCons(l)) { ulong next = M.Cdr(l); h.SetCdr(l, r); r = l; l = next; }
        h.PopRoots(m);
        return r;
    }
}
