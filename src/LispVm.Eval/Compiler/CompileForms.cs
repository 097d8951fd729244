// Why: one entry point for every form: symbols, macros and the special-form table.
// C(form, ctx) leaves exactly one value on the stack (Mv: with the values count set; Tail:
// it returns).
// Nesting is bounded by MaxDepth and by the C# stack check (Heap.Stack) with a Lisp
// storage-condition instead of a C# overflow. Each family of forms has its own file:
// CompileCalls (calls, inline primitives), CompileControl (IF, OR, PROGN), CompileBindings
// (LET, LOCALLY, PROGV), CompileSetq, CompileFunctions (FUNCTION, FLET, LABELS),
// CompileEnvForms (MACROLET, SYMBOL-MACROLET, EVAL-WHEN, LOAD-TIME-VALUE), CompileNonLocal
// (CATCH, UNWIND-PROTECT), CompileValues (MULTIPLE-VALUE-CALL, -PROG1); CompileLambda has
// lambda lists, BLOCK, TAGBODY, RETURN-FROM and GO.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    const int Tail = 1, MvCtx = 2;

    static ulong Car(ulong x) { return W.IsCons(x) ? M.Car(x) : W.Nil; }
    internal static ulong CadrOf(ulong x) { return Car(Cdr(x)); }

    /// <summary>True if the env designator has a local function (flet/labels) named name.</summary>
    internal bool EnvShadowsFunction(ulong env, ulong name)
    {
        if (!M.IsFix(env)) return false;
        long top = M.FixVal(env);
        if (top > ntop) return false;
        for (long i = top - 1; i >= envBase && i >= 0; i--)
            if (envName[i] == name && (envKind[i] == EFun || envKind[i] == EMacro)) return envKind[i] == EFun;
        return false;
    }
    static ulong Cdr(ulong x) { return W.IsCons(x) ? M.Cdr(x) : W.Nil; }
    static ulong Cadr(ulong x) { return Car(Cdr(x)); }
    static ulong Cddr(ulong x) { return Cdr(Cdr(x)); }

    /// <summary>The context for a body whose values leave through a later RET (a block, a
    /// special binding or PROGV in tail position): RET passes the value count on, so the
    /// body must set it even when only Tail was asked, or a single value after a
    /// multiple-valued call returns that call's stale values.</summary>
    static int BodyMv(int ctx) { return (ctx & (Tail | MvCtx)) != 0 ? MvCtx : 0; }

    void Finish(int ctx)
    {
        if ((ctx & Tail) != 0) EOp(Op.Ret1);
        else if ((ctx & MvCtx) != 0) EOp(Op.Set1);
    }

    bool C(ulong x, int ctx)
    {
        // Both limits are resources running out, not a mistake in the form: storage-condition.
        if (++depth > MaxDepth) { depth--; return ErrStorage("Form too deeply nested (more than 2000 levels)."); }
        if (vm.Heap.Stack.Exhausted()) { depth--; return ErrStorage("Form too deeply nested (stack exhausted)."); }
        int mark = rtop;
        int xi = P(x);
        bool ok = C1(xi, ctx);
        rtop = mark; depth--;
        if (ok && overflow) return Err("Form too large to compile.");
        return ok;
    }

    bool C1(int xi, int ctx)
    {
        ulong x = R[xi];
        if (W.IsSymbol(x)) return CSymbol(x, ctx);
        if (!W.IsCons(x)) { EConst(x); Finish(ctx); return true; }
        ulong head = M.Car(x);
        if (W.IsSymbol(head))
        {
            int e = LookupFun(head);
            if (e >= 0)
            {
                if (envKind[e] == EMacro) return CExpand(xi, envValue[e], ctx);
                return CCallValue(xi, e, ctx);
            }
            if (head != W.Nil && (W.Tag(head) == W.TagSymbol))
            {
                int sf = SpecialIndex(head);
                if (sf >= 0) return CSpecial((S)sf, xi, ctx);
                if (ClName(head, "OR")) return COr(xi, ctx);
                ulong fcell = M.Slot(head, Sy.Function);
                if (vm.IsMacroCell(fcell)) return CExpand(xi, M.Cdr(fcell), ctx);
                if (head == Sym(S.NamedLambda))
                {
                    x = R[xi];
                    return CClosure(Cadr(x), P(Cddr(x)), ctx);
                }
            }
            return CCall(xi, ctx);
        }
        if (W.IsCons(head) && M.Car(head) == Sym(S.Lambda))
        {
            // ((lambda ...) args) = (funcall #'(lambda ...) args)
            if (!CClosure(W.Nil, P(M.Cdr(head)), 0)) return false;
            return CArgsAndCall(P(M.Cdr(R[xi])), -1, ctx);
        }
        return Err1("Illegal function call: ~S.", x);
    }

    static readonly S[] specialForms = {
        S.Quote, S.Function, S.Lambda, S.If, S.Progn, S.Let, S.LetStar, S.Setq, S.Flet, S.Labels, S.Macrolet,
        S.SymbolMacrolet, S.Block, S.ReturnFrom, S.Tagbody, S.Go, S.Catch, S.Throw, S.UnwindProtect,
        S.MultipleValueCall, S.MultipleValueProg1, S.The, S.Locally, S.EvalWhen, S.LoadTimeValue, S.Progv,
    };

    int SpecialIndex(ulong head)
    {
        for (int i = 0; i < specialForms.Length; i++)
            if (vm.Syms[(int)specialForms[i]] == head) return (int)specialForms[i];
        return -1;
    }

    public bool IsSpecialOperator(ulong sym) { return SpecialIndex(sym) >= 0; }

    // ---------------- lookups ----------------
    int LookupVar(ulong name)
    {
        for (int i = ntop - 1; i >= envBase; i--)
            if (envName[i] == name && (envKind[i] == EVar || envKind[i] == ESpecial || envKind[i] == ESymMacro)) return i;
        return -1;
    }
    int LookupFun(ulong name)
    {
        for (int i = ntop - 1; i >= envBase; i--)
            if (envName[i] == name && (envKind[i] == EFun || envKind[i] == EMacro)) return i;
        return -1;
    }
    int LookupKind(ulong name, byte kind)
    {
        for (int i = ntop - 1; i >= envBase; i--)
            if (envName[i] == name && envKind[i] == kind) return i;
        return -1;
    }

    /// <summary>For MACROEXPAND with a compiler environment (a fixnum env designator).</summary>
    internal bool EnvMacro(ulong env, ulong name, bool symbolMacro, out ulong expansion)
    {
        expansion = W.Nil;
        if (!M.IsFix(env)) return false;
        long top = M.FixVal(env);
        if (top > ntop) return false;
        for (long i = top - 1; i >= envBase && i >= 0; i--)
        {
            if (envName[i] != name) continue;
            byte k = envKind[i];
            if (symbolMacro)
            {
                if (k == ESymMacro) { expansion = envValue[i]; return true; }
                if (k == EVar || k == ESpecial) return false;
            }
            else
            {
                if (k == EMacro) { expansion = envValue[i]; return true; }
                if (k == EFun) return false;
            }
        }
        return false;
    }

    // ---------------- symbols ----------------
    bool CSymbol(ulong x, int ctx)
    {
        if (x == W.Nil || x == vm.T || (vm.SymFlags(x) & SymbolFlags.Keyword) != 0) { EConst(x); Finish(ctx); return true; }
        int e = LookupVar(x);
        if (e >= 0 && envKind[e] == EVar) { EVarRef(envIndex[e]); Finish(ctx); return true; }
        if (e >= 0 && envKind[e] == ESymMacro) return C(envValue[e], ctx);
        EOp16(Op.Global, Const(x)); Push(1);
        Finish(ctx);
        return true;
    }

    // ---------------- macros ----------------
    bool CExpand(int xi, ulong expander, int ctx)
    {
        vm.Push(expander); vm.Push(R[xi]); vm.Push(M.Fix(ntop));
        RunStatus st = vm.CallNested(2, out ulong exp);
        if (st != RunStatus.Ok) return false;
        return C(exp, ctx);
    }

    // ---------------- special forms ----------------
    bool CSpecial(S sf, int xi, int ctx)
    {
        ulong x = R[xi];
        switch (sf)
        {
            case S.Quote: EConst(Cadr(x)); Finish(ctx); return true;
            case S.Function: return CFunction(Cadr(x), ctx);
            case S.Lambda: return CClosure(W.Nil, P(M.Cdr(x)), ctx);
            case S.If: return CIf(xi, ctx);
            case S.Progn: return CProgn(P(M.Cdr(x)), ctx);
            case S.Let: return CLet(xi, ctx, false);
            case S.LetStar: return CLet(xi, ctx, true);
            case S.Setq: return CSetq(xi, ctx);
            case S.Flet: return CFlet(xi, ctx, false);
            case S.Labels: return CFlet(xi, ctx, true);
            case S.Macrolet: return CMacrolet(xi, ctx);
            case S.SymbolMacrolet: return CSymbolMacrolet(xi, ctx);
            case S.Block: return CBlock(xi, ctx);
            case S.ReturnFrom: return CReturnFrom(xi, ctx);
            case S.Tagbody: return CTagbody(xi, ctx);
            case S.Go: return CGo(xi);
            case S.Catch: return CCatch(xi, ctx);
            case S.Throw:
                if (!C(Cadr(x), 0)) return false;
                if (!C(Car(Cddr(R[xi])), MvCtx)) return false;
                EOp(Op.Throw); E(0); Push(-1);
                return true;
            case S.UnwindProtect: return CUnwindProtect(xi, ctx);
            case S.MultipleValueCall: return CMvCall(xi, ctx);
            case S.MultipleValueProg1: return CMvProg1(xi, ctx);
            case S.The: return C(Car(Cddr(x)), ctx);
            case S.Locally: return CLocally(xi, ctx);
            case S.EvalWhen: return CEvalWhen(xi, ctx);
            case S.LoadTimeValue: return CLoadTimeValue(xi, ctx);
            case S.Progv: return CProgv(xi, ctx);
        }
        return Err("Unknown special form.");
    }
}
