// Why: the elementary functions of a complex argument (CLHS 12.1.5.3 and each function's
// page), on (re, im) pairs of doubles, with the branch cuts the standard describes. The
// inverse functions follow Kahan, "Branch Cuts for Complex Elementary Functions" (1987):
// built from the principal sqrt so that a signed zero imaginary part picks the side of a
// cut. Plain doubles through MathFns (no System.Math in the kernel); about 1-2 ulp.
namespace LispVm.Reader.Numbers
{
    public enum ComplexFn : byte { Sqrt, Exp, Log, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh, Asinh, Acosh, Atanh }

    public static unsafe class ComplexFns
    {
        const double Ln2 = 0.6931471805599453;
        const double HalfPi = 1.5707963267948966;

        static double Abs(double x) => MathFns.Abs(x);
        static bool IsInf(double x) => x == MathFns.PosInf || x == -MathFns.PosInf;

        /// <summary>|x| with the sign of s (the sign bit, so -0.0 counts as negative).</summary>
        public static double CopySign(double x, double s)
        {
            ulong b = (MathFns.ToBits(x) & ~(1UL << 63)) | (MathFns.ToBits(s) & (1UL << 63));
            return MathFns.FromBits(b);
        }

        /// <summary>sqrt(x^2 + y^2) without intermediate overflow or underflow.</summary>
        public static double Hypot(double x, double y)
        {
            double a = Abs(x), b = Abs(y);
            if (IsInf(a) || IsInf(b)) return MathFns.PosInf;
            if (MathFns.IsNaN(a) || MathFns.IsNaN(b)) return MathFns.NaN;
            if (a < b) { double t = a; a = b; b = t; }
            if (a == 0) return 0.0;
            double r = b / a;
            return a * MathFns.Sqrt(1 + r * r);
        }

        /// <summary>log(1 + x) accurate for small x (Goldberg's correction); x > -1.</summary>
        public static double Log1p(double x)
        {
            double u = 1 + x;
            if (u == 1) return x;
            if (IsInf(u)) return u;
            return MathFns.Log(u) * (x / (u - 1));
        }

        // ---- real hyperbolic helpers ----
        public static double Sinh(double x)
        {
            double a = Abs(x), r;
            if (a < 1)
            {
                // Taylor series: x + x^3/3! + ... (x^23/23! < 1e-22 for |x| < 1)
                double x2 = a * a, term = a; r = a;
                for (int i = 2; i <= 22; i += 2) { term *= x2 / (i * (i + 1)); r += term; }
            }
            else if (a > 20) r = MathFns.Exp(a - Ln2);
            else { double e = MathFns.Exp(a); r = (e - 1 / e) / 2; }
            return CopySign(r, x);
        }

        public static double Cosh(double x)
        {
            double a = Abs(x);
            if (a > 20) return MathFns.Exp(a - Ln2);
            double e = MathFns.Exp(a);
            return (e + 1 / e) / 2;
        }

        public static double Asinh(double x)
        {
            double a = Abs(x), r;
            if (a > 1e150) r = MathFns.Log(a) + Ln2;
            else r = Log1p(a + a * a / (1 + MathFns.Sqrt(1 + a * a)));
            return CopySign(r, x);
        }

        // ---- complex operations ----

        /// <summary>(xr + xi i) / (yr + yi i) by Smith's method; false when dividing by zero.</summary>
        public static bool Div(double xr, double xi, double yr, double yi, out double zr, out double zi)
        {
            zr = 0; zi = 0;
            if (yr == 0 && yi == 0) return false;
            if (Abs(yr) >= Abs(yi))
            {
                double r = yi / yr, d = yr + yi * r;
                zr = (xr + xi * r) / d; zi = (xi - xr * r) / d;
            }
            else
            {
                double r = yr / yi, d = yi + yr * r;
                zr = (xr * r + xi) / d; zi = (xi * r - xr) / d;
            }
            return true;
        }

