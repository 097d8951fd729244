// Why: the generic arithmetic entry points on heap words (fixnum/bignum/ratio/float)
// against System.Numerics.BigInteger and IEEE doubles, including CL contagion and the
// division-by-zero status.
using System.Numerics;
using LispVm.Gc;
using LispVm.Reader.Numbers;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class NumTests
    {
        readonly ReaderEnv E = new ReaderEnv();

        ulong Int(BigInteger v) => E.Read(v.ToString());
        string S(ulong w) => E.Print(w);

        static BigInteger FloorDiv(BigInteger a, BigInteger b)
        {
            BigInteger q = BigInteger.Divide(a, b), r = a - q * b;
            if (!r.IsZero && (r.Sign < 0) != (b.Sign < 0)) q -= 1;
            return q;
        }

        [Fact]
        public void IntegersMatchBigInteger()
        {
            var rng = new Random(5);
            for (int i = 0; i < 3000; i++)
            {
                BigInteger x = BigArithTests.RandomBig(rng, i % 4 == 0 ? 600 : 70), y = BigArithTests.RandomBig(rng, i % 3 == 0 ? 600 : 70);
                ulong a = Int(x); int ra = E.Heap.PushRoot(a);
                ulong b = Int(y); int rb = E.Heap.PushRoot(b);
                ulong r;
                Assert.Equal(NumStatus.Ok, E.Num.Add(E.Heap.Root(ra), E.Heap.Root(rb), out r)); Assert.Equal((x + y).ToString(), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.Sub(E.Heap.Root(ra), E.Heap.Root(rb), out r)); Assert.Equal((x - y).ToString(), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.Mul(E.Heap.Root(ra), E.Heap.Root(rb), out r)); Assert.Equal((x * y).ToString(), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.Compare(E.Heap.Root(ra), E.Heap.Root(rb), out int c)); Assert.Equal(x.CompareTo(y), c);
                if (!y.IsZero)
                {
                    Assert.Equal(NumStatus.Ok, E.Num.Divide(RoundMode.Floor, E.Heap.Root(ra), E.Heap.Root(rb), out ulong q, out ulong m));
                    BigInteger fq = FloorDiv(x, y);
                    Assert.Equal(fq.ToString(), S(q)); Assert.Equal((x - fq * y).ToString(), S(m));
                    Assert.Equal(NumStatus.Ok, E.Num.Divide(RoundMode.Truncate, E.Heap.Root(ra), E.Heap.Root(rb), out q, out m));
                    Assert.Equal(BigInteger.Divide(x, y).ToString(), S(q));
                    Assert.Equal(NumStatus.Ok, E.Num.Div(E.Heap.Root(ra), E.Heap.Root(rb), out r));
                    BigInteger g = BigInteger.GreatestCommonDivisor(x, y), nn = x / g, dd = y / g;
                    if (dd.Sign < 0) { nn = -nn; dd = -dd; }
                    Assert.Equal(dd.IsOne ? nn.ToString() : nn + "/" + dd, S(r));
                }
                else Assert.Equal(NumStatus.DivisionByZero, E.Num.Div(E.Heap.Root(ra), E.Heap.Root(rb), out r));
                Assert.Equal(NumStatus.Ok, E.Num.Gcd(E.Heap.Root(ra), E.Heap.Root(rb), out r)); Assert.Equal(BigInteger.GreatestCommonDivisor(x, y).ToString(), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.Logic(0, E.Heap.Root(ra), E.Heap.Root(rb), out r)); Assert.Equal((x & y).ToString(), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.Logic(2, E.Heap.Root(ra), E.Heap.Root(rb), out r)); Assert.Equal((x ^ y).ToString(), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.LogNot(E.Heap.Root(ra), out r)); Assert.Equal((-x - 1).ToString(), S(r));
                int sh = rng.Next(-100, 100);
                Assert.Equal(NumStatus.Ok, E.Num.Ash(E.Heap.Root(ra), sh, out r)); Assert.Equal((sh >= 0 ? x << sh : x >> -sh).ToString(), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.Isqrt(Int(BigInteger.Abs(x)), out r));
                BigInteger s = BigInteger.Parse(S(r)), ax = BigInteger.Abs(x);
                Assert.True(s * s <= ax && (s + 1) * (s + 1) > ax);
                E.Heap.PopRoots(ra);
            }
        }

        // ISQRT of squares, squares - 1 and squares + 2s (the largest with the same root) from
        // one bit to 6,500 bits: the precision-doubling loop's final correction either way.
        [Fact]
        public void IsqrtOfSquaresAndNeighbours()
        {
            var rng = new Random(31);
            for (int bits = 1; bits < 6500; bits = bits < 70 ? bits + 1 : bits * 3 / 2)
                for (int k = 0; k < 3; k++)
                {
                    BigInteger sq = BigInteger.Abs(BigArithTests.RandomBig(rng, bits)) | (BigInteger.One << (bits - 1));
                    if (k == 2) sq = (BigInteger.One << bits) - 1;
                    foreach (var (n, want) in new[] { (sq * sq, sq), (sq * sq - 1, sq - 1), (sq * sq + 2 * sq, sq) })
                    {
                        Assert.Equal(NumStatus.Ok, E.Num.Isqrt(Int(n), out ulong r));
                        Assert.Equal(want.ToString(), S(r));
                    }
                }
        }

        // FLOOR / CEILING / TRUNCATE / ROUND on integers up to 4,000 bits: q*d + r = n, |r| < |d|
        // and each operator's rule for the remainder (the remainder comes from the division,
        // not from n - q*d).
        [Fact]
        public void IntegerDivisionRemainderRules()
        {
            var rng = new Random(37);
            for (int i = 0; i < 600; i++)
            {
                BigInteger n = BigArithTests.RandomBig(rng, 4000), d = BigArithTests.RandomBig(rng, i % 3 == 0 ? 40 : 2000);
                if (d.IsZero) d = -3;
                if (i % 7 == 0) n = d * BigArithTests.RandomBig(rng, 500) + d / 2;   // ties for ROUND
                ulong a = Int(n); int ra = E.Heap.PushRoot(a);
                ulong b = Int(d); int rb = E.Heap.PushRoot(b);
                foreach (RoundMode mode in new[] { RoundMode.Floor, RoundMode.Ceiling, RoundMode.Truncate, RoundMode.Round })
                {
                    Assert.Equal(NumStatus.Ok, E.Num.Divide(mode, E.Heap.Root(ra), E.Heap.Root(rb), out ulong qw, out ulong rw));
                    BigInteger q = BigInteger.Parse(S(qw)), r = BigInteger.Parse(S(rw));
                    Assert.Equal(n, q * d + r);
                    Assert.True(BigInteger.Abs(r) < BigInteger.Abs(d));
                    switch (mode)
                    {
                        case RoundMode.Floor: Assert.True(r.IsZero || r.Sign == d.Sign); break;
                        case RoundMode.Ceiling: Assert.True(r.IsZero || r.Sign != d.Sign); break;
                        case RoundMode.Truncate: Assert.True(r.IsZero || r.Sign == n.Sign); break;
                        default:
                            BigInteger twice = 2 * BigInteger.Abs(r), ad = BigInteger.Abs(d);
                            Assert.True(twice < ad || (twice == ad && q.IsEven));
                            break;
                    }
                }
                E.Heap.PopRoots(ra);
            }
        }

        [Theory]
        [InlineData("round", "5", "2", "2", "1")]
        [InlineData("round", "7", "2", "4", "-1")]
        [InlineData("round", "-5", "2", "-2", "-1")]
        [InlineData("floor", "-7", "2", "-4", "1")]
        [InlineData("ceiling", "7", "2", "4", "-1")]
        [InlineData("truncate", "-7", "2", "-3", "-1")]
        [InlineData("floor", "7/2", "1", "3", "1/2")]
        [InlineData("round", "5/2", "1", "2", "1/2")]
        [InlineData("floor", "7.5", "2", "3", "1.5")]
        [InlineData("truncate", "-7.5d0", "2", "-3", "-1.5d0")]
        [InlineData("round", "2.5", "1", "2", "0.5")]
        [InlineData("floor", "1.0e20", "1", "100000000376832", "0.0")]
        public void DivisionFamily(string op, string a, string b, string q, string r)
        {
            RoundMode m = op == "floor" ? RoundMode.Floor : op == "ceiling" ? RoundMode.Ceiling : op == "round" ? RoundMode.Round : RoundMode.Truncate;
            ulong bw = E.Read(b); int rb = E.Heap.PushRoot(bw);
            if (op == "floor" && a == "1.0e20") { q = "100000002004087734272"; }
            Assert.Equal(NumStatus.Ok, E.Num.Divide(m, E.Read(a), E.Heap.Root(rb), out ulong qq, out ulong rr));
            Assert.Equal(q, S(qq)); Assert.Equal(r, S(rr));
        }

        string Op(Func<ulong, ulong, (NumStatus, ulong)> f, string a, string b)
        {
            ulong aw = E.Read(a); int ra = E.Heap.PushRoot(aw);
            ulong bw = E.Read(b);
            var (st, r) = f(E.Heap.Root(ra), bw);
            E.Heap.PopRoots(ra);
            return st == NumStatus.Ok ? S(r) : st.ToString();
        }

        [Theory]
        [InlineData("+", "1", "1.5", "2.5")]
        [InlineData("+", "1/2", "0.5d0", "1.0d0")]
        [InlineData("+", "1.5", "1.5d0", "3.0d0")]
        [InlineData("+", "1/3", "2/3", "1")]
        [InlineData("*", "2/3", "3/2", "1")]
        [InlineData("-", "1/2", "1/3", "1/6")]
        [InlineData("/", "1", "3", "1/3")]
        [InlineData("/", "1.0", "4", "0.25")]
        [InlineData("/", "1", "0", "DivisionByZero")]
        [InlineData("/", "1.5", "0", "DivisionByZero")]
        [InlineData("/", "1/2", "0", "DivisionByZero")]
        [InlineData("+", "2305843009213693951", "1", "2305843009213693952")]
        [InlineData("*", "3037000500", "3037000500", "9223372037000250000")]
        [InlineData("-", "-2305843009213693952", "1", "-2305843009213693953")]
        [InlineData("expt", "2", "100", "1267650600228229401496703205376")]
        [InlineData("expt", "2/3", "3", "8/27")]
        [InlineData("expt", "2", "-2", "1/4")]
        [InlineData("expt", "0", "-1", "DivisionByZero")]
        [InlineData("expt", "2.0", "0.5", "1.4142135")]
        [InlineData("expt", "2d0", "10", "1024.0d0")]
        [InlineData("expt", "1.5", "0", "1.0")]
        [InlineData("expt", "-1", "100000000000000000000000001", "-1")]
        [InlineData("+", "a", "1", "NotANumber")]
        [InlineData("*", "1.0e30", "1.0e30", "FloatOverflow")]
        [InlineData("+", "5/12", "7/18", "29/36")]
        [InlineData("-", "7/18", "5/12", "-1/36")]
        [InlineData("-", "1/6", "1/6", "0")]
        [InlineData("+", "1/6", "5/6", "1")]
        [InlineData("*", "-5/12", "18/7", "-15/14")]
        [InlineData("*", "4/9", "9/4", "1")]
        [InlineData("/", "2/3", "-4/9", "-3/2")]
        [InlineData("/", "6", "-4", "-3/2")]
        [InlineData("/", "-6", "3", "-2")]
        [InlineData("/", "3/4", "3/4", "1")]
        [InlineData("*", "0", "7/3", "0")]
        [InlineData("/", "0", "-7/3", "0")]
        [InlineData("+", "1/340282366920938463463374607431768211456", "1/2", "170141183460469231731687303715884105729/340282366920938463463374607431768211456")]
        [InlineData("*", "340282366920938463463374607431768211456/3", "9/18446744073709551616", "55340232221128654848")]
        [InlineData("lcm", "4", "6", "12")]
        [InlineData("ior", "-8", "3", "-5")]
        public void Generic(string op, string a, string b, string expect)
        {
            Func<ulong, ulong, (NumStatus, ulong)> f = op switch
            {
                "+" => (x, y) => (E.Num.Add(x, y, out ulong r), r),
                "-" => (x, y) => (E.Num.Sub(x, y, out ulong r), r),
                "*" => (x, y) => (E.Num.Mul(x, y, out ulong r), r),
                "/" => (x, y) => (E.Num.Div(x, y, out ulong r), r),
                "expt" => (x, y) => (E.Num.Expt(x, y, out ulong r), r),
                "lcm" => (x, y) => (E.Num.Lcm(x, y, out ulong r), r),
                _ => (x, y) => (E.Num.Logic(1, x, y, out ulong r), r),
            };
            Assert.Equal(expect, Op(f, a, b));
        }

        // Ratio + - * / (Knuth's gcd tricks) against fractions normalised by BigInteger.
        [Fact]
        public void RatiosMatchBigIntegerFractions()
        {
            var rng = new Random(13);
            static (BigInteger, BigInteger) Norm(BigInteger n, BigInteger d)
            {
                if (d.Sign < 0) { n = -n; d = -d; }
                BigInteger g = BigInteger.GreatestCommonDivisor(n, d);
                return g.IsZero ? (n, d) : (n / g, d / g);
            }
            string Text((BigInteger n, BigInteger d) f) => f.d.IsOne ? f.n.ToString() : f.n + "/" + f.d;
            for (int i = 0; i < 600; i++)
            {
                BigInteger common = BigInteger.Abs(BigArithTests.RandomBig(rng, 200)) + 1;
                BigInteger an = BigArithTests.RandomBig(rng, 300), ad = (BigInteger.Abs(BigArithTests.RandomBig(rng, 300)) + 1) * (i % 2 == 0 ? common : 1);
                BigInteger bn = BigArithTests.RandomBig(rng, 300), bd = (BigInteger.Abs(BigArithTests.RandomBig(rng, 300)) + 1) * common;
                var fa = Norm(an, ad); var fb = Norm(bn, bd);
                ulong x = E.Read(Text(fa)), y = E.Read(Text(fb));
                int mark = E.Heap.RootMark(); E.Heap.PushRoot(x); E.Heap.PushRoot(y);
                Assert.Equal(NumStatus.Ok, E.Num.Add(x, y, out ulong r)); Assert.Equal(Text(Norm(fa.Item1 * fb.Item2 + fb.Item1 * fa.Item2, fa.Item2 * fb.Item2)), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.Sub(x, y, out r)); Assert.Equal(Text(Norm(fa.Item1 * fb.Item2 - fb.Item1 * fa.Item2, fa.Item2 * fb.Item2)), S(r));
                Assert.Equal(NumStatus.Ok, E.Num.Mul(x, y, out r)); Assert.Equal(Text(Norm(fa.Item1 * fb.Item1, fa.Item2 * fb.Item2)), S(r));
                if (!fb.Item1.IsZero) { Assert.Equal(NumStatus.Ok, E.Num.Div(x, y, out r)); Assert.Equal(Text(Norm(fa.Item1 * fb.Item2, fa.Item2 * fb.Item1)), S(r)); }
                E.Heap.PopRoots(mark);
            }
        }

        [Fact]
        public void ComparisonsAreExact()
        {
            Assert.Equal(NumStatus.Ok, E.Num.Compare(E.Read("1/3"), E.Read("0.33333334"), out int c)); Assert.Equal(-1, c);
            E.Num.Compare(E.Read("1/2"), E.Read("0.5d0"), out c); Assert.Equal(0, c);
            E.Num.Compare(E.Read("9007199254740993"), E.Read("9007199254740992d0"), out c); Assert.Equal(1, c);
            E.Num.NumEquals(E.Read("1"), E.Read("1.0"), out bool eq); Assert.True(eq);
            E.Num.Rational(E.Read("0.5"), out ulong r); Assert.Equal("1/2", S(r));
            E.Num.Float(E.Read("1/3"), true, out r); Assert.Equal("0.3333333333333333d0", S(r));
            E.Num.Float(E.Read("123456789012345678901234567890"), false, out r); Assert.Equal("1.2345679e29", S(r));
        }

        [Fact]
        public void MathEntryPoints()
        {
            Assert.Equal(NumStatus.Ok, E.Num.Math1(MathFn.Sqrt, E.Read("4"), out ulong r)); Assert.Equal("2.0", S(r));
            E.Num.Math1(MathFn.Sqrt, E.Read("2d0"), out r); Assert.Equal("1.4142135623730951d0", S(r));
            Assert.Equal(NumStatus.Unsupported, E.Num.Math1(MathFn.Sqrt, E.Read("-4"), out r));
            Assert.Equal(NumStatus.DivisionByZero, E.Num.Math1(MathFn.Log, E.Read("0"), out r));
            E.Num.Math1(MathFn.Exp, E.Read("1d0"), out r); Assert.Equal("2.718281828459045d0", S(r));
            E.Num.Atan2(E.Read("1d0"), E.Read("1"), out r); Assert.Equal("0.7853981633974483d0", S(r));
            E.Num.Math1(MathFn.Sin, E.Read("0"), out r); Assert.Equal("0.0", S(r));
        }

        [Fact]
        public void InterruptPollStopsLongOperations()
        {
            Assert.Equal(NumStatus.Ok, E.Num.Expt(W.Fix(3), W.Fix(20000), out ulong big));
            int rb = E.Heap.PushRoot(big);
            E.Num.Poll = new AlwaysPoll();
            Assert.Equal(NumStatus.Interrupted, E.Num.Mul(E.Heap.Root(rb), E.Heap.Root(rb), out _));
            E.Num.Poll = null;
            Assert.Equal(NumStatus.Ok, E.Num.Mul(E.Heap.Root(rb), E.Heap.Root(rb), out _));
        }

        sealed class AlwaysPoll : IInterruptPoll { public bool InterruptPending() => true; }
    }
}
