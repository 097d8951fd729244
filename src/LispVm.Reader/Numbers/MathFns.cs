// Why: sqrt, exp, log, sin, cos, tan, atan, atan2 written by us (no System.Math, which
// the kernel corelib lacks and whose digits vary by platform). sqrt is correctly rounded
// (exact integer square root); the others use argument reduction plus Taylor series in
// double-double, accurate to about 1 ulp. Trig reduction uses a 4-part pi/2 and is
// accurate for |x| below about 2^40; beyond that results are deterministic but inexact.
namespace LispVm.Reader.Numbers
{
    public static unsafe class MathFns
    {
        public static double FromBits(ulong b) => *(double*)&b;
        public static ulong ToBits(double d) => *(ulong*)&d;
        public const double NaN = 0.0 / 0.0;
        public const double PosInf = 1.0 / 0.0;

        static readonly DD Ln2 = new DD(6.931471805599452862e-01, 2.319046813846299558e-17);
        static readonly DD PiHalf = new DD(1.570796326794896558e+00, 6.123233995736766036e-17);
        const double PiHalf2 = -1.497384904859169833e-33, PiHalf3 = 5.562271104316826410e-50;
        const double TwoOverPi = 0.63661977236758134308;

#pragma warning disable CS1718 // x != x is the NaN test
        public static bool IsNaN(double x) => x != x;
#pragma warning restore CS1718
        public static double Abs(double x) => x < 0 ? -x : (x == 0 ? 0.0 : x);

        /// <summary>x * 2^k with care for overflow/underflow.</summary>
        public static double Ldexp(double x, long k)
        {
            while (k > 1000) { x *= FromBits((ulong)(1000 + 1023) << 52); k -= 1000; if (x > 1e308 || x < -1e308) break; }
            while (k < -1000) { x *= FromBits((ulong)(-1000 + 1023) << 52); k += 1000; if (x == 0) return x; }
            if (k > 1023) return x * PosInf;
            if (k < -1022) { x *= FromBits(1UL << 52); k += 52; }   // 2^-1022 then the rest
            if (k < -1022) return x * FromBits((ulong)(k + 1022 + 1023) << 52) * FromBits(1UL << 52);
            return x * FromBits((ulong)(k + 1023) << 52);
        }

        /// <summary>Round to nearest integer (ties to even) for |x| &lt; 2^52; larger values are integers already.</summary>
        public static double RoundEven(double x)
        {
            const double two52 = 4503599627370496.0;
            if (!(Abs(x) < two52)) return x;
            return x >= 0 ? (x + two52) - two52 : (x - two52) + two52;
        }

        // ---- sqrt: exact 128-bit integer square root of the scaled mantissa ----
        public static double Sqrt(double x)
        {
            if (IsNaN(x) || x < 0) return NaN;
            if (x == 0 || x == PosInf) return x;
            ulong bits = ToBits(x);
            long e = (long)((bits >> 52) & 0x7FF);
            ulong m = bits & ((1UL << 52) - 1);
            if (e == 0) { e = 1; while ((m & (1UL << 52)) == 0) { m <<= 1; e--; } }
            else m |= 1UL << 52;
            e -= 1075;                       // x = m * 2^e, m in [2^52, 2^53)
            if ((e & 1) != 0) { m <<= 1; e--; }
            // N = m * 2^62 (< 2^117); r = isqrt(N) in [2^57, 2^58.5)
            ulong nhi = m >> 2, nlo = m << 62;
            ulong rem = 0, remHi = 0, root = 0;
            // digit-by-digit: process two bits at a time from the top of the 128-bit N
            for (int i = 63; i >= 0; i--)
            {
                ulong two = i >= 32 ? (nhi >> ((i - 32) * 2)) & 3 : (nlo >> (i * 2)) & 3;
                // rem = rem*4 + two (rem fits in ~60 bits, so no overflow into remHi matters)
                remHi = (remHi << 2) | (rem >> 62);
                rem = (rem << 2) | two;
                ulong trial = (root << 2) | 1;       // (2*root)*2 + 1
                ulong trialHi = root >> 62;
                bool ge = remHi > trialHi || (remHi == trialHi && rem >= trial);
                if (ge)
                {
                    ulong nr = rem - trial;
                    remHi = remHi - trialHi - (rem < trial ? 1UL : 0UL);
                    rem = nr;
                    root = (root << 1) | 1;
                }
                else root <<= 1;
            }
            bool sticky = rem != 0 || remHi != 0;
            // value = root * 2^(e/2 - 31); root has 58 bits: keep 53
            int bl = 0; for (ulong t = root; t != 0; t >>= 1) bl++;
            int drop = bl - 53;
            ulong mant = root >> drop;
            bool half = ((root >> (drop - 1)) & 1) != 0;
            bool rest = sticky || (root & ((1UL << (drop - 1)) - 1)) != 0;
            if (half && (rest || (mant & 1) != 0)) mant++;
            long exp2 = e / 2 - 31 + drop;
            if (mant == (1UL << 53)) { mant >>= 1; exp2++; }
            long biased = exp2 + 52 + 1023;
            return FromBits(((ulong)biased << 52) | (mant & ((1UL << 52) - 1)));
        }

