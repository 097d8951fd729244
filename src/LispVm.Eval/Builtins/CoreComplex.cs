// Why: the complex-number builtins (CLHS 12.1.5) over src/LispVm.Reader/Numbers/NumComplex.cs:
// COMPLEX, REALPART, IMAGPART, COMPLEXP and %COMPLEX-FN (an elementary function with a
// complex result, used by sqrt/log/asin... in lisp/44-numbers.lisp). Arithmetic on
// complexes needs nothing here: + - * / = reach Num through the generic builtins.
using LispVm.Gc;
using LispVm.Reader.Numbers;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterComplex(Builtins b)
    {
        b.Def("COMPLEX", 1, 2, &ComplexB); b.Def("REALPART", 1, 1, &Realpart); b.Def("IMAGPART", 1, 1, &Imagpart);
        b.Def("COMPLEXP", 1, 1, &Complexp); b.Def("%COMPLEX-FN", 2, 2, &ComplexFnB);
    }

    static bool IsReal(ulong x) { NumKind k = NumObj.Kind(x); return k != NumKind.NotNumber && k != NumKind.Complex; }

    /// <summary>(complex re [im]): a rational stays rational without im or with a rational
    /// zero im; a float re alone gets a zero im of its own format.</summary>
    static ulong ComplexB(Vm vm, Args a)
    {
        ulong re = a[0];
        if (!IsReal(re)) return vm.TypeError(re, "REAL");
        ulong im;
        if (a.Count > 1) { im = a[1]; if (!IsReal(im)) return vm.TypeError(im, "REAL"); }
        else
        {
            NumKind k = NumObj.Kind(re);
            if (!NumObj.IsFloat(k)) return re;
            im = k == NumKind.Double ? vm.Num.MakeDouble(0.0) : W.MakeSingle(0.0f);
            re = a[0];   // MakeDouble may have moved it
        }
        NumStatus st = vm.Num.MakeComplex(re, im, out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, re, im, "REAL");
    }

    static ulong Realpart(Vm vm, Args a)
    {
        NumKind k = NumObj.Kind(a[0]);
        if (k == NumKind.NotNumber) return vm.TypeError(a[0], "NUMBER");
        return Num.RealPartOf(a[0]);
    }

    /// <summary>The imaginary part; for a real x, (* 0 x): 0, or a zero of x's float format.</summary>
    static ulong Imagpart(Vm vm, Args a)
    {
        NumKind k = NumObj.Kind(a[0]);
        if (k == NumKind.NotNumber) return vm.TypeError(a[0], "NUMBER");
        if (k == NumKind.Complex) return Num.ImagPartOf(a[0]);
        if (!NumObj.IsFloat(k)) return M.Fix(0);
        NumStatus st = vm.Num.Mul(M.Fix(0), a[0], out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[0], a[0], "NUMBER");
    }

    static ulong Complexp(Vm vm, Args a) { return vm.Bool(NumObj.Kind(a[0]) == NumKind.Complex); }

    /// <summary>(%complex-fn code z): code is a ComplexFn (0 sqrt 1 exp 2 log 3 sin 4 cos
    /// 5 tan 6 asin 7 acos 8 atan 9 sinh 10 cosh 11 tanh 12 asinh 13 acosh 14 atanh).</summary>
    static ulong ComplexFnB(Vm vm, Args a)
    {
        if (!M.IsFix(a[0]) || M.FixVal(a[0]) < 0 || M.FixVal(a[0]) > (long)ComplexFn.Atanh) return vm.TypeError(a[0], "FIXNUM");
        NumStatus st = vm.Num.ComplexMath((ComplexFn)M.FixVal(a[0]), a[1], out ulong r);
        return st == NumStatus.Ok ? r : NumFail(vm, st, a[1], a[1], "NUMBER");
    }
}
