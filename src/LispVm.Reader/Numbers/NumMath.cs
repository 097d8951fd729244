// Why: CL's irrational functions on reals (sqrt exp log sin cos tan atan) through our
// own MathFns; rationals give single floats, doubles stay double. Results that CL would
// make complex (sqrt/log of a negative) report Unsupported until complexes exist.
using LispVm.Gc;

namespace LispVm.Reader.Numbers
{
    public enum MathFn : byte { Sqrt, Exp, Log, Sin, Cos, Tan, Atan }

    public sealed unsafe partial class Num
    {
        public NumStatus Math1(MathFn fn, ulong a, out ulong res)
        {
            res = W.Nil;
            NumKind k = NumObj.Kind(a);
            if (k == NumKind.NotNumber) return NumStatus.NotANumber;
            if (k == NumKind.Complex) return NumStatus.Unsupported;
            bool dbl = k == NumKind.Double;
            double d;
            NumStatus st = dbl ? ToDouble(a, out d) : ToSingleAsDouble(a, out d);
            if (st != NumStatus.Ok) return st;
            double v;
            switch (fn)
            {
                case MathFn.Sqrt: if (d < 0) return NumStatus.Unsupported; v = MathFns.Sqrt(d); break;
                case MathFn.Exp: v = MathFns.Exp(d); break;
                case MathFn.Log:
                    if (d < 0) return NumStatus.Unsupported;
                    if (d == 0) return NumStatus.DivisionByZero;
                    v = MathFns.Log(d); break;
                case MathFn.Sin: v = MathFns.Sin(d); break;
                case MathFn.Cos: v = MathFns.Cos(d); break;
                case MathFn.Tan: v = MathFns.Tan(d); break;
                default: v = MathFns.Atan(d); break;
            }
            return FloatResult(v, dbl, out res);
        }

        NumStatus ToSingleAsDouble(ulong a, out double d)
        {
            NumStatus st = ToSingle(a, out float f);
            d = f; return st;
        }

        /// <summary>(atan y x).</summary>
        public NumStatus Atan2(ulong y0, ulong x0, out ulong res)
        {
            res = W.Nil;
            NumKind ky = NumObj.Kind(y0), kx = NumObj.Kind(x0);
            if (ky == NumKind.NotNumber || kx == NumKind.NotNumber || ky == NumKind.Complex || kx == NumKind.Complex)
                return NumStatus.NotANumber;
            bool dbl = ky == NumKind.Double || kx == NumKind.Double;
            double yd, xd; NumStatus st;
            if ((st = dbl ? ToDouble(y0, out yd) : ToSingleAsDouble(y0, out yd)) != NumStatus.Ok) return st;
            if ((st = dbl ? ToDouble(x0, out xd) : ToSingleAsDouble(x0, out xd)) != NumStatus.Ok) return st;
            return FloatResult(MathFns.Atan2(yd, xd), dbl, out res);
        }
    }
}
