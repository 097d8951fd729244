// Why: assignment: SETQ of lexical variables (SETL / SETLC / SETCLOSEDC, patched to cells
// when captured and assigned), special and global variables, and symbol macros (as SETF).
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    bool CSetq(int xi, int ctx)
    {
        int it = P(M.Cdr(R[xi]));
        if (!W.IsCons(R[it])) { EConst(W.Nil); Finish(ctx); return true; }
        bool first = true;
        while (W.IsCons(R[it]))
        {
            ulong name = M.Car(R[it]);
            if (!W.IsCons(M.Cdr(R[it]))) return Err("Odd number of arguments to SETQ.");
            if (!W.IsSymbol(name) || name == W.Nil || name == vm.T) return Err1("Cannot SETQ ~S.", name);
            if (!first) { EOp(Op.Pop); Push(-1); }
            first = false;
            int e = LookupVar(name);
            if (e >= 0 && envKind[e] == ESymMacro)
            {
                // (setq symmacro v) = (setf expansion v)
                int f = P(W.Nil);
                R[f] = heap.Cons(Cadr(R[it]), W.Nil);
                R[f] = heap.Cons(envValue[e], R[f]);
                R[f] = heap.Cons(Sym(S.Setf), R[f]);
                if (!C(R[f], 0)) return false;
            }
            else
            {
                if (!C(Cadr(R[it]), 0)) return false;
                name = M.Car(R[it]);
                e = LookupVar(name);
                if (e >= 0 && envKind[e] == EVar) EVarSet(envIndex[e]);
                else EOp16(Op.SetGlobal, Const(name));
            }
            R[it] = Cddr(R[it]);
        }
        Finish(ctx);
        return true;
    }
}