        /// <summary>Principal square root (Kahan's CSQRT): cut along the negative real axis,
        /// the sign of a zero imaginary part picks the side (+0 gives quadrant II).</summary>
        public static void Sqrt(double x, double y, out double re, out double im)
        {
            if (x == 0 && y == 0) { re = 0.0; im = y; return; }
            if (IsInf(y)) { re = MathFns.PosInf; im = y; return; }
            double scale = 1;
            if (Abs(x) > 1e300 || Abs(y) > 1e300) { x *= 0.25; y *= 0.25; scale = 2; }
            else if (Abs(x) < 1e-300 && Abs(y) < 1e-300) { x *= 1.8014398509481984e16; y *= 1.8014398509481984e16; scale = 1.0 / 134217728.0; }
            double t = MathFns.Sqrt((Abs(x) + Hypot(x, y)) / 2);
            if (x >= 0) { re = t; im = y / (2 * t); }
            else { re = Abs(y) / (2 * t); im = CopySign(t, y); }
            re *= scale; im *= scale;
        }

        /// <summary>Principal log: log|z| + i phase(z); false for zero.</summary>
        public static bool Log(double x, double y, out double re, out double im)
        {
            re = 0; im = 0;
            if (x == 0 && y == 0) return false;
            double a = Abs(x), b = Abs(y);
            if (a < b) { double t = a; a = b; b = t; }
            // near |z| = 1, log|z| = log1p((a-1)(a+1) + b^2) / 2 keeps the small result exact
            if (a > 0.5 && a < 2 && b < 1) re = Log1p((a - 1) * (a + 1) + b * b) / 2;
            else re = MathFns.Log(Hypot(x, y));
            im = MathFns.Atan2(y, x);
            return true;
        }

        public static void Exp(double x, double y, out double re, out double im)
        {
            double e = MathFns.Exp(x);
            if (y == 0) { re = e; im = y; return; }
            re = e * MathFns.Cos(y); im = e * MathFns.Sin(y);
        }

        public static void Sinh(double x, double y, out double re, out double im)
        {
            re = y == 0 ? Sinh(x) : Sinh(x) * MathFns.Cos(y);
            im = y == 0 ? y : Cosh(x) * MathFns.Sin(y);
        }

        public static void Cosh(double x, double y, out double re, out double im)
        {
            re = y == 0 ? Cosh(x) : Cosh(x) * MathFns.Cos(y);
            im = x == 0 || y == 0 ? x * y : Sinh(x) * MathFns.Sin(y);
        }

        /// <summary>tanh by Kahan's formula (no cancellation near the poles).</summary>
        public static void Tanh(double x, double y, out double re, out double im)
        {
            if (Abs(x) > 22)
            {
                // tanh is +-1 to double precision; the imaginary part is ~4 sin y cos y e^-2|x|
                re = CopySign(1.0, x);
                im = 4 * MathFns.Sin(y) * MathFns.Cos(y) * MathFns.Exp(-2 * Abs(x));
                if (im == 0) im = CopySign(0.0, y);
                return;
            }
            double t = MathFns.Tan(y), beta = 1 + t * t, s = Sinh(x), rho = MathFns.Sqrt(1 + s * s);
            double den = 1 + beta * s * s;
            re = beta * rho * s / den;
            im = t / den;
        }

        // sin z = -i sinh(iz), cos z = cosh(iz), tan z = -i tanh(iz); iz = (-y, x)
        public static void Sin(double x, double y, out double re, out double im)
        {
            Sinh(-y, x, out double u, out double v);
            re = v; im = -u;
        }

        public static void Cos(double x, double y, out double re, out double im) { Cosh(-y, x, out re, out im); }

        public static void Tan(double x, double y, out double re, out double im)
        {
            Tanh(-y, x, out double u, out double v);
            re = v; im = -u;
        }

        /// <summary>asin (Kahan): Re = atan(x / Re(sqrt(1-z) sqrt(1+z))),
        /// Im = asinh(Im(conj(sqrt(1-z)) sqrt(1+z))).</summary>
        public static void Asin(double x, double y, out double re, out double im)
        {
            Sqrt(1 - x, -y, out double ar, out double ai);
            Sqrt(1 + x, y, out double br, out double bi);
            double den = ar * br - ai * bi;
            re = den == 0 ? CopySign(HalfPi, x) : MathFns.Atan(x / den);
            im = Asinh(ar * bi - ai * br);
        }

