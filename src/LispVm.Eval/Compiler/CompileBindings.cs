// Why: binding forms: body parsing (docstring, declarations, SPECIAL names), LET and LET*
// (lexical slots, or dynamic BIND for specials), LOCALLY, and PROGV's run-time dynamic
// bindings.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    /// <summary>Skips a docstring (if allowed) and declarations; special names are pushed
    /// on R from spStart. Returns the R index of the remaining forms.</summary>
    int ParseBody(ulong body, bool doc, out int spStart, out int spCount)
    {
        spStart = rtop; spCount = 0;
        int bi = P(body);
        spStart = rtop;
        ulong b = R[bi];
        while (W.IsCons(b))
        {
            ulong f = M.Car(b);
            if (doc && W.IsObj(f) && (M.Type(f) == ObjType.String8 || M.Type(f) == ObjType.String32) && W.IsCons(M.Cdr(b)))
            { doc = false; b = M.Cdr(b); continue; }
            if (W.IsCons(f) && M.Car(f) == Sym(S.Declare))
            {
                for (ulong d = M.Cdr(f); W.IsCons(d); d = M.Cdr(d))
                {
                    ulong spec = M.Car(d);
                    if (W.IsCons(spec) && M.Car(spec) == Sym(S.Special))
                        for (ulong n = M.Cdr(spec); W.IsCons(n); n = M.Cdr(n)) { P(M.Car(n)); spCount++; }
                }
                b = M.Cdr(b); continue;
            }
            break;
        }
        return P(b);
    }

    bool DeclaredSpecial(ulong name, int spStart, int spCount)
    {
        for (int i = 0; i < spCount; i++) if (R[spStart + i] == name) return true;
        return vm.IsSpecial(name);
    }

    void PushFreeSpecials(int spStart, int spCount)
    {
        for (int i = 0; i < spCount; i++) PushEnv(ESpecial, R[spStart + i], 0);
    }

    readonly int[] tmpInts;          // sized in the constructor (Compiler.cs)
    int ntmp;

    bool CLet(int xi, int ctx, bool star)
    {
        int envMark = ntop, firstVar = nvars, savedLocals = funcs[cf].CurLocals, tmpMark = ntmp;
        int bi = P(Cadr(R[xi]));
        int bodyi = ParseBody(Cddr(R[xi]), false, out int spS, out int spN);
        int nspec = 0;
        if (!star)
        {
            int names = rtop, n = 0;
            for (ulong l = R[bi]; W.IsCons(l); l = M.Cdr(l))
            {
                ulong b = M.Car(l);
                ulong name = W.IsCons(b) ? M.Car(b) : b;
                if (!W.IsSymbol(name) || name == W.Nil) return Err1("Bad binding in LET: ~S.", b);
                P(name); n++;
            }
            if (ntmp + n > tmpInts.Length) return Err("Form too large to compile.");
            int it = P(R[bi]);
            while (W.IsCons(R[it]))
            {
                ulong b = M.Car(R[it]);
                if (!C(W.IsCons(b) ? Cadr(b) : W.Nil, 0)) return false;
                R[it] = M.Cdr(R[it]);
            }
            for (int i = n - 1; i >= 0; i--)
            {
                ulong name = R[names + i];
                if (DeclaredSpecial(name, spS, spN)) { EOp16(Op.Bind, Const(name)); Push(-1); nspec++; tmpInts[ntmp + i] = -1; }
                else { int v = NewVar(AllocSlot()); EVarBind(v); tmpInts[ntmp + i] = v; }
            }
            for (int i = 0; i < n; i++)
            {
                if (tmpInts[ntmp + i] < 0) PushEnv(ESpecial, R[names + i], 0);
                else PushEnv(EVar, R[names + i], tmpInts[ntmp + i]);
            }
        }
        else
        {
            int it = P(R[bi]);
            while (W.IsCons(R[it]))
            {
                ulong b = M.Car(R[it]);
                ulong name = W.IsCons(b) ? M.Car(b) : b;
                if (!W.IsSymbol(name) || name == W.Nil) return Err1("Bad binding in LET*: ~S.", b);
                if (!C(W.IsCons(b) ? Cadr(b) : W.Nil, 0)) return false;
                b = M.Car(R[it]);
                name = W.IsCons(b) ? M.Car(b) : b;
                if (DeclaredSpecial(name, spS, spN)) { EOp16(Op.Bind, Const(name)); Push(-1); nspec++; PushEnv(ESpecial, name, 0); }
                else { int v = NewVar(AllocSlot()); EVarBind(v); PushEnv(EVar, name, v); }
                R[it] = M.Cdr(R[it]);
            }
        }
        PushFreeSpecials(spS, spN);
        bool ok;
        if (nspec > 0)
        {
            if (nspec > 255) return Err("Too many special bindings in one LET.");
            funcs[cf].Dyn++;
            ok = CProgn(bodyi, BodyMv(ctx));
            funcs[cf].Dyn--;
            EOp(Op.Unbind); E(nspec);
            if ((ctx & Tail) != 0) EOp(Op.Ret);
        }
        else ok = CProgn(bodyi, ctx);
        if (ok) for (int v = firstVar; v < nvars; v++) FinishVar(v);   // failed: the code is discarded (patch sites may be gone)
        ntop = envMark; funcs[cf].CurLocals = savedLocals; ntmp = tmpMark;
        return ok;
    }

    bool CLocally(int xi, int ctx)
    {
        int envMark = ntop;
        int bodyi = ParseBody(M.Cdr(R[xi]), false, out int spS, out int spN);
        PushFreeSpecials(spS, spN);
        bool ok = CProgn(bodyi, ctx);
        ntop = envMark;
        return ok;
    }

    bool CProgv(int xi, int ctx)
    {
        if (!C(Cadr(R[xi]), 0)) return false;
        if (!C(Car(Cddr(R[xi])), 0)) return false;
        EOp(Op.Progv); Push(-1);
        funcs[cf].Dyn++;
        bool ok = CProgn(P(Cdr(Cddr(R[xi]))), BodyMv(ctx));
        funcs[cf].Dyn--;
        EOp(Op.UnbindV); Push(-1);
        if ((ctx & Tail) != 0) EOp(Op.Ret);
        return ok;
    }
}
