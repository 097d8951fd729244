// Why: complex numbers at the numbers-module level: #C read/print, canonical rational
// complexes, float arithmetic against System.Numerics.Complex, exact rational arithmetic
// surviving collections (GC stress: the parts are moved between every allocation), and
// the elementary functions with their branch cuts (ComplexFns) against System.Numerics.
using System.Numerics;
using LispVm.Gc;
using LispVm.Reader;
using LispVm.Reader.Numbers;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class ComplexTests
    {
        readonly ReaderEnv E = new ReaderEnv();

        [Theory]
        [InlineData("#C(1 2)", "#C(1 2)")]
        [InlineData("#c(1.0 2)", "#C(1.0 2.0)")]
        [InlineData("#C(3 0)", "3")]
        [InlineData("#C(4/2 0/5)", "2")]
        [InlineData("#C(1/2 -3/4)", "#C(1/2 -3/4)")]
        [InlineData("#C(1/2 -0.5d0)", "#C(0.5d0 -0.5d0)")]
        [InlineData("#C(1.5 0)", "#C(1.5 0.0)")]
        [InlineData("#C(0 100000000000000000000)", "#C(0 100000000000000000000)")]
        [InlineData("(#C(1 2) . #c(-1 -2))", "(#C(1 2) . #C(-1 -2))")]
        public void ReadAndPrint(string text, string printed) => Assert.Equal(printed, E.RT(text));

        [Theory]
        [InlineData("#C(1 2 3)")]
        [InlineData("#C(1)")]
        [InlineData("#C(a 1)")]
        [InlineData("#C(#C(1 2) 1)")]
        [InlineData("#C 5")]
        [InlineData("#C(1 . 2)")]
        public void BadComplexSyntaxIsAReadError(string text)
        {
            Assert.Equal(ReadStatus.Error, E.TryRead(text, out _));
            Assert.Contains("#C needs a list of two reals", E.Error());
        }

        [Fact]
        public void ReadSuppressSkipsAnyComplexSyntax()
        {
            E.ReadOpts.Suppress = true;
            Assert.Equal(ReadStatus.Ok, E.TryRead("#C(1 2 3)", out ulong v));
            Assert.Equal(W.Nil, v);
            E.ReadOpts.Suppress = false;
        }

        string Op(string op, string a, string b)
        {
            int m = E.Heap.RootMark();
            int ra = E.Heap.PushRoot(E.Read(a));
            int rb = E.Heap.PushRoot(E.Read(b));
            ulong x = E.Heap.Root(ra), y = E.Heap.Root(rb), r;
            NumStatus st = op == "+" ? E.Num.Add(x, y, out r) : op == "-" ? E.Num.Sub(x, y, out r)
                : op == "*" ? E.Num.Mul(x, y, out r) : E.Num.Div(x, y, out r);
            E.Heap.PopRoots(m);
            return st == NumStatus.Ok ? E.Print(r) : st.ToString();
        }

        [Theory]
        [InlineData("+", "#C(1 2)", "#C(3 4)", "#C(4 6)")]
        [InlineData("-", "#C(1 2)", "#C(1 2)", "0")]
        [InlineData("-", "#C(1 2)", "#C(0 2)", "1")]
        [InlineData("*", "#C(0 1)", "#C(0 1)", "-1")]
        [InlineData("*", "#C(1 1)", "#C(1 -1)", "2")]
        [InlineData("/", "#C(1 2)", "#C(3 4)", "#C(11/25 2/25)")]
        [InlineData("/", "#C(4 6)", "2", "#C(2 3)")]
        [InlineData("/", "1", "#C(0 1)", "#C(0 -1)")]
        [InlineData("+", "1/2", "#C(1/2 1)", "#C(1 1)")]
        [InlineData("+", "1.5", "#C(1 2)", "#C(2.5 2.0)")]
        [InlineData("*", "2", "#C(1.0 -1.0)", "#C(2.0 -2.0)")]
        [InlineData("+", "#C(1.0 2.0)", "#C(-1.0 -2.0)", "#C(0.0 0.0)")]
        [InlineData("+", "#C(1 2)", "#C(1d0 0d0)", "#C(2.0d0 2.0d0)")]
        [InlineData("+", "#C(1.0 2.0)", "1d0", "#C(2.0d0 2.0d0)")]
        [InlineData("*", "#C(100000000000000000000 1)", "#C(100000000000000000000 -1)", "10000000000000000000000000000000000000001")]
        [InlineData("/", "#C(1 2)", "0", "DivisionByZero")]
        [InlineData("/", "#C(1.0 2.0)", "#C(0.0 0.0)", "DivisionByZero")]
        public void Arithmetic(string op, string a, string b, string expected) => Assert.Equal(expected, Op(op, a, b));

        [Fact]
        public void EqualityAndNegation()
        {
            Assert.Equal(NumStatus.Ok, E.Num.NumEquals(E.Read("#C(1.0 0.0)"), W.Fix(1), out bool eq)); Assert.True(eq);
            Assert.Equal(NumStatus.Ok, E.Num.NumEquals(E.Read("#C(1 2)"), E.Read("#C(1.0 2.0)"), out eq)); Assert.True(eq);
            Assert.Equal(NumStatus.Ok, E.Num.NumEquals(E.Read("#C(1 2)"), E.Read("#C(1 3)"), out eq)); Assert.False(eq);
            Assert.Equal(NumStatus.NotANumber, E.Num.Compare(E.Read("#C(1 2)"), W.Fix(1), out _));
            Assert.Equal(NumStatus.Ok, E.Num.Negate(E.Read("#C(1/2 -3)"), out ulong n));
            Assert.Equal("#C(-1/2 3)", E.Print(n));
            Assert.True(E.Heap.Eql(E.Read("#C(1/3 2)"), E.Read("#C(1/3 2)")));
            Assert.False(E.Heap.Eql(E.Read("#C(1 2)"), E.Read("#C(1.0 2.0)")));
            Assert.True(E.Heap.Equalp(E.Read("#C(2.0 0.0)"), W.Fix(2)));
        }

        static void Close(Complex want, double re, double im, double tol, string what)
        {
            double scale = Math.Max(1.0, Complex.Abs(want));
            Assert.True(Math.Abs(want.Real - re) <= tol * scale && Math.Abs(want.Imaginary - im) <= tol * scale,
                $"{what}: ours ({re:R}, {im:R}) vs ({want.Real:R}, {want.Imaginary:R})");
        }

        void Parts(ulong w, out double re, out double im)
        {
            E.Num.ComplexParts(w, out re, out im, out _);
        }

        [Fact]
        public void DoubleArithmeticMatchesSystemNumerics()
        {
            var rng = new Random(13);
            for (int i = 0; i < 2000; i++)
            {
                Complex a = new Complex(rng.NextDouble() * 200 - 100, rng.NextDouble() * 200 - 100);
                Complex b = new Complex(rng.NextDouble() * 200 - 100, rng.NextDouble() * 200 - 100);
                int m = E.Heap.RootMark();
                Assert.Equal(NumStatus.Ok, E.Num.ComplexFloat(a.Real, a.Imaginary, true, out ulong x));
                int rx = E.Heap.PushRoot(x);
                Assert.Equal(NumStatus.Ok, E.Num.ComplexFloat(b.Real, b.Imaginary, true, out ulong y));
                int ry = E.Heap.PushRoot(y);
                ulong r;
                Assert.Equal(NumStatus.Ok, E.Num.Add(E.Heap.Root(rx), E.Heap.Root(ry), out r)); Parts(r, out double re, out double im); Close(a + b, re, im, 1e-15, "+");
                Assert.Equal(NumStatus.Ok, E.Num.Sub(E.Heap.Root(rx), E.Heap.Root(ry), out r)); Parts(r, out re, out im); Close(a - b, re, im, 1e-15, "-");
                Assert.Equal(NumStatus.Ok, E.Num.Mul(E.Heap.Root(rx), E.Heap.Root(ry), out r)); Parts(r, out re, out im); Close(a * b, re, im, 1e-13, "*");
                Assert.Equal(NumStatus.Ok, E.Num.Div(E.Heap.Root(rx), E.Heap.Root(ry), out r)); Parts(r, out re, out im); Close(a / b, re, im, 1e-13, "/");
                E.Heap.PopRoots(m);
            }
        }

        [Fact]
        public void ExactArithmeticSurvivesCollectionsBetweenAllocations()
        {
            // Minor GC at every allocation, full every 64: ComplexArith must keep its parts rooted.
            var S = new ReaderEnv(new HeapOptions { StressMinorEvery = 1, StressFullEvery = 64 });
            var rng = new Random(17);
            for (int i = 0; i < 200; i++)
            {
                BigInteger ar = BigArithTests.RandomBig(rng, 100), ai = BigArithTests.RandomBig(rng, 100) + 1;
                BigInteger br = BigArithTests.RandomBig(rng, 100), bi = BigArithTests.RandomBig(rng, 100) + 1;
                if (ai.IsZero) ai = 1;
                if (bi.IsZero) bi = 7;
                int m = S.Heap.RootMark();
                int ra = S.Heap.PushRoot(S.Read($"#C({ar}/3 {ai})"));
                int rb = S.Heap.PushRoot(S.Read($"#C({br} {bi}/5)"));
                // (a * b) / b == a and (a + b) - b == a, exactly
                string a = S.Print(S.Heap.Root(ra));
                Assert.Equal(NumStatus.Ok, S.Num.Mul(S.Heap.Root(ra), S.Heap.Root(rb), out ulong p));
                int rp = S.Heap.PushRoot(p);
                Assert.Equal(NumStatus.Ok, S.Num.Div(S.Heap.Root(rp), S.Heap.Root(rb), out ulong q));
                Assert.Equal(a, S.Print(q));
                Assert.Equal(NumStatus.Ok, S.Num.Add(S.Heap.Root(ra), S.Heap.Root(rb), out ulong s));
                Assert.Equal(NumStatus.Ok, S.Num.Sub(s, S.Heap.Root(rb), out ulong d));
                Assert.True(S.Heap.Eql(d, S.Heap.Root(ra)), S.Print(d) + " vs " + a);
                // the real part of a*b is ar/3*br - ai*bi/5
                BigInteger num = ar * br * 5 - ai * bi * 3, den = 15, g = BigInteger.GreatestCommonDivisor(num, den);
                if (g.Sign < 0) g = -g;
                string want = (den / g).IsOne ? (num / g).ToString() : $"{num / g}/{den / g}";
                Assert.Equal(want, S.Print(Num.RealPartOf(S.Heap.Root(rp))));
                S.Heap.PopRoots(m);
            }
            S.Heap.Destroy();
        }

        static readonly (ComplexFn fn, Func<Complex, Complex> theirs)[] Fns =
        {
            (ComplexFn.Sqrt, Complex.Sqrt), (ComplexFn.Exp, Complex.Exp), (ComplexFn.Log, Complex.Log),
            (ComplexFn.Sin, Complex.Sin), (ComplexFn.Cos, Complex.Cos), (ComplexFn.Tan, Complex.Tan),
            (ComplexFn.Sinh, Complex.Sinh), (ComplexFn.Cosh, Complex.Cosh), (ComplexFn.Tanh, Complex.Tanh),
            (ComplexFn.Asin, Complex.Asin), (ComplexFn.Acos, Complex.Acos), (ComplexFn.Atan, Complex.Atan),
            // CLHS's defining formulas for the inverse hyperbolics (no System.Numerics versions)
            (ComplexFn.Asinh, z => Complex.Log(z + Complex.Sqrt(1 + z * z))),
            (ComplexFn.Acosh, z => 2 * Complex.Log(Complex.Sqrt((z + 1) / 2) + Complex.Sqrt((z - 1) / 2))),
            (ComplexFn.Atanh, z => (Complex.Log(1 + z) - Complex.Log(1 - z)) / 2),
        };

        [Fact]
        public void ElementaryFunctionsMatchSystemNumericsOffTheCuts()
        {
            var rng = new Random(19);
            foreach (var (fn, theirs) in Fns)
                for (int i = 0; i < 3000; i++)
                {
                    double x = (rng.NextDouble() * 2 - 1) * (i % 3 == 0 ? 0.9 : 4), y = (rng.NextDouble() * 2 - 1) * (i % 3 == 0 ? 0.9 : 4);
                    if (Math.Abs(x) < 1e-3 || Math.Abs(y) < 1e-3) continue;   // keep off the axes (cuts)
                    Assert.True(ComplexFns.Apply(fn, x, y, out double re, out double im));
                    Close(theirs(new Complex(x, y)), re, im, 1e-12, $"{fn}({x:R}, {y:R})");
                }
        }

        string Fn(ComplexFn fn, string arg)
        {
            int m = E.Heap.RootMark();
            NumStatus st = E.Num.ComplexMath(fn, E.Read(arg), out ulong r);
            E.Heap.PopRoots(m);
            return st == NumStatus.Ok ? E.Print(r) : st.ToString();
        }

        // Values on the cuts: CLHS 12.1.5.3 and the functions' pages say which quadrant a
        // real argument on a cut is continuous with; a float complex's signed zero decides.
        [Theory]
        [InlineData(ComplexFn.Sqrt, "-4", "#C(0.0 2.0)")]
        [InlineData(ComplexFn.Sqrt, "#C(-4.0 -0.0)", "#C(0.0 -2.0)")]
        [InlineData(ComplexFn.Sqrt, "-4d0", "#C(0.0d0 2.0d0)")]
        [InlineData(ComplexFn.Log, "-1", "#C(0.0 3.1415927)")]
        [InlineData(ComplexFn.Log, "#C(-1.0 -0.0)", "#C(0.0 -3.1415927)")]
        [InlineData(ComplexFn.Log, "0", "DivisionByZero")]
        [InlineData(ComplexFn.Asin, "2", "#C(1.5707964 -1.316958)")]       // quadrant IV
        [InlineData(ComplexFn.Asin, "-2", "#C(-1.5707964 1.316958)")]      // quadrant II
        [InlineData(ComplexFn.Asin, "#C(2.0 0.0)", "#C(1.5707964 1.316958)")]
        [InlineData(ComplexFn.Acos, "2", "#C(0.0 1.316958)")]
        [InlineData(ComplexFn.Acos, "-2", "#C(3.1415927 -1.316958)")]
        [InlineData(ComplexFn.Acosh, "-2", "#C(1.316958 3.1415927)")]
        [InlineData(ComplexFn.Acosh, "1/2", "#C(0.0 1.0471976)")]
        [InlineData(ComplexFn.Atanh, "2", "#C(0.54930615 1.5707964)")]
        [InlineData(ComplexFn.Atanh, "1", "DivisionByZero")]
        [InlineData(ComplexFn.Atan, "#C(0 1)", "DivisionByZero")]
        [InlineData(ComplexFn.Exp, "#C(0 1)", "#C(0.5403023 0.84147096)")]
        [InlineData(ComplexFn.Tanh, "#C(1d0 1d0)", "#C(1.0839233273386946d0 0.27175258531951174d0)")]
        public void BranchCutsAndExactValues(ComplexFn fn, string arg, string expected) => Assert.Equal(expected, Fn(fn, arg));

        [Fact]
        public void ExptWithComplexResultsAndBases()
        {
            string Expt(string b, string p)
            {
                int m = E.Heap.RootMark();
                int rb = E.Heap.PushRoot(E.Read(b));
                ulong pw = E.Read(p);
                NumStatus st = E.Num.Expt(E.Heap.Root(rb), pw, out ulong r);
                E.Heap.PopRoots(m);
                return st == NumStatus.Ok ? E.Print(r) : st.ToString();
            }
            Assert.Equal("-1", Expt("#C(0 1)", "2"));
            Assert.Equal("#C(0 -1)", Expt("#C(0 1)", "-1"));
            Assert.Equal("-4", Expt("#C(1 1)", "4"));
            Assert.Equal("1", Expt("#C(1 1)", "0"));
            Assert.Equal("#C(1.0 0.0)", Expt("#C(2.0 1.0)", "0"));
            Assert.Equal("#C(1.0 1.7320508)", Expt("-8", "1/3"));
            Assert.Equal("#C(0.70710677 0.70710677)", Expt("#C(0 1)", "1/2"));
            Assert.Equal("1.0", Expt("-3", "0.0"));
            Assert.Equal("#C(0.0 0.0)", Expt("0", "#C(1 1)"));
            Assert.Equal("DivisionByZero", Expt("0", "#C(-1 1)"));
        }
    }
}
