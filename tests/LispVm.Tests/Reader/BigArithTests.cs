// Why: checks the register-level bignum kernels (Knuth D, two's-complement logic, ash,
// radix text) against System.Numerics.BigInteger on random operands of many sizes.
using System.Numerics;
using LispVm.Reader.Numbers;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class BigArithTests
    {
        static readonly BigArith Ar = new BigArith(4096);

        internal static void Load(Big r, BigInteger v)
        {
            r.Neg = v.Sign < 0;
            byte[] b = BigInteger.Abs(v).ToByteArray(isUnsigned: true, isBigEndian: false);
            int n = (b.Length + 3) / 4;
            for (int i = 0; i < n; i++)
            {
                uint d = 0;
                for (int k = 0; k < 4; k++) if (i * 4 + k < b.Length) d |= (uint)b[i * 4 + k] << (8 * k);
                r.D[i] = d;
            }
            r.N = n; r.Trim();
        }

        internal static BigInteger Get(Big r)
        {
            BigInteger v = BigInteger.Zero;
            for (int i = r.N - 1; i >= 0; i--) v = (v << 32) + r.D[i];
            return r.Neg ? -v : v;
        }

        internal static BigInteger RandomBig(Random rng, int maxBits)
        {
            int bits = rng.Next(0, maxBits + 1);
            byte[] b = new byte[bits / 8 + 1];
            rng.NextBytes(b);
            var v = new BigInteger(b, isUnsigned: true);
            v &= (BigInteger.One << bits) - 1;
            if (rng.Next(4) == 0) v = (BigInteger.One << bits) - 1;   // all-ones edge cases
            return rng.Next(2) == 0 ? -v : v;
        }

        [Fact]
        public void ArithmeticMatchesBigInteger()
        {
            var rng = new Random(42);
            Big a = Ar.NewRegister(), b = Ar.NewRegister(), r = Ar.NewRegister(), q = Ar.NewRegister();
            for (int iter = 0; iter < 3000; iter++)
            {
                int bits = iter % 3 == 0 ? 3500 : 200;
                BigInteger x = RandomBig(rng, bits), y = RandomBig(rng, iter % 5 == 0 ? 40 : bits);
                Load(a, x); Load(b, y);
                Assert.Equal(NumStatus.Ok, Ar.Add(a, b, r)); Assert.Equal(x + y, Get(r));
                Assert.Equal(NumStatus.Ok, Ar.Sub(a, b, r)); Assert.Equal(x - y, Get(r));
                Assert.Equal(NumStatus.Ok, Ar.Mul(a, b, r)); Assert.Equal(x * y, Get(r));
                Assert.Equal(BigArith.Compare(a, b), x.CompareTo(y) < 0 ? -1 : x.CompareTo(y) > 0 ? 1 : 0);
                if (!y.IsZero)
                {
                    Assert.Equal(NumStatus.Ok, Ar.Truncate(a, b, q, r));
                    Assert.Equal(BigInteger.Divide(x, y), Get(q));
                    Assert.Equal(BigInteger.Remainder(x, y), Get(r));
                    Assert.Equal(NumStatus.Ok, Ar.Floor(a, b, q, r));
                    BigInteger fq = BigInteger.Divide(x, y), fr = x - fq * y;
                    if (!fr.IsZero && (fr.Sign < 0) != (y.Sign < 0)) { fq -= 1; fr += y; }
                    Assert.Equal(fq, Get(q)); Assert.Equal(fr, Get(r));
                }
                else Assert.Equal(NumStatus.DivisionByZero, Ar.Truncate(a, b, q, r));
                Assert.Equal(NumStatus.Ok, Ar.Gcd(a, b, r)); Assert.Equal(BigInteger.GreatestCommonDivisor(x, y), Get(r));
                Assert.Equal(NumStatus.Ok, Ar.Logic(0, a, b, r)); Assert.Equal(x & y, Get(r));
                Assert.Equal(NumStatus.Ok, Ar.Logic(1, a, b, r)); Assert.Equal(x | y, Get(r));
                Assert.Equal(NumStatus.Ok, Ar.Logic(2, a, b, r)); Assert.Equal(x ^ y, Get(r));
                Assert.Equal(NumStatus.Ok, Ar.Not(a, r)); Assert.Equal(-x - 1, Get(r));
                int s = rng.Next(-300, 300);
                Assert.Equal(NumStatus.Ok, Ar.Ash(a, s, r));
                Assert.Equal(s >= 0 ? x << s : x >> -s, Get(r));   // BigInteger >> floors
            }
        }

        // Lehmer's gcd on operands with a large common factor (many simulated steps, then
        // linear combinations with cofactors of both sign patterns), very unequal sizes
        // (full division steps) and consecutive Fibonacci numbers (all quotients 1).
        [Fact]
        public void LehmerGcdMatchesBigInteger()
        {
            var rng = new Random(7);
            Big a = Ar.NewRegister(), b = Ar.NewRegister(), r = Ar.NewRegister();
            for (int iter = 0; iter < 2000; iter++)
            {
                BigInteger g = BigInteger.Abs(RandomBig(rng, iter % 4 == 0 ? 2000 : 300)) + 1;
                BigInteger x = RandomBig(rng, iter % 7 == 0 ? 6000 : 600) * g, y = RandomBig(rng, iter % 3 == 0 ? 64 : 600) * g;
                Load(a, x); Load(b, y);
                Assert.Equal(NumStatus.Ok, Ar.Gcd(a, b, r));
                Assert.Equal(BigInteger.GreatestCommonDivisor(x, y), Get(r));
            }
            BigInteger f0 = 1, f1 = 1;
            for (int i = 0; i < 3000; i++)
            {
                BigInteger t = f0 + f1; f0 = f1; f1 = t;
                if (i % 97 != 0) continue;
                Load(a, f1 * 12); Load(b, f0 * 18);
                Assert.Equal(NumStatus.Ok, Ar.Gcd(a, b, r));
                Assert.Equal(BigInteger.GreatestCommonDivisor(f1 * 12, f0 * 18), Get(r));
            }
        }

        // Karatsuba above the threshold: equal, unequal (chunked) and lopsided lengths, and
        // all-ones operands whose half sums carry.
        [Fact]
        public void KaratsubaMatchesBigInteger()
        {
            var rng = new Random(11);
            Big a = Ar.NewRegister(), b = Ar.NewRegister(), r = Ar.NewRegister();
            int[] digits = { Karatsuba.Threshold - 1, Karatsuba.Threshold, 41, 79, 80, 81, 127, 300, 513, 1000, 2047 };
            foreach (int da in digits)
                foreach (int db in digits)
                {
                    BigInteger x = (BigInteger.One << (32 * da)) - 1, y = (BigInteger.One << (32 * db)) - 1;
                    if (((da + db) & 1) == 0)
                    {
                        x = BigInteger.Abs(RandomBig(rng, 32 * da)) | (BigInteger.One << (32 * da - 1));
                        y = -(BigInteger.Abs(RandomBig(rng, 32 * db)) | (BigInteger.One << (32 * db - 1)));
                    }
                    Load(a, x); Load(b, y);
                    Assert.Equal(NumStatus.Ok, Ar.Mul(a, b, r));
                    Assert.Equal(x * y, Get(r));
                }
        }

        [Fact]
        public void RadixTextRoundTrips()
        {
            var rng = new Random(7);
            Big a = Ar.NewRegister(), b = Ar.NewRegister();
            byte[] buf = new byte[20000];
            for (int iter = 0; iter < 500; iter++)
            {
                BigInteger x = BigInteger.Abs(RandomBig(rng, 3400));
                int radix = 2 + rng.Next(35);
                Load(a, x);
                int n = Ar.ToDigits(a, radix, buf);
                Assert.True(n > 0);
                if (radix == 10) Assert.Equal(x.ToString(), System.Text.Encoding.ASCII.GetString(buf, 0, n));
                Assert.Equal(NumStatus.Ok, Ar.FromDigits(buf, 0, n, radix, false, b));
                Assert.Equal(x, Get(b));
            }
        }

        // Divide and conquer by cached powers 10^(9*2^j) above DecimalText.Threshold digits:
        // sizes around every level boundary, numbers with long zero and nine runs (chunks
        // that are zero or all nines), and 10,000-digit round trips, against BigInteger.
        [Fact]
        public void DecimalTextMatchesBigIntegerAtEverySize()
        {
            var big = new BigArith(8192);
            var rng = new Random(19);
            Big a = big.NewRegister(), b = big.NewRegister();
            byte[] buf = new byte[8192 * 32 + 16];
            var sizes = new System.Collections.Generic.List<int>();
            for (int d = 300; d < 80000; d = d * 5 / 4) sizes.Add(d);
            for (int j = 5; j < 13; j++) { int p = 9 << j; sizes.Add(p - 1); sizes.Add(p); sizes.Add(p + 1); }
            sizes.Add(10000); sizes.Add(10001);
            foreach (int digits in sizes)
                for (int kind = 0; kind < 4; kind++)
                {
                    var sb = new System.Text.StringBuilder();
                    sb.Append((char)('1' + rng.Next(9)));
                    for (int i = 1; i < digits; i++)
                        sb.Append(kind == 1 ? '0' : kind == 2 ? '9' : (char)('0' + rng.Next(10)));
                    if (kind == 3) for (int i = digits / 3; i < digits / 2; i++) sb[i] = '0';
                    string text = sb.ToString();
                    BigInteger x = BigInteger.Parse(text);
                    if (x.GetBitLength() > 8192 * 32) continue;
                    byte[] t = System.Text.Encoding.ASCII.GetBytes(text);
                    Assert.Equal(NumStatus.Ok, big.FromDigits(t, 0, t.Length, 10, kind == 0, b));
                    Assert.Equal(kind == 0 ? -x : x, Get(b));
                    Load(a, x);
                    int n = big.ToDigits(a, 10, buf);
                    Assert.Equal(text, System.Text.Encoding.ASCII.GetString(buf, 0, n));
                }
            byte[] bad = System.Text.Encoding.ASCII.GetBytes(new string('7', 5000) + "x" + new string('7', 5000));
            Assert.Equal(NumStatus.NotANumber, big.FromDigits(bad, 0, bad.Length, 10, false, b));
            byte[] huge = System.Text.Encoding.ASCII.GetBytes(new string('9', 90000));
            Assert.Equal(NumStatus.TooLarge, big.FromDigits(huge, 0, huge.Length, 10, false, b));
        }

        // q*d + r = n and |r| < |d| with the remainder's sign rule of each operator, random
        // operands from one digit to 3,000 digits, divisors of one digit (the fast path),
        // equal lengths and near-powers of two (Knuth D's qhat corrections).
        [Fact]
        public void DivisionIdentityHolds()
        {
            var rng = new Random(23);
            Big a = Ar.NewRegister(), b = Ar.NewRegister(), q = Ar.NewRegister(), r = Ar.NewRegister();
            for (int iter = 0; iter < 1500; iter++)
            {
                int nb = iter % 4 == 0 ? 32 : rng.Next(1, 3000 * 32);
                BigInteger n = RandomBig(rng, rng.Next(1, 96000)), d = RandomBig(rng, nb);
                if (iter % 5 == 0) d = (rng.Next(2) == 0 ? 1 : -1) * ((BigInteger.One << nb) - rng.Next(3));
                if (d.IsZero) d = 7;
                Load(a, n); Load(b, d);
                Assert.Equal(NumStatus.Ok, Ar.Truncate(a, b, q, r));
                BigInteger tq = Get(q), tr = Get(r);
                Assert.Equal(n, tq * d + tr);
                Assert.True(BigInteger.Abs(tr) < BigInteger.Abs(d));
                Assert.True(tr.IsZero || tr.Sign == n.Sign);
                Assert.Equal(NumStatus.Ok, Ar.Floor(a, b, q, r));
                BigInteger fq = Get(q), fr = Get(r);
                Assert.Equal(n, fq * d + fr);
                Assert.True(BigInteger.Abs(fr) < BigInteger.Abs(d));
                Assert.True(fr.IsZero || fr.Sign == d.Sign);
            }
        }

        // Operands built from limbs 0, 1, 2^32-1, 2^63-1, 2^63, 2^64-1: the qhat = b-1 case,
        // both D3 corrections and the rare add-back of algorithm D on 64-bit limbs (hit 56 times
        // with this seed when counted).
        [Fact]
        public void DivisionOfStructuredLimbs()
        {
            var rng = new Random(41);
            ulong[] pick = { 0, 1, 0xFFFFFFFFUL, 0x7FFFFFFFFFFFFFFFUL, 0x8000000000000000UL, ulong.MaxValue };
            Big a = Ar.NewRegister(), b = Ar.NewRegister(), q = Ar.NewRegister(), r = Ar.NewRegister();
            for (int iter = 0; iter < 20000; iter++)
            {
                BigInteger n = 0, d = 0;
                int ln = rng.Next(1, 8), ld = rng.Next(1, 5);
                for (int k = 0; k < ln; k++) n = (n << 64) + (rng.Next(8) == 0 ? (ulong)rng.NextInt64() : pick[rng.Next(pick.Length)]);
                for (int k = 0; k < ld; k++) d = (d << 64) + (rng.Next(8) == 0 ? (ulong)rng.NextInt64() : pick[rng.Next(pick.Length)]);
                if (iter % 3 == 0) d >>= rng.Next(64);
                if (d.IsZero) continue;
                Load(a, n); Load(b, d);
                Assert.Equal(NumStatus.Ok, Ar.Truncate(a, b, q, r));
                Assert.Equal(BigInteger.Divide(n, d), Get(q));
                Assert.Equal(BigInteger.Remainder(n, d), Get(r));
            }
        }

        [Fact]
        public void WideMatchesUInt128()
        {
            var rng = new Random(43);
            ulong[] pick = { 0, 1, 0xFFFFFFFFUL, 0x100000000UL, 0x7FFFFFFFFFFFFFFFUL, 0x8000000000000000UL, ulong.MaxValue };
            for (int iter = 0; iter < 200000; iter++)
            {
                ulong x = iter % 2 == 0 ? (ulong)rng.NextInt64() << rng.Next(2) : pick[rng.Next(pick.Length)];
                ulong y = iter % 3 == 0 ? (ulong)rng.NextInt64() << rng.Next(2) : pick[rng.Next(pick.Length)];
                UInt128 p = (UInt128)x * y;
                Assert.Equal((ulong)(p >> 64), Wide.MulHi(x, y, out ulong lo));
                Assert.Equal((ulong)p, lo);
                ulong d = y | 0x8000000000000000UL, hi = x % d;
                UInt128 num = ((UInt128)hi << 64) | y;
                Assert.Equal((ulong)(num / d), Wide.Div(hi, y, d, out ulong rem));
                Assert.Equal((ulong)(num % d), rem);
                Assert.Equal(x == 0 ? 64 : System.Numerics.BitOperations.LeadingZeroCount(x), Wide.Nlz(x));
            }
        }
    }
}
