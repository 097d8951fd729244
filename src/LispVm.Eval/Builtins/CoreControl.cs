// Function calling, multiple values, evaluation and the engine's control hooks used by
// the condition system and the REPL (abort to top level, backtrace capture, quit).
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterControl(Builtins b)
    {
        b.vm.BiFuncall = b.Def("FUNCALL", 1, -1, &Unreachable);
        b.vm.BiApply = b.Def("APPLY", 2, -1, &Unreachable);
        b.Def("VALUES", 0, -1, &Values); b.Def("VALUES-LIST", 1, 1, &ValuesList);
        b.Def("%EVAL", 1, 1, &EvalB); b.Def("%COMPILE-TOPLEVEL", 1, 1, &CompileToplevelB);
        b.Def("%MACRO-EXPANDER", 1, 2, &MacroExpander); b.Def("%SYMBOL-MACRO-EXPANSION", 1, 2, &SymbolMacroExpansion);
        b.Def("FUNCTIONP", 1, 1, &Functionp); b.Def("%FUNCTION-NAME", 1, 1, &FunctionName);
        b.Def("%FUNCTION-LAMBDA-LIST", 1, 1, &FunctionLambdaList);
        b.Def("%ABORT-TOPLEVEL", 0, 0, &AbortToplevel);
        b.Def("%CAPTURE-BACKTRACE", 0, 0, &CaptureBacktrace);
        b.Def("%LAST-BACKTRACE", 0, 0, &LastBacktrace);
        b.Def("QUIT", 0, 1, &Quit); b.Def("EXIT", 0, 1, &Quit);
        b.Def("GC", 0, 1, &Gc);
        b.Def("GET-INTERNAL-REAL-TIME", 0, 0, &RealTime); b.Def("GET-INTERNAL-RUN-TIME", 0, 0, &RealTime);
        b.Def("GET-UNIVERSAL-TIME", 0, 0, &UniversalTime);
        b.Def("%IDENTITY", 1, 1, &Identity); b.Def("IDENTITY", 1, 1, &Identity);
        b.Def("%STACK-DEPTH", 0, 0, &StackDepth);
    }

    static ulong Unreachable(Vm vm, Args a) { return vm.SimpleError("internal: FUNCALL/APPLY reached the builtin body."); }

    static ulong Values(Vm vm, Args a)
    {
        if (a.Count > Vm.MaxValues) return vm.SimpleError("Too many values (~D).", M.Fix(a.Count));
        for (int i = 0; i < a.Count; i++) vm.Th.Mv[i] = a[i];
        return vm.ValuesN(a.Count);
    }

    static ulong ValuesList(Vm vm, Args a)
    {
        int n = 0;
        ulong l = a[0];
        for (; W.IsCons(l); l = M.Cdr(l))
        {
            if (n >= Vm.MaxValues) return vm.SimpleError("Too many values.");
            vm.Th.Mv[n++] = M.Car(l);
        }
        if (l != W.Nil) return vm.TypeError(a[0], "LIST");
        return vm.ValuesN(n);
    }

    static ulong EvalB(Vm vm, Args a)
    {
        ulong thunk = vm.Comp.CompileToplevel(a[0]);
        if (thunk == Vm.Fail) return Vm.Fail;
        vm.TailFn = thunk; vm.TailArgc = 0;
        return Vm.TailCallReq;
    }

    static ulong CompileToplevelB(Vm vm, Args a) { return vm.Comp.CompileToplevel(a[0]); }

    static ulong MacroExpander(Vm vm, Args a)
    {
        ulong name = a[0];
        if (!W.IsSymbol(name)) return W.Nil;
        ulong e;
        if (a.Count > 1 && vm.Comp.EnvMacro(a[1], name, false, out e)) return e;
        if (a.Count > 1 && M.IsFix(a[1]) && vm.Comp.EnvShadowsFunction(a[1], name)) return W.Nil;
        if (name == W.Nil) return W.Nil;
        ulong f = vm.SymFunction(name);
        return vm.IsMacroCell(f) ? M.Cdr(f) : W.Nil;
    }

    static ulong SymbolMacroExpansion(Vm vm, Args a)
    {
        ulong e;
        if (a.Count > 1 && vm.Comp.EnvMacro(a[1], a[0], true, out e)) return vm.Values(e, vm.T);
        return vm.Values(W.Nil, W.Nil);
    }

    static ulong Functionp(Vm vm, Args a)
    {
        ulong x = a[0];
        return vm.Bool(W.IsObj(x) && (M.Type(x) == ObjType.Function || M.Type(x) == ObjType.Closure));
    }

    static ulong FnObj(ulong x) { return M.Type(x) == ObjType.Closure ? M.Slot(x, 0) : x; }

    static ulong FunctionName(Vm vm, Args a)
    {
        ulong x = a[0];
        if (!(W.IsObj(x) && (M.Type(x) == ObjType.Function || M.Type(x) == ObjType.Closure))) return vm.TypeError(x, "FUNCTION");
        return M.Slot(FnObj(x), Fn.Name);
    }

    static ulong FunctionLambdaList(Vm vm, Args a)
    {
        ulong x = a[0];
        if (!(W.IsObj(x) && (M.Type(x) == ObjType.Function || M.Type(x) == ObjType.Closure))) return vm.TypeError(x, "FUNCTION");
        return M.Slot(FnObj(x), Fn.LambdaList);
    }

    static ulong AbortToplevel(Vm vm, Args a)
    {
        vm.PendTarget = vm.OutermostRunBase();
        vm.PendUnwind = true;
        vm.Th.Nv = 0;
        return Vm.Fail;
    }

    static ulong CaptureBacktrace(Vm vm, Args a)
    {
        Heap h = vm.Heap;
        LispThread th = vm.Th;
        int m = h.RootMark(); int r = h.PushRoot(W.Nil);
        int top = th.Fc - 1;
        int first = top - 40 < 0 ? 0 : top - 40;
        for (int f = first; f <= top; f++)
        {
            ulong fn = th.F[f].Fn;
            if (fn == vm.Roots[(int)R.Trampoline]) continue;
            int bp = th.F[f].Bp, argc = th.F[f].Argc;
            if (argc > 8) argc = 8;
            int re = h.PushRoot(W.Nil);
            for (int i = argc - 1; i >= 0; i--) h.SetRoot(re, h.Cons(th.S[bp + i], h.Root(re)));
            ulong name = M.Slot(FnObj(th.F[f].Fn), Fn.Name);
            h.SetRoot(re, h.Cons(name == W.Nil ? vm.Sym(S.Lambda) : name, h.Root(re)));
            h.SetRoot(r, h.Cons(h.Root(re), h.Root(r)));
        }
        vm.Roots[(int)R.Backtrace] = h.Root(r);
        h.PopRoots(m);
        return vm.Roots[(int)R.Backtrace];
    }

    static ulong LastBacktrace(Vm vm, Args a) { return vm.Roots[(int)R.Backtrace]; }

    static ulong Quit(Vm vm, Args a)
    {
        int code = a.Count > 0 && M.IsFix(a[0]) ? (int)M.FixVal(a[0]) : 0;
        vm.QuitRequested = true; vm.QuitCode = code;
        vm.FlushConsole();
        vm.Platform.Exit(code);
        return AbortToplevel(vm, a);
    }

    static ulong Gc(Vm vm, Args a) { vm.Heap.Collect(a.Count == 0 || a[0] != W.Nil); return W.Nil; }
    static ulong RealTime(Vm vm, Args a) { return M.Fix(vm.Platform.NowMicros()); }
    // Seconds since 1900-01-01 00:00 UTC (CLHS 25.1.4.2): 2208988800 s before the Unix epoch.
    internal const long UnixEpochUniversal = 2208988800L;
    static ulong UniversalTime(Vm vm, Args a)
    {
        long us = vm.Platform.UnixTimeMicros();
        return M.Fix(UnixEpochUniversal + (us < 0 ? -((-us + 999999) / 1000000) : us / 1000000));
    }
    static ulong Identity(Vm vm, Args a) { return a[0]; }
    static ulong StackDepth(Vm vm, Args a) { return M.Fix(vm.Th.Fc); }
}
