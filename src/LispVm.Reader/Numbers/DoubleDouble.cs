// Why: our transcendental functions evaluate in double-double (~106-bit) arithmetic with
// error-free transforms (Knuth TwoSum, Dekker TwoProd with Veltkamp splitting; no FMA),
// so the final rounding to double is nearly always correct and identical on every build.
namespace LispVm.Reader.Numbers
{
    public struct DD
    {
        public double Hi, Lo;
        public DD(double hi, double lo) { Hi = hi; Lo = lo; }

        public static DD TwoSum(double a, double b)
        {
            double s = a + b, bb = s - a;
            return new DD(s, (a - (s - bb)) + (b - bb));
        }

        static DD QuickTwoSum(double a, double b)
        {
            double s = a + b;
            return new DD(s, b - (s - a));
        }

        static void Split(double a, out double hi, out double lo)
        {
            double c = 134217729.0 * a;   // 2^27 + 1
            hi = c - (c - a); lo = a - hi;
        }

        public static DD TwoProd(double a, double b)
        {
            double p = a * b;
            Split(a, out double ah, out double al);
            Split(b, out double bh, out double bl);
            return new DD(p, ((ah * bh - p) + ah * bl + al * bh) + al * bl);
        }

        public static DD operator +(DD a, DD b)
        {
            DD s = TwoSum(a.Hi, b.Hi), t = TwoSum(a.Lo, b.Lo);
            s.Lo += t.Hi; s = QuickTwoSum(s.Hi, s.Lo);
            s.Lo += t.Lo; return QuickTwoSum(s.Hi, s.Lo);
        }

        public static DD operator -(DD a) => new DD(-a.Hi, -a.Lo);
        public static DD operator -(DD a, DD b) => a + (-b);

        public static DD operator *(DD a, DD b)
        {
            DD p = TwoProd(a.Hi, b.Hi);
            p.Lo += a.Hi * b.Lo + a.Lo * b.Hi;
            return QuickTwoSum(p.Hi, p.Lo);
        }

        public static DD operator *(DD a, double b)
        {
            DD p = TwoProd(a.Hi, b);
            p.Lo += a.Lo * b;
            return QuickTwoSum(p.Hi, p.Lo);
        }

        public static DD operator /(DD a, DD b)
        {
            double q1 = a.Hi / b.Hi;
            DD r = a - b * q1;
            double q2 = r.Hi / b.Hi;
            r = r - b * q2;
            double q3 = r.Hi / b.Hi;
            DD q = QuickTwoSum(q1, q2);
            return q + new DD(q3, 0);
        }

        public static DD operator /(DD a, double b) => a / new DD(b, 0);

        public double Value => Hi + Lo;
    }
}
