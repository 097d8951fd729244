// Why: the control-flow forms that only branch and sequence: IF, OR (without the macro's
// temporary: JTK keeps a true value) and PROGN.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    bool CIf(int xi, int ctx)
    {
        if (!C(Cadr(R[xi]), 0)) return false;
        int lelse = NewLabel(), lend = NewLabel();
        EJump(Op.JNil, lelse); Push(-1);
        int d = funcs[cf].Depth;
        if (!C(Car(Cddr(R[xi])), ctx)) return false;
        if ((ctx & Tail) == 0) EJump(Op.Jmp, lend);
        Mark(lelse);
        funcs[cf].Depth = d;
        if (!C(Car(Cdr(Cddr(R[xi]))), ctx)) return false;
        Mark(lend);
        return true;
    }

    /// <summary>OR without the macro's temporary: each clause but the last is tested with
    /// JTK (a true value stays on the stack as the result), the last one gets ctx.</summary>
    bool COr(int xi, int ctx)
    {
        if (!W.IsCons(Cdr(R[xi]))) { EConst(W.Nil); Finish(ctx); return true; }
        int it = P(Cdr(R[xi]));
        int lone = NewLabel(), lend = NewLabel();
        bool any = false;
        for (; ; )
        {
            ulong l = R[it];
            if (!W.IsCons(M.Cdr(l)))
            {
                if (!C(M.Car(l), ctx)) return false;
                break;
            }
            if (!C(M.Car(l), 0)) return false;
            EJump(Op.JTK, lone); Push(-1);
            any = true;
            R[it] = M.Cdr(R[it]);
        }
        if (!any) return true;
        if ((ctx & Tail) == 0) EJump(Op.Jmp, lend);
        Mark(lone);
        if ((ctx & Tail) != 0) EOp(Op.Ret1);
        else if ((ctx & MvCtx) != 0) EOp(Op.Set1);
        Mark(lend);
        return true;
    }

    bool CProgn(int bi, int ctx)
    {
        if (!W.IsCons(R[bi])) { EConst(W.Nil); Finish(ctx); return true; }
        int it = P(R[bi]);
        for (; ; )
        {
            ulong l = R[it];
            if (!W.IsCons(M.Cdr(l))) return C(M.Car(l), ctx);
            if (!C(M.Car(l), 0)) return false;
            EOp(Op.Pop); Push(-1);
            R[it] = M.Cdr(R[it]);
        }
    }
}
