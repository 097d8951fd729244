// Why: forms that act on the compile-time environment or run code while compiling:
// MACROLET, SYMBOL-MACROLET, EVAL-WHEN, LOAD-TIME-VALUE.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    bool CMacrolet(int xi, int ctx)
    {
        int envMark = ntop;
        int it = P(Cadr(R[xi]));
        while (W.IsCons(R[it]))
        {
            ulong d = M.Car(R[it]);
            if (!W.IsCons(d) || !W.IsSymbol(M.Car(d))) return Err1("Bad MACROLET definition: ~S.", d);
            // Build the expander with the Lisp helper %MAKE-MACRO-FUNCTION (name lambda-list body).
            ulong maker = M.Slot(Sym(S.MakeMacroFunction), Sy.Function);
            if (!W.IsObj(maker)) return Err("MACROLET is not available before the boot file is loaded.");
            vm.Push(maker); vm.Push(M.Car(d)); vm.Push(Cadr(d)); vm.Push(Cddr(d));
            if (vm.CallNested(3, out ulong fn) != RunStatus.Ok) return false;
            int e = PushEnv(EMacro, M.Car(M.Car(R[it])), 0);
            envValue[e] = fn;
            R[it] = M.Cdr(R[it]);
        }
        int bodyi = ParseBody(Cddr(R[xi]), false, out int spS, out int spN);
        PushFreeSpecials(spS, spN);
        bool ok = CProgn(bodyi, ctx);
        ntop = envMark;
        return ok;
    }

    bool CSymbolMacrolet(int xi, int ctx)
    {
        int envMark = ntop;
        for (ulong l = Cadr(R[xi]); W.IsCons(l); l = M.Cdr(l))
        {
            ulong d = M.Car(l);
            if (!W.IsCons(d) || !W.IsSymbol(M.Car(d))) return Err1("Bad SYMBOL-MACROLET binding: ~S.", d);
            int e = PushEnv(ESymMacro, M.Car(d), 0);
            envValue[e] = Cadr(d);
        }
        int bodyi = ParseBody(Cddr(R[xi]), false, out int spS, out int spN);
        PushFreeSpecials(spS, spN);
        bool ok = CProgn(bodyi, ctx);
        ntop = envMark;
        return ok;
    }

    bool CEvalWhen(int xi, int ctx)
    {
        bool exec = false;
        for (ulong l = Cadr(R[xi]); W.IsCons(l); l = M.Cdr(l))
        {
            ulong s = M.Car(l);
            if (s == Sym(S.KwExecute) || s == Sym(S.Eval) || s == Sym(S.KwLoadToplevel) || s == Sym(S.Load)) exec = true;
        }
        if (!exec) { EConst(W.Nil); Finish(ctx); return true; }
        return CProgn(P(Cddr(R[xi])), ctx);
    }

    bool CLoadTimeValue(int xi, int ctx)
    {
        ulong thunk = CompileToplevel(Cadr(R[xi]));
        if (thunk == Vm.Fail) return false;
        vm.Push(thunk);
        if (vm.CallNested(0, out ulong v) != RunStatus.Ok) return false;
        EOp16(Op.Const, AddConst(v, false)); Push(1);
        Finish(ctx);
        return true;
    }
}
