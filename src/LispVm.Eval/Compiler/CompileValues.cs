// Why: multiple-value forms that need the values count on the stack:
// MULTIPLE-VALUE-CALL (MVACC per argument form, then MVCALLN) and MULTIPLE-VALUE-PROG1.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    bool CMvCall(int xi, int ctx)
    {
        if (!C(Cadr(R[xi]), 0)) return false;
        EConst(M.Fix(0));
        funcs[cf].Dyn++;
        int it = P(Cddr(R[xi]));
        while (W.IsCons(R[it]))
        {
            if (!C(M.Car(R[it]), MvCtx)) return false;
            EOp(Op.MvAcc); Push(-1);
            R[it] = M.Cdr(R[it]);
        }
        funcs[cf].Dyn--;
        EOp(Op.MvCallN); Push(-1);
        if ((ctx & Tail) != 0) EOp(Op.Ret);
        return true;
    }

    bool CMvProg1(int xi, int ctx)
    {
        if ((ctx & (MvCtx | Tail)) == 0)
        {
            if (!C(Cadr(R[xi]), 0)) return false;
            int it0 = P(Cddr(R[xi]));
            while (W.IsCons(R[it0]))
            {
                if (!C(M.Car(R[it0]), 0)) return false;
                EOp(Op.Pop); Push(-1);
                R[it0] = M.Cdr(R[it0]);
            }
            return true;
        }
        if (!C(Cadr(R[xi]), MvCtx)) return false;
        EOp(Op.MvSave);
        funcs[cf].Dyn++;
        int it = P(Cddr(R[xi]));
        while (W.IsCons(R[it]))
        {
            if (!C(M.Car(R[it]), 0)) return false;
            EOp(Op.Pop); Push(-1);
            R[it] = M.Cdr(R[it]);
        }
        funcs[cf].Dyn--;
        EOp(Op.MvRestore);
        if ((ctx & Tail) != 0) EOp(Op.Ret);
        return true;
    }
}
