// Why: non-local exits with a dynamic extent: CATCH (a catch entry resuming after the
// body) and UNWIND-PROTECT (an entry whose cleanup runs on normal and unwinding exits).
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    bool CCatch(int xi, int ctx)
    {
        if (!C(Cadr(R[xi]), 0)) return false;
        int lexit = NewLabel();
        EJump(Op.Catch, lexit); Push(-1);
        funcs[cf].Dyn++;
        bool ok = CProgn(P(Cddr(R[xi])), MvCtx);
        funcs[cf].Dyn--;
        EOp(Op.EndCatch);
        Mark(lexit);
        if ((ctx & Tail) != 0) EOp(Op.Ret);
        return ok;
    }

    bool CUnwindProtect(int xi, int ctx)
    {
        int lclean = NewLabel();
        EJump(Op.Uwp, lclean);
        funcs[cf].Dyn++;
        if (!C(Cadr(R[xi]), MvCtx)) return false;
        EOp(Op.UwNormal); Push(-1);
        Mark(lclean);
        int it = P(Cddr(R[xi]));
        while (W.IsCons(R[it]))
        {
            if (!C(M.Car(R[it]), 0)) return false;
            EOp(Op.Pop); Push(-1);
            R[it] = M.Cdr(R[it]);
        }
        funcs[cf].Dyn--;
        EOp(Op.UwEnd); Push(1);
        if ((ctx & Tail) != 0) EOp(Op.Ret);
        return true;
    }
}
