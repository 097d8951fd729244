// Why: our own sqrt/exp/log/sin/cos/tan/atan must agree with System.Math (glibc-backed
// on the host) to within a couple of ulps; sqrt must be exactly correctly rounded.
using LispVm.Reader.Numbers;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class MathFnsTests
    {
        static long Ulps(double a, double b)
        {
            if (a == b) return 0;
            if (double.IsNaN(a) && double.IsNaN(b)) return 0;
            long x = BitConverter.DoubleToInt64Bits(a), y = BitConverter.DoubleToInt64Bits(b);
            if ((x < 0) != (y < 0)) return long.MaxValue;
            return Math.Abs(x - y);
        }

        static void Check(Func<double, double> ours, Func<double, double> theirs, double x, long maxUlps)
        {
            double a = ours(x), b = theirs(x);
            long u = Ulps(a, b);
            Assert.True(u <= maxUlps, $"x={x:R}: ours {a:R} vs {b:R} ({u} ulps)");
        }

        [Fact]
        public void SqrtIsCorrectlyRounded()
        {
            var rng = new Random(11);
            for (int i = 0; i < 200000; i++)
            {
                double x = BitConverter.Int64BitsToDouble((long)((ulong)rng.NextInt64() >> 1));
                if (double.IsNaN(x)) continue;
                Assert.Equal(BitConverter.DoubleToInt64Bits(Math.Sqrt(x)), BitConverter.DoubleToInt64Bits(MathFns.Sqrt(x)));
            }
            Assert.True(double.IsNaN(MathFns.Sqrt(-1)));
            Assert.Equal(0.0, MathFns.Sqrt(0));
            Assert.Equal(3.0, MathFns.Sqrt(9));
        }

        [Fact]
        public void TranscendentalsWithinOneUlp()
        {
            var rng = new Random(12);
            for (int i = 0; i < 50000; i++)
            {
                double x = (rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-8, 3));
                Check(MathFns.Exp, Math.Exp, x * 7, 1);
                Check(MathFns.Sin, Math.Sin, x, 1);
                Check(MathFns.Cos, Math.Cos, x, 1);
                Check(MathFns.Tan, Math.Tan, x, 2);
                Check(MathFns.Atan, Math.Atan, x * 100, 1);
                double p = Math.Abs(x) * Math.Pow(10, rng.Next(-300, 300));
                if (p > 0) Check(MathFns.Log, Math.Log, p, 1);
                Check(MathFns.Sin, Math.Sin, x * 1e6, 2);
                double y = (rng.NextDouble() * 2 - 1) * 10;
                Assert.True(Ulps(MathFns.Atan2(y, x), Math.Atan2(y, x)) <= 1, $"atan2({y:R},{x:R})");
            }
            Assert.Equal(Math.Exp(709.7), MathFns.Exp(709.7));
            Assert.Equal(double.PositiveInfinity, MathFns.Exp(710));
            Assert.Equal(Math.Exp(-745), MathFns.Exp(-745));
            Assert.Equal(0.0, MathFns.Log(1.0));
            Assert.True(Ulps(MathFns.Log(5e-324), Math.Log(5e-324)) <= 1);
        }
    }
}
