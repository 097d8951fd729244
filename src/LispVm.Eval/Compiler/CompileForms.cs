// The form compiler: symbols, calls, macros and the special forms. C(form, ctx) leaves
// exactly one value on the stack (Mv: with the values count set; Tail: it returns).
// Nesting is bounded by MaxDepth and by the C# stack check (Heap.Stack) with a Lisp
// storage-condition instead of a C# overflow.
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

    // ---------------- calls ----------------
    int ArgCount(ulong args)
    {
        int n = 0;
        while (W.IsCons(args)) { n++; args = M.Cdr(args); if (n > 250) return -1; }
        return args == W.Nil ? n : -1;
    }

    /// <summary>Is sym the COMMON-LISP symbol with this (8-bit) name? No allocation.</summary>
    bool ClName(ulong sym, string name)
    {
        if (!W.IsSymbol(sym) || sym == W.Nil || M.Slot(sym, Sy.Package) != vm.Roots[(int)LispVm.Eval.R.ClPackage]) return false;
        ulong s = M.Slot(sym, Sy.Name);
        if (!W.IsObj(s) || M.Type(s) != ObjType.String8 || M.Len(s) != name.Length) return false;
        byte* p = M.Raw(s);
        for (int i = 0; i < name.Length; i++) if (p[i] != name[i]) return false;
        return true;
    }

    bool IsStringConst(ulong v) =>
        W.IsObj(v) && (M.Type(v) == ObjType.String8 || M.Type(v) == ObjType.String32);

    Op InlineOp(ulong head, int n)
    {
        if (n == 1)
        {
            if (head == Sym(S.Car)) return Op.Car;
            if (head == Sym(S.Cdr)) return Op.Cdr;
            if (head == Sym(S.Not) || head == Sym(S.Null)) return Op.Not;
            if (head == Sym(S.OnePlus)) return Op.Add1;
            if (head == Sym(S.OneMinus)) return Op.Sub1;
        }
        else if (n == 2)
        {
            if (head == Sym(S.Cons)) return Op.Cons;
            if (head == Sym(S.Eq)) return Op.Eq;
            if (head == Sym(S.Plus)) return Op.Add;
            if (head == Sym(S.Minus)) return Op.Sub;
            if (head == Sym(S.Star)) return Op.Mul;
            if (head == Sym(S.Lt)) return Op.Lt;
            if (head == Sym(S.Gt)) return Op.Gt;
            if (head == Sym(S.Le)) return Op.Le;
            if (head == Sym(S.Ge)) return Op.Ge;
            if (head == Sym(S.NumEq)) return Op.NumEq;
            if (ClName(head, "SVREF")) return Op.Svref;
            if (ClName(head, "EQL")) return Op.Eql;
            if (ClName(head, "AREF")) return Op.Aref;
        }
        else if (n == 3)
        {
            if (ClName(head, "%SVSET*")) return Op.SvSet;
            if (ClName(head, "%ASET*")) return Op.ASet;
            if (ClName(head, "AREF")) return Op.Aref2;
        }
        else if (n == 4)
        {
            if (ClName(head, "%ASET-2")) return Op.ASet2;
            if (ClName(head, "AREF")) return Op.Aref3;
        }
        else if (n == 5)
        {
            if (ClName(head, "%SET-AREF")) return Op.ASet3;
            if (ClName(head, "%STRUCT-SET")) return Op.SSet;
        }
        return Op.Nop;
    }

    /// <summary>Is head a DEFSTRUCT accessor whose function is still the one DEFSTRUCT
    /// made? Its plist has %STRUCT-ACCESSOR = (layout index function).</summary>
    bool StructAccessor(ulong head, out ulong layout, out int slot)
    {
        layout = W.Nil; slot = 0;
        if (!W.IsSymbol(head) || head == W.Nil) return false;
        for (ulong l = M.Slot(head, Sy.Plist); W.IsCons(l) && W.IsCons(M.Cdr(l)); l = M.Cdr(M.Cdr(l)))
        {
            if (!ClName(M.Car(l), "%STRUCT-ACCESSOR")) continue;
            ulong v = M.Car(M.Cdr(l));
            if (!W.IsCons(v) || !W.IsCons(M.Cdr(v)) || !W.IsCons(M.Cdr(M.Cdr(v)))) return false;
            ulong idx = M.Car(M.Cdr(v)), fn = M.Car(M.Cdr(M.Cdr(v)));
            if (!M.IsFix(idx) || M.FixVal(idx) < 0 || M.FixVal(idx) > 65000 || fn != M.Slot(head, Sy.Function)) return false;
            layout = M.Car(v); slot = (int)M.FixVal(idx);
            return M.Is(layout, ObjType.SimpleVector);
        }
        return false;
    }

    /// <summary>(f obj i val 'layout 'name) with i a small fixnum, layout a simple vector and
    /// name a symbol, all literal?</summary>
    bool StructSetConstants(ulong x, out ulong layout, out int slot, out ulong name)
    {
        layout = W.Nil; name = W.Nil; slot = 0;
        ulong a = Cdr(x);
        ulong i = Car(Cdr(a)), ql = Car(Cdr(Cdr(Cdr(a)))), qn = Car(Cdr(Cdr(Cdr(Cdr(a)))));
        if (!M.IsFix(i) || M.FixVal(i) < 0 || M.FixVal(i) > 65000) return false;
        if (!IsQuoted(ql) || !IsQuoted(qn)) return false;
        layout = Cadr(ql); name = Cadr(qn);
        slot = (int)M.FixVal(i);
        return M.Is(layout, ObjType.SimpleVector) && W.IsSymbol(name);
    }
    bool IsQuoted(ulong x)
    {
        return W.IsCons(x) && M.Car(x) == Sym(S.Quote) && W.IsCons(M.Cdr(x)) && M.Cdr(M.Cdr(x)) == W.Nil;
    }

    bool CCall(int xi, int ctx)
    {
        ulong x = R[xi];
        ulong head = M.Car(x);
        if (head == W.Nil) return Err1("Illegal function call: ~S.", x);
        int n = ArgCount(M.Cdr(x));
        if (n < 0)
        {
            // CALL-ARGUMENTS-LIMIT is 251: longer argument lists go through APPLY.
            ulong l = M.Cdr(x); int k = 0;
            while (W.IsCons(l) && k <= 250) { k++; l = M.Cdr(l); }
            if (W.IsCons(l)) return Err1("Too many arguments in a call (the limit, CALL-ARGUMENTS-LIMIT, is 251; use APPLY): ~S.", head);
            return Err1("Malformed call (the arguments are not a proper list): ~S.", x);
        }
        if (head == Sym(S.Funcall) && n >= 1)
        {
            if (!C(Cadr(R[xi]), 0)) return false;
            return CArgsAndCall(P(Cddr(R[xi])), -1, ctx);
        }
        if (n == 1 && StructAccessor(head, out ulong layout, out int slot))
        {
            int kl = Const(layout);
            if (!C(Cadr(R[xi]), 0)) return false;
            EOp(Op.SRef); E16(Const(M.Car(R[xi]))); E16(kl); E16(slot);
            Finish(ctx);
            return true;
        }
        if (n == 5 && StructSetConstants(R[xi], out ulong sl, out int si, out ulong sn) && ClName(head, "%STRUCT-SET"))
        {
            // (%struct-set obj 'i val 'layout 'name) from (setf (accessor obj) val): only obj and
            // val are evaluated; the constants ride as operands.
            int kl = Const(sl), kn = Const(sn);
            if (!C(Cadr(R[xi]), 0)) return false;
            if (!C(Car(Cdr(Cddr(R[xi]))), 0)) return false;
            EOp(Op.SSetK); E16(Const(M.Car(R[xi]))); E16(kl); E16(kn); E16(si);
            Push(-1);
            Finish(ctx);
            return true;
        }
        // (make-instance 'name ...): the library's %MAKE-INSTANCE-FORM (lisp/56-clos-
        // instantiate.lisp) makes it a call through a per-site cache, once CLOS is loaded.
        if (n >= 1 && ClName(head, "MAKE-INSTANCE") && IsQuoted(Cadr(R[xi])) && W.IsSymbol(Cadr(Cadr(R[xi]))))
        {
            ulong tf = vm.SymFunction(vm.Intern("%MAKE-INSTANCE-FORM"));
            if (tf != W.Unbound && tf != W.Nil && !vm.IsMacroCell(tf)) return CExpand(xi, tf, ctx);
            x = R[xi]; head = M.Car(x);   // interning may have allocated (and collected)
        }
        // (format dest "literal" ...): the library's %FORMAT-FORM (lisp/72-format.lisp) parses
        // the control string once, at load time, instead of on every call.
        if (n >= 2 && ClName(head, "FORMAT") && IsStringConst(Car(Cddr(R[xi]))))
        {
            ulong tf = vm.SymFunction(vm.Intern("%FORMAT-FORM"));
            if (tf != W.Unbound && tf != W.Nil && !vm.IsMacroCell(tf)) return CExpand(xi, tf, ctx);
            x = R[xi]; head = M.Car(x);
        }
        Op inl = InlineOp(head, n);
        if (inl != Op.Nop)
        {
            int it = P(M.Cdr(x));
            for (int i = 0; i < n; i++) { if (!C(Car(R[it]), 0)) return false; R[it] = Cdr(R[it]); }
            EOp(inl);
            if (inl == Op.Aref3) E16(Const(Sym(S.ArefN)));   // slow path: %AREF-N, no &rest list
            else if (inl == Op.Svref || inl == Op.Eql || inl == Op.Aref || inl == Op.SvSet || inl == Op.ASet || inl == Op.Aref2 || inl == Op.ASet2 || inl == Op.SSet || inl == Op.ASet3)
                E16(Const(M.Car(R[xi])));   // the head (its function is the slow path), re-read: compiling the args may have moved it
            Push(1 - n);
            Finish(ctx);
            return true;
        }
        // (aref a i j k ...): the builtin %AREF-N takes the subscripts without an &rest list.
        if (n >= 4 && ClName(head, "AREF")) return CArgsAndCall(P(M.Cdr(x)), Const(Sym(S.ArefN)), ctx);
        return CArgsAndCall(P(M.Cdr(x)), Const(head), ctx);
    }

    /// <summary>Compile args then call: k >= 0 global function constants[k], else the
    /// function value already pushed.</summary>
    bool CArgsAndCall(int argsi, int k, int ctx)
    {
        int n = 0;
        int it = P(R[argsi]);
        while (W.IsCons(R[it]))
        {
            if (!C(M.Car(R[it]), 0)) return false;
            R[it] = M.Cdr(R[it]); n++;
            if (n > 250) return Err("Too many arguments in a call (more than 250).");
        }
        bool tail = (ctx & Tail) != 0;
        if (k >= 0) { EOp(tail ? Op.TCallG : Op.CallG); E16(k); E(n); Push(1 - n); }
        else { EOp(tail ? Op.TCall : Op.Call); E(n); Push(-n); }
        return true;
    }

    bool CCallValue(int xi, int e, int ctx)
    {
        EVarRef(envIndex[e]);
        return CArgsAndCall(P(M.Cdr(R[xi])), -1, ctx);
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