        /// <summary>acos (Kahan): Re = 2 atan(Re sqrt(1-z) / Re sqrt(1+z)),
        /// Im = asinh(Im(conj(sqrt(1+z)) sqrt(1-z))).</summary>
        public static void Acos(double x, double y, out double re, out double im)
        {
            Sqrt(1 - x, -y, out double ar, out double ai);
            Sqrt(1 + x, y, out double br, out double bi);
            re = 2 * MathFns.Atan2(ar, br);
            im = Asinh(br * ai - bi * ar);
        }

        /// <summary>acosh (Kahan): Re = asinh(Re(conj(sqrt(z-1)) sqrt(z+1))),
        /// Im = 2 atan(Im sqrt(z-1) / Re sqrt(z+1)).</summary>
        public static void Acosh(double x, double y, out double re, out double im)
        {
            Sqrt(x - 1, y, out double ar, out double ai);
            Sqrt(x + 1, y, out double br, out double bi);
            re = Asinh(ar * br + ai * bi);
            im = 2 * MathFns.Atan2(ai, br);
        }

        /// <summary>asinh z = -i asin(iz).</summary>
        public static void Asinh(double x, double y, out double re, out double im)
        {
            Asin(-y, x, out double u, out double v);
            re = v; im = -u;
        }

        /// <summary>atanh z = (log(1+z) - log(1-z)) / 2 (CLHS), evaluated as
        /// log1p(4x / ((1-x)^2 + y^2)) / 4 + i atan2(2y, (1-x)(1+x) - y^2) / 2.</summary>
        public static bool Atanh(double x, double y, out double re, out double im)
        {
            re = 0; im = 0;
            if (y == 0 && (x == 1 || x == -1)) return false;
            if (Abs(x) < 0.5)
            {
                double d = (1 - x) * (1 - x) + y * y;
                re = Log1p(4 * x / d) / 4;   // exact for small z
            }
            else
            {
                // near +-1 the ratio above rounds; log|1+z| - log|1-z| keeps the small side exact
                Log(1 + x, y, out double l1, out _);
                Log(1 - x, -y, out double l2, out _);
                re = (l1 - l2) / 2;
            }
            im = MathFns.Atan2(2 * y, (1 - x) * (1 + x) - y * y) / 2;
            return true;
        }

        /// <summary>atan z = -i atanh(iz).</summary>
        public static bool Atan(double x, double y, out double re, out double im)
        {
            bool ok = Atanh(-y, x, out double u, out double v);
            re = v; im = -u;
            return ok;
        }

        /// <summary>Dispatch for Num.ComplexMath; false for a pole (log 0, atanh +-1, atan +-i).</summary>
        public static bool Apply(ComplexFn fn, double x, double y, out double re, out double im)
        {
            re = 0; im = 0;
            switch (fn)
            {
                case ComplexFn.Sqrt: Sqrt(x, y, out re, out im); return true;
                case ComplexFn.Exp: Exp(x, y, out re, out im); return true;
                case ComplexFn.Log: return Log(x, y, out re, out im);
                case ComplexFn.Sin: Sin(x, y, out re, out im); return true;
                case ComplexFn.Cos: Cos(x, y, out re, out im); return true;
                case ComplexFn.Tan: Tan(x, y, out re, out im); return true;
                case ComplexFn.Asin: Asin(x, y, out re, out im); return true;
                case ComplexFn.Acos: Acos(x, y, out re, out im); return true;
                case ComplexFn.Atan: return Atan(x, y, out re, out im);
                case ComplexFn.Sinh: Sinh(x, y, out re, out im); return true;
                case ComplexFn.Cosh: Cosh(x, y, out re, out im); return true;
                case ComplexFn.Tanh: Tanh(x, y, out re, out im); return true;
                case ComplexFn.Asinh: Asinh(x, y, out re, out im); return true;
                case ComplexFn.Acosh: Acosh(x, y, out re, out im); return true;
                default: return Atanh(x, y, out re, out im);
            }
        }
    }
}
