// Why: function and closure forms: FUNCTION (global, local, lambda -> MKCLOS), and FLET /
// LABELS with the implicit BLOCK a local function gets only when its body returns from it.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    bool CFunction(ulong arg, int ctx)
    {
        if (W.IsSymbol(arg))
        {
            int e = LookupFun(arg);
            if (e >= 0 && envKind[e] == EFun) { EVarRef(envIndex[e]); Finish(ctx); return true; }
            if (e >= 0) return Err1("~S names a local macro, not a function.", arg);
            EOp16(Op.FunG, Const(arg)); Push(1); Finish(ctx);
            return true;
        }
        if (W.IsCons(arg) && M.Car(arg) == Sym(S.Lambda)) return CClosure(W.Nil, P(M.Cdr(arg)), ctx);
        if (W.IsCons(arg) && M.Car(arg) == Sym(S.NamedLambda)) return CClosure(Cadr(arg), P(Cddr(arg)), ctx);
        if (W.IsCons(arg) && M.Car(arg) == Sym(S.Setf))
        {
            ulong name = vm.SetfName(Cadr(arg));
            EOp16(Op.FunG, Const(name)); Push(1); Finish(ctx);
            return true;
        }
        return Err1("Bad function name: ~S.", arg);
    }

    /// <summary>(lambda-list decl... form...) -> (lambda-list decl... (BLOCK name form...)):
    /// the implicit block of an FLET or LABELS function (named by the last symbol of a
    /// (SETF name) function name); declarations and a doc string stay outside. Returns
    /// the R index of the new definition body.</summary>
    readonly ulong[] scanStack;      // MentionsReturnFrom's explicit stack (no allocation)

    /// <summary>Does the body contain (RETURN-FROM name ...)? Only then does a local
    /// function get its BLOCK: a block costs a catch frame and the tail calls of LABELS
    /// loops. Conservative (true) when the body is too large or deep to scan.</summary>
    bool MentionsReturnFrom(ulong body, ulong name)
    {
        int sp = 0, budget = 20000;
        scanStack[sp++] = body;
        while (sp > 0)
        {
            ulong x = scanStack[--sp];
            for (; W.IsCons(x); x = M.Cdr(x))
            {
                if (--budget < 0) return true;
                ulong e = M.Car(x);
                if (!W.IsCons(e)) continue;
                if (M.Car(e) == Sym(S.ReturnFrom) && Cadr(e) == name) return true;
                if (sp >= scanStack.Length) return true;
                scanStack[sp++] = e;
            }
        }
        return false;
    }

    int BlockBody(ulong name, ulong def)
    {
        if (!MentionsReturnFrom(Cdr(def), W.IsCons(name) ? Cadr(name) : name)) return P(def);
        int di = P(def);
        int ni = P(W.IsCons(name) ? Cadr(name) : name);
        int k = 0;
        ulong b = Cdr(R[di]);
        while (W.IsCons(b))
        {
            ulong f = M.Car(b);
            bool decl = W.IsCons(f) && M.Car(f) == Sym(S.Declare);
            bool doc = heap.IsString(f) && W.IsCons(M.Cdr(b));
            if (!decl && !doc) break;
            k++; b = M.Cdr(b);
        }
        // Allocation may collect: every live value is in R.
        int ti = P(b);
        R[ti] = heap.Cons(R[ni], R[ti]);
        R[ti] = heap.Cons(Sym(S.Block), R[ti]);
        R[ti] = heap.Cons(R[ti], W.Nil);
        for (int j = k - 1; j >= 0; j--)
        {
            ulong e = Cdr(R[di]);
            for (int q = 0; q < j; q++) e = Cdr(e);
            R[ti] = heap.Cons(Car(e), R[ti]);
        }
        R[ti] = heap.Cons(Car(R[di]), R[ti]);
        return ti;
    }

    bool CFlet(int xi, int ctx, bool labels)
    {
        int envMark = ntop, firstVar = nvars, savedLocals = funcs[cf].CurLocals, tmpMark = ntmp;
        int di = P(Cadr(R[xi]));
        int n = 0;
        for (ulong l = R[di]; W.IsCons(l); l = M.Cdr(l))
        {
            ulong d = M.Car(l);
            if (!W.IsCons(d) || !W.IsSymbol(M.Car(d))) return Err1("Bad local function definition: ~S.", d);
            n++;
        }
        if (ntmp + n > tmpInts.Length) return Err("Form too large to compile.");
        int bodyi = ParseBody(Cddr(R[xi]), false, out int spS, out int spN);
        if (labels)
        {
            int i = 0;
            for (ulong l = R[di]; W.IsCons(l); l = M.Cdr(l), i++)
            {
                int v = NewVar(AllocSlot());
                vars[v].Assigned = true;
                tmpInts[ntmp + i] = v;
                EConst(W.Nil); EVarBind(v);
                PushEnv(EFun, M.Car(M.Car(l)), v);
            }
            int tbase = ntmp; ntmp += n;
            int it = P(R[di]);
            i = 0;
            while (W.IsCons(R[it]))
            {
                ulong d = M.Car(R[it]);
                int bi = BlockBody(M.Car(d), M.Cdr(d));   // allocates: read d again from its root
                d = M.Car(R[it]);
                if (!CClosure(M.Car(d), bi, 0)) return false;
                int v = tmpInts[tbase + i];
                EOp(Op.SetL); AddPatch(v, Here - 1); E16(vars[v].Slot);
                EOp(Op.Pop); Push(-1);
                R[it] = M.Cdr(R[it]); i++;
            }
        }
        else
        {
            int it = P(R[di]);
            while (W.IsCons(R[it]))
            {
                ulong d = M.Car(R[it]);
                int bi = BlockBody(M.Car(d), M.Cdr(d));   // allocates: read d again from its root
                d = M.Car(R[it]);
                if (!CClosure(M.Car(d), bi, 0)) return false;
                R[it] = M.Cdr(R[it]);
            }
            int names = rtop;
            for (ulong l = R[di]; W.IsCons(l); l = M.Cdr(l)) P(M.Car(M.Car(l)));
            for (int i = n - 1; i >= 0; i--) { int v = NewVar(AllocSlot()); EVarBind(v); tmpInts[ntmp + i] = v; }
            for (int i = 0; i < n; i++) PushEnv(EFun, R[names + i], tmpInts[ntmp + i]);
        }
        PushFreeSpecials(spS, spN);
        bool ok = CProgn(bodyi, ctx);
        if (ok) for (int v = firstVar; v < nvars; v++) FinishVar(v);   // failed: the code is discarded (patch sites may be gone)
        ntop = envMark; funcs[cf].CurLocals = savedLocals; ntmp = tmpMark;
        return ok;
    }
}
