// Arithmetic builtins over src/LispVm.Reader/Numbers (fixnum fast paths first). Status
// codes from the numbers module become Lisp conditions: division-by-zero, type-error...
using LispVm.Gc;
using LispVm.Reader.Numbers;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterNumbers(Builtins b)
    {
        b.Def("+", 0, -1, &Add); b.Def("-", 1, -1, &Sub); b.Def("*", 0, -1, &Mul); b.Def("/", 1, -1, &Div);
        b.Def("=", 1, -1, &NumEq); b.Def("/=", 1, -1, &NumNe);
        b.Def("<", 1, -1, &Lt); b.Def(">", 1, -1, &Gt); b.Def("<=", 1, -1, &Le); b.Def(">=", 1, -1, &Ge);
        b.Def("1+", 1, 1, &Add1); b.Def("1-", 1, 1, &Sub1);
        b.Def("FLOOR", 1, 2, &Floor); b.Def("CEILING", 1, 2, &Ceiling); b.Def("TRUNCATE", 1, 2, &Truncate); b.Def("ROUND", 1, 2, &Round);
        b.Def("MOD", 2, 2, &Mod); b.Def("REM", 2, 2, &Rem);
        b.Def("GCD", 0, -1, &Gcd); b.Def("LCM", 0, -1, &Lcm); b.Def("ASH", 2, 2, &Ash);
        b.Def("LOGAND", 0, -1, &Logand); b.Def("LOGIOR", 0, -1, &Logior); b.Def("LOGXOR", 0, -1, &Logxor); b.Def("LOGNOT", 1, 1, &Lognot);
        b.Def("NUMBERP", 1, 1, &Numberp); b.Def("INTEGERP", 1, 1, &Integerp); b.Def("RATIONALP", 1, 1, &Rationalp);
        b.Def("FLOATP", 1, 1, &Floatp); b.Def("REALP", 1, 1, &Realp); b.Def("FIXNUMP", 1, 1, &Fixnump);
        b.Def("FLOAT", 1, 2, &FloatB); b.Def("ZEROP", 1, 1, &Zerop); b.Def("PLUSP", 1, 1, &Plusp); b.Def("MINUSP", 1, 1, &Minusp);
        b.Def("EVENP", 1, 1, &Evenp); b.Def("ODDP", 1, 1, &Oddp); b.Def("ABS", 1, 1, &Abs);
        b.Def("MIN", 1, -1, &Min); b.Def("MAX", 1, -1, &Max);
        b.Def("NUMERATOR", 1, 1, &Numerator); b.Def("DENOMINATOR", 1, 1, &Denominator);
        b.Def("%MATH-FN", 2, 2, &MathFnB); b.Def("EXPT", 2, 2, &Expt); b.Def("ISQRT", 1, 1, &Isqrt);
    }

    static ulong NumFail(Vm vm, NumStatus st, ulong a, ulong b, string kind)
    {
        switch (st)
        {
            case NumStatus.DivisionByZero: return vm.Error("DIVISION-BY-ZERO");
            case NumStatus.NotANumber:
            case NumStatus.NotAnInteger:
            case NumStatus.NotARational:
                {
                    NumKind ka = NumObj.Kind(a);
                    bool aBad = ka == NumKind.NotNumber || (st == NumStatus.NotAnInteger && !NumObj.IsInteger(ka))
                        || (st == NumStatus.NotARational && !NumObj.IsRational(ka));
                    string t = st == NumStatus.NotAnInteger ? "INTEGER" : st == NumStatus.NotARational ? "RATIONAL" : kind;
                    return vm.TypeError(aBad ? a : b, t);
                }
            case NumStatus.FloatOverflow: return vm.Error("FLOATING-POINT-OVERFLOW");
            case NumStatus.TooLarge: return vm.SimpleError("Integer too large.");
            case NumStatus.Interrupted: return vm.Error("INTERACTIVE-INTERRUPT");
            case NumStatus.DomainError: return vm.SimpleError("Arithmetic domain error.");
            default: return vm.SimpleError("Unsupported arithmetic operation.");
        }
    }

    static ulong Fold(Vm vm, Args a, int op, ulong init)
    {
        if (a.Count == 0) return init;
        ulong acc = a[0];
        if (a.Count == 1)
        {
            if (NumObj.Kind(acc) == NumKind.NotNumber) return vm.TypeError(acc, "NUMBER");
            if (op == 1) { NumStatus s0 = vm.Num.Negate(acc, out ulong r0); return s0 == NumStatus.Ok ? r0 : NumFail(vm, s0, acc, acc, "NUMBER"); }
            if (op == 3) { NumStatus s0 = vm.Num.Div(M.Fix(1), acc, out ulong r0); return s0 == NumStatus.Ok ? r0 : NumFail(vm, s0, acc, acc, "NUMBER"); }
            return acc;
        }
        for (int i = 1; i < a.Count; i++)
        {
            ulong b = a[i];
            ulong r; NumStatus st;
            if (((acc | b) & 3) == 0 && op <= 1)
            {
                long n = op == 0 ? M.FixVal(acc) + M.FixVal(b) : M.FixVal(acc) - M.FixVal(b);
                if (W.FitsFixnum(n)) { acc = M.Fix(n); continue; }
            }
            int m = vm.Heap.RootMark();
            switch (op)
            {
                case 0: st = vm.Num.Add(acc, b, out r); break;
                case 1: st = vm.Num.Sub(acc, b, out r); break;
                case 2: st = vm.Num.Mul(acc, b, out r); break;
                default: st = vm.Num.Div(acc, b, out r); break;
            }
            vm.Heap.PopRoots(m);
            if (st != NumStatus.Ok) return NumFail(vm, st, acc, b, "NUMBER");
            acc = r;
        }
        return acc;
    }
    static ulong Add(Vm vm, Args a) { return Fold(vm, a, 0, M.Fix(0)); }
    static ulong Sub(Vm vm, Args a) { return Fold(vm, a, 1, M.Fix(0)); }
    static ulong Mul(Vm vm, Args a) { return Fold(vm, a, 2, M.Fix(1)); }
    static ulong Div(Vm vm, Args a) { return Fold(vm, a, 3, M.Fix(1)); }

    /// <summary>cmp: 0 =, 1 <, 2 >, 3 <=, 4 >=.</summary>
    static ulong Compare(Vm vm, Args a, int cmp)
    {
        for (int i = 0; i < a.Count; i++)
        {
            NumKind k = NumObj.Kind(a[i]);
            if (k == NumKind.NotNumber || (cmp != 0 && k == NumKind.Complex)) return vm.TypeError(a[i], cmp == 0 ? "NUMBER" : "REAL");
        }
        for (int i = 0; i + 1 < a.Count; i++)
        {
            ulong x = a[i], y = a[i + 1];
            int c;
            if (((x | y) & 3) == 0) c = (long)x < (long)y ? -1 : (x == y ? 0 : 1);
            else if (cmp == 0)
            {
                NumStatus st0 = vm.Num.NumEquals(x, y, out bool eq);
                if (st0 != NumStatus.Ok) return NumFail(vm, st0, x, y, "NUMBER");
                c = eq ? 0 : 1;
            }
            else
            {
                NumStatus st = vm.Num.Compare(x, y, out c);
                if (st != NumStatus.Ok) return NumFail(vm, st, x, y, "REAL");
            }
            bool ok = cmp switch { 0 => c == 0, 1 => c < 0, 2 => c > 0, 3 => c <= 0, _ => c >= 0 };
            if (!ok) return W.Nil;
        }
        return vm.T;
    }
    static ulong NumEq(Vm vm, Args a) { return Compare(vm, a, 0); }
    static ulong Lt(Vm vm, Args a) { return Compare(vm, a, 1); }
    static ulong Gt(Vm vm, Args a) { return Compare(vm, a, 2); }
    static ulong Le(Vm vm, Args a) { return Compare(vm, a, 3); }
    static ulong Ge(Vm vm, Args a) { return Compare(vm, a, 4); }
    static ulong NumNe(Vm vm, Args a)
    {
        for (int i = 0; i < a.Count; i++) if (NumObj.Kind(a[i]) == NumKind.NotNumber) return vm.TypeError(a[i], "NUMBER");
        for (int i = 0; i < a.Count; i++)
            for (int j = i + 1; j < a.Count; j++)
            {
                vm.Num.NumEquals(a[i], a[j], out bool eq);
                if (eq) return W.Nil;
            }
        return vm.T;
    }

    static ulong Arith2(Vm vm, int op, ulong x, ulong y)
    {
        NumStatus st; ulong r;
        switch (op)
        {
            case 0: st = vm.Num.Add(x, y, out r); break;
            case 1: st = vm.Num.Sub(x, y, out r); break;
            default: st = vm.Num.Mul(x, y, out r); break;
        }
        return st == NumStatus.Ok ? r : NumFail(vm, st, x, y, "NUMBER");
    }
    static ulong Add1(Vm vm, Args a) { return Arith2(vm, 0, a[0], M.Fix(1)); }
    static ulong Sub1(Vm vm, Args a) { return Arith2(vm, 1, a[0], M.Fix(1)); }

    static ulong DivideB(Vm vm, Args a, RoundMode mode)
    {
        ulong d = a.Count > 1 ? a[1] : M.Fix(1);
        NumStatus st = vm.Num.Divide(mode, a[0], d, out ulong q, out ulong r);
        if (st != NumStatus.Ok) return NumFail(vm, st, a[0], d, "REAL");
        return vm.Values(q, r);
    }
    static ulong Floor(Vm vm, Args a) { return DivideB(vm, a, RoundMode.Floor); }
    static ulong Ceiling(Vm vm, Args a) { return DivideB(vm, a, RoundMode.Ceiling); }
    static ulong Truncate(Vm vm, Args a) { return DivideB(vm, a, RoundMode.Truncate); }
    static ulong Round(Vm vm, Args a) { return DivideB(vm, a, RoundMode.Round); }
    static ulong Mod(Vm vm, Args a)
    {
        NumStatus st = vm.Num.Divide(RoundMode.Floor, a[0], a[1], out ulong q, out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[1], "REAL");
    }
    static ulong Rem(Vm vm, Args a)
    {
        NumStatus st = vm.Num.Divide(RoundMode.Truncate, a[0], a[1], out ulong q, out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[1], "REAL");
    }
    static ulong Gcd(Vm vm, Args a) { return IntegerFold(vm, a, false); }
    static ulong Lcm(Vm vm, Args a) { return IntegerFold(vm, a, true); }

    // GCD and LCM over any number of integers: (gcd) = 0, (lcm) = 1, folded left.
    static ulong IntegerFold(Vm vm, Args a, bool lcm)
    {
        ulong acc = M.Fix(lcm ? 1 : 0);
        for (int i = 0; i < a.Count; i++)
        {
            ulong r;
            NumStatus st = lcm ? vm.Num.Lcm(acc, a[i], out r) : vm.Num.Gcd(acc, a[i], out r);
            if (st != NumStatus.Ok) return NumFail(vm, st, a[i], a[i], "INTEGER");
            acc = r;
        }
        return acc;
    }
    static ulong Ash(Vm vm, Args a)
    {
        if (!M.IsFix(a[1]))
        {
            // a bignum count: shifting right that far leaves the sign, left is too large
            if (NumObj.Kind(a[1]) != NumKind.Bignum) return vm.TypeError(a[1], "INTEGER");
            if (!NumObj.IsInteger(NumObj.Kind(a[0]))) return vm.TypeError(a[0], "INTEGER");
            bool negCount = (long)NumObj.Body(a[1])[NumObj.Length(a[1]) - 1] < 0;
            if (a[0] == M.Fix(0)) return a[0];
            if (!negCount) return NumFail(vm, NumStatus.TooLarge, a[0], a[0], "INTEGER");
            int sg = Sign(vm, a[0], out ulong fl);
            return sg < 0 ? M.Fix(-1) : M.Fix(0);
        }
        NumStatus st = vm.Num.Ash(a[0], M.FixVal(a[1]), out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[0], "INTEGER");
    }
    static ulong LogicFold(Vm vm, Args a, int op, long init)
    {
        ulong acc = M.Fix(init);
        for (int i = 0; i < a.Count; i++)
        {
            NumStatus st = vm.Num.Logic(op, acc, a[i], out ulong r);
            if (st != NumStatus.Ok) return NumFail(vm, st, a[i], a[i], "INTEGER");
            acc = r;
        }
        return acc;
    }
    static ulong Logand(Vm vm, Args a) { return LogicFold(vm, a, 0, -1); }
    static ulong Logior(Vm vm, Args a) { return LogicFold(vm, a, 1, 0); }
    static ulong Logxor(Vm vm, Args a) { return LogicFold(vm, a, 2, 0); }
    static ulong Lognot(Vm vm, Args a)
    {
        NumStatus st = vm.Num.LogNot(a[0], out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[0], "INTEGER");
    }
    static ulong Numberp(Vm vm, Args a) { return vm.Bool(NumObj.Kind(a[0]) != NumKind.NotNumber); }
    static ulong Integerp(Vm vm, Args a) { return vm.Bool(NumObj.IsInteger(NumObj.Kind(a[0]))); }
    // A ratio stores its normalised parts (slot 0 numerator, slot 1 denominator > 1).
    static ulong Numerator(Vm vm, Args a)
    {
        NumKind k = NumObj.Kind(a[0]);
        if (k == NumKind.Ratio) return NumObj.Slot(a[0], 0);
        return NumObj.IsInteger(k) ? a[0] : vm.TypeError(a[0], "RATIONAL");
    }
    static ulong Denominator(Vm vm, Args a)
    {
        NumKind k = NumObj.Kind(a[0]);
        if (k == NumKind.Ratio) return NumObj.Slot(a[0], 1);
        return NumObj.IsInteger(k) ? M.Fix(1) : vm.TypeError(a[0], "RATIONAL");
    }
    static ulong Rationalp(Vm vm, Args a) { return vm.Bool(NumObj.IsRational(NumObj.Kind(a[0]))); }
    static ulong Floatp(Vm vm, Args a) { return vm.Bool(NumObj.IsFloat(NumObj.Kind(a[0]))); }
    static ulong Realp(Vm vm, Args a) { NumKind k = NumObj.Kind(a[0]); return vm.Bool(k != NumKind.NotNumber && k != NumKind.Complex); }
    static ulong Fixnump(Vm vm, Args a) { return vm.Bool(M.IsFix(a[0])); }
    static ulong FloatB(Vm vm, Args a)
    {
        bool dbl = a.Count > 1 && NumObj.Kind(a[1]) == NumKind.Double;
        if (a.Count == 1 && NumObj.IsFloat(NumObj.Kind(a[0]))) return a[0];
        NumStatus st = vm.Num.Float(a[0], dbl, out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[0], "REAL");
    }
    static int Sign(Vm vm, ulong x, out ulong fail)
    {
        fail = 0;
        if (M.IsFix(x)) { long n = M.FixVal(x); return n < 0 ? -1 : n > 0 ? 1 : 0; }
        NumStatus st = vm.Num.Compare(x, M.Fix(0), out int c);
        if (st != NumStatus.Ok) { fail = NumFail(vm, st, x, x, "REAL"); return 0; }
        return c;
    }
    static ulong Zerop(Vm vm, Args a)
    {
        if (NumObj.Kind(a[0]) == NumKind.NotNumber) return vm.TypeError(a[0], "NUMBER");
        vm.Num.NumEquals(a[0], M.Fix(0), out bool eq); return vm.Bool(eq);
    }
    static ulong Plusp(Vm vm, Args a) { int s = Sign(vm, a[0], out ulong f); return f != 0 ? f : vm.Bool(s > 0); }
    static ulong Minusp(Vm vm, Args a) { int s = Sign(vm, a[0], out ulong f); return f != 0 ? f : vm.Bool(s < 0); }
    static ulong Evenp(Vm vm, Args a)
    {
        if (M.IsFix(a[0])) return vm.Bool((M.FixVal(a[0]) & 1) == 0);
        NumStatus st = vm.Num.Logic(0, a[0], M.Fix(1), out ulong r);
        return st == NumStatus.Ok ? vm.Bool(r == M.Fix(0)) : NumFail(vm, st, a[0], a[0], "INTEGER");
    }
    static ulong Oddp(Vm vm, Args a) { ulong r = Evenp(vm, a); return r == Vm.Fail ? r : vm.Bool(r == W.Nil); }
    static ulong Abs(Vm vm, Args a)
    {
        if (NumObj.Kind(a[0]) == NumKind.Complex)
        {
            NumStatus sc = vm.Num.ComplexAbs(a[0], out ulong m);
            return sc == NumStatus.Ok ? m : NumFail(vm, sc, a[0], a[0], "NUMBER");
        }
        int s = Sign(vm, a[0], out ulong f);
        if (f != 0) return f;
        if (s > 0) return a[0];
        if (s == 0)
        {
            // (abs -0.0) is 0.0: only a float zero with its sign bit set changes
            if (W.IsSingle(a[0])) return W.MakeSingle(0.0f);
            if (NumObj.Kind(a[0]) != NumKind.Double || (NumObj.DoubleBits(a[0]) >> 63) == 0) return a[0];
        }
        NumStatus st = vm.Num.Negate(a[0], out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[0], "REAL");
    }
    static ulong MinMax(Vm vm, Args a, bool max)
    {
        ulong best = a[0];
        if (NumObj.Kind(best) == NumKind.NotNumber) return vm.TypeError(best, "REAL");
        for (int i = 1; i < a.Count; i++)
        {
            NumStatus st = vm.Num.Compare(a[i], best, out int c);
            if (st != NumStatus.Ok) return NumFail(vm, st, a[i], best, "REAL");
            if (max ? c > 0 : c < 0) best = a[i];
        }
        return best;
    }
    static ulong Min(Vm vm, Args a) { return MinMax(vm, a, false); }
    static ulong Max(Vm vm, Args a) { return MinMax(vm, a, true); }
    static ulong MathFnB(Vm vm, Args a)
    {
        if (!M.IsFix(a[0]) || M.FixVal(a[0]) < 0 || M.FixVal(a[0]) > 6) return vm.TypeError(a[0], "FIXNUM");
        NumStatus st = vm.Num.Math1((MathFn)M.FixVal(a[0]), a[1], out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[1], a[1], "NUMBER");
    }
    static ulong Expt(Vm vm, Args a)
    {
        NumStatus st = vm.Num.Expt(a[0], a[1], out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[1], "NUMBER");
    }
    static ulong Isqrt(Vm vm, Args a)
    {
        NumStatus st = vm.Num.Isqrt(a[0], out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[0], "INTEGER");
    }
}