        static DD SqrtDD(DD a)
        {
            if (a.Hi <= 0) return new DD(0, 0);
            double y = Sqrt(a.Hi);
            DD e = a - DD.TwoProd(y, y);
            return DD.TwoSum(y, e.Hi / (2 * y));
        }

        // ---- exp ----
        static DD ExpDD(DD x, out long k)
        {
            double kd = RoundEven(x.Hi / Ln2.Hi);
            k = (long)kd;
            DD r = x - Ln2 * kd;
            r = r * (1.0 / 1024);
            // Taylor: sum r^i / i!
            DD sum = new DD(1, 0), term = new DD(1, 0);
            for (int i = 1; i <= 12; i++) { term = term * r / i; sum = sum + term; }
            for (int i = 0; i < 10; i++) sum = sum * sum;
            return sum;
        }

        public static double Exp(double x)
        {
            if (IsNaN(x)) return x;
            if (x > 709.79) return PosInf;
            if (x < -745.2) return 0.0;
            DD s = ExpDD(new DD(x, 0), out long k);
            return Ldexp(s.Value, k);
        }

        // ---- log ----
        static DD LogDD(double x)
        {
            ulong bits = ToBits(x);
            long e = (long)((bits >> 52) & 0x7FF);
            if (e == 0) { x *= FromBits((ulong)(54 + 1023) << 52); bits = ToBits(x); e = (long)((bits >> 52) & 0x7FF) - 54; }
            double m = FromBits((bits & ((1UL << 52) - 1)) | (1023UL << 52));   // [1, 2)
            e -= 1023;
            if (m > 1.4142135623730951) { m *= 0.5; e++; }
            DD num = DD.TwoSum(m, -1.0), den = DD.TwoSum(m, 1.0);
            DD s = num / den, s2 = s * s;
            DD sum = s, pow = s;
            for (int i = 3; i <= 61; i += 2)
            {
                pow = pow * s2;
                DD t = pow / i;
                sum = sum + t;
                if (Abs(t.Hi) < 1e-36 * Abs(sum.Hi)) break;
            }
            return sum * 2.0 + Ln2 * (double)e;
        }

        /// <summary>Natural log; NaN for x &lt; 0, -infinity for 0.</summary>
        public static double Log(double x)
        {
            if (IsNaN(x) || x < 0) return NaN;
            if (x == 0) return -PosInf;
            if (x == PosInf) return x;
            return LogDD(x).Value;
        }

        // ---- sin / cos / tan ----
        static DD Reduce(double x, out long quadrant)
        {
            double k = RoundEven(x * TwoOverPi);
            quadrant = Abs(k) < 9.2e18 ? (long)k & 3 : 0;
            DD r = new DD(x, 0) - DD.TwoProd(k, PiHalf.Hi);
            r = r - DD.TwoProd(k, PiHalf.Lo);
            r = r - DD.TwoProd(k, PiHalf2);
            r = r - new DD(k * PiHalf3, 0);
            return r;
        }

