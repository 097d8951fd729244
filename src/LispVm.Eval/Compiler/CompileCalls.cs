// Why: function calls as the compiler emits them: a global function by symbol (CALLG), a
// local function, a function value; the primitives inlined as opcodes (CAR, +, SVREF...,
// with the generic function as the slow path) and DEFSTRUCT accessors/setters fused into
// SREF / SSETK while the accessor is still the one DEFSTRUCT made.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
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
            if (ClName(head, "CONSP")) return Op.Consp;
            if (ClName(head, "ATOM")) return Op.Atom;
            if (ClName(head, "ZEROP")) return Op.ZeroP;
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
            if (ClName(head, "LOGAND")) return Op.LogAnd;
            if (ClName(head, "LOGIOR")) return Op.LogIor;
            if (ClName(head, "LOGXOR")) return Op.LogXor;
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
            else if (inl == Op.Svref || inl == Op.Eql || inl == Op.Aref || inl == Op.SvSet || inl == Op.ASet || inl == Op.Aref2 || inl == Op.ASet2 || inl == Op.SSet || inl == Op.ASet3
                     || inl == Op.LogAnd || inl == Op.LogIor || inl == Op.LogXor || inl == Op.ZeroP)
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
}