        static void SinCosDD(DD r, out DD s, out DD c)
        {
            DD r2 = r * r;
            DD term = r; s = r;
            for (int i = 2; i <= 30; i += 2) { term = -(term * r2) / ((double)i * (i + 1)); s = s + term; }
            term = new DD(1, 0); c = term;
            for (int i = 1; i <= 29; i += 2) { term = -(term * r2) / ((double)i * (i + 1)); c = c + term; }
        }

        static void SinCos(double x, out DD s, out DD c)
        {
            DD r = Reduce(x, out long q);
            SinCosDD(r, out DD sr, out DD cr);
            switch (q)
            {
                case 0: s = sr; c = cr; break;
                case 1: s = cr; c = -sr; break;
                case 2: s = -sr; c = -cr; break;
                default: s = -cr; c = sr; break;
            }
        }

        public static double Sin(double x)
        {
            if (IsNaN(x) || x == PosInf || x == -PosInf) return NaN;
            if (Abs(x) < 1e-9) return x;
            SinCos(x, out DD s, out DD c); return s.Value;
        }

        public static double Cos(double x)
        {
            if (IsNaN(x) || x == PosInf || x == -PosInf) return NaN;
            SinCos(x, out DD s, out DD c); return c.Value;
        }

        public static double Tan(double x)
        {
            if (IsNaN(x) || x == PosInf || x == -PosInf) return NaN;
            if (Abs(x) < 1e-9) return x;
            SinCos(x, out DD s, out DD c); return (s / c).Value;
        }

        // ---- atan ----
        static DD AtanDD(DD t)
        {
            // two halvings: atan(t) = 2 atan(t / (1 + sqrt(1 + t^2)))
            for (int h = 0; h < 2; h++)
                t = t / (new DD(1, 0) + SqrtDD(new DD(1, 0) + t * t));
            DD t2 = t * t, pow = t, sum = t;
            for (int i = 3; i <= 81; i += 2)
            {
                pow = -(pow * t2);
                DD term = pow / i;
                sum = sum + term;
                if (Abs(term.Hi) < 1e-36 * Abs(sum.Hi)) break;
            }
            return sum * 4.0;
        }

        public static double Atan(double x)
        {
            if (IsNaN(x)) return x;
            if (x == PosInf) return PiHalf.Hi;
            if (x == -PosInf) return -PiHalf.Hi;
            if (Abs(x) < 1e-9) return x;
            bool neg = x < 0; double a = neg ? -x : x;
            DD r = a <= 1 ? AtanDD(new DD(a, 0)) : PiHalf - AtanDD(new DD(1, 0) / a);
            double v = r.Value;
            return neg ? -v : v;
        }

        /// <summary>atan2(y, x) with the usual quadrant rules.</summary>
        public static double Atan2(double y, double x)
        {
            if (IsNaN(x) || IsNaN(y)) return NaN;
            bool yneg = y < 0 || (y == 0 && ToBits(y) >> 63 != 0);
            if (x == 0 && y == 0)
            {
                bool xneg = ToBits(x) >> 63 != 0;
                double z = xneg ? 2 * PiHalf.Hi : 0.0;
                return yneg ? -z : z;
            }
            if (x == 0) return yneg ? -PiHalf.Hi : PiHalf.Hi;
            double ay = yneg ? -y : y, ax = x < 0 ? -x : x;
            DD r;
            if (ay == PosInf && ax == PosInf) r = new DD(0.5, 0) * PiHalf.Hi;
            else if (ay == PosInf) r = PiHalf;
            else if (ax == PosInf) r = new DD(0, 0);
            else
            {
                DD q = new DD(ay, 0) / new DD(ax, 0);
                if (q.Hi == PosInf) r = PiHalf;
                else r = q.Hi <= 1 ? AtanDD(q) : PiHalf - AtanDD(new DD(ax, 0) / new DD(ay, 0));
            }
            if (x < 0) r = PiHalf * 2.0 - r;
            double v = r.Value;
            return yneg ? -v : v;
        }
    }
}
