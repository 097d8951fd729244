// Why: our float printer must give the shortest round-trip digits and our parser the
// correctly rounded bits; .NET's "R" formatting and double.Parse are the reference.
using System.Globalization;
using System.Numerics;
using LispVm.Reader.Numbers;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class FloatTextTests
    {
        static readonly BigArith Ar = new BigArith(4096);
        static readonly FloatConv Conv = new FloatConv(Ar);
        static readonly FloatPrint Fp = new FloatPrint(Ar, Conv);

        // .NET shortest digits as (digits, K) with value = 0.digits * 10^K
        static (string, int) NetDigits(string r)
        {
            r = r.TrimStart('-');
            int e = 0;
            int ei = r.IndexOfAny(new[] { 'E', 'e' });
            if (ei >= 0) { e = int.Parse(r.Substring(ei + 1), CultureInfo.InvariantCulture); r = r.Substring(0, ei); }
            int dot = r.IndexOf('.');
            string intPart = dot < 0 ? r : r.Substring(0, dot), frac = dot < 0 ? "" : r.Substring(dot + 1);
            string all = intPart + frac;
            int K = intPart.Length + e;
            int lead = 0; while (lead < all.Length - 1 && all[lead] == '0') { lead++; K--; }
            all = all.Substring(lead).TrimEnd('0');
            return (all, K);
        }

        [Fact]
        public void ShortestDigitsMatchDotNetForDoubles()
        {
            var rng = new Random(1);
            for (int i = 0; i < 20000; i++)
            {
                double d;
                if (i % 3 == 0) d = rng.NextDouble() * Math.Pow(10, rng.Next(-30, 30));
                else d = BitConverter.Int64BitsToDouble((long)(((ulong)rng.NextInt64() << 1) >> 1));
                if (double.IsNaN(d) || double.IsInfinity(d) || d == 0) continue;
                ulong bits = (ulong)BitConverter.DoubleToInt64Bits(d);
                int n = Fp.ShortestDigits(bits, IeeeFormat.Double, out int K);
                var (nd, nk) = NetDigits(d.ToString("R", CultureInfo.InvariantCulture));
                Assert.Equal(nd, System.Text.Encoding.ASCII.GetString(Fp.Digits, 0, n));
                Assert.Equal(nk, K);
            }
        }

        [Fact]
        public void ShortestDigitsMatchDotNetForSingles()
        {
            var rng = new Random(2);
            for (int i = 0; i < 20000; i++)
            {
                float f = BitConverter.Int32BitsToSingle(rng.Next() & 0x7FFFFFFF);
                if (float.IsNaN(f) || float.IsInfinity(f) || f == 0) continue;
                ulong bits = (uint)BitConverter.SingleToInt32Bits(f);
                int n = Fp.ShortestDigits(bits, IeeeFormat.Single, out int K);
                var (nd, nk) = NetDigits(f.ToString("R", CultureInfo.InvariantCulture));
                Assert.Equal(nd, System.Text.Encoding.ASCII.GetString(Fp.Digits, 0, n));
                Assert.Equal(nk, K);
            }
        }

        [Fact]
        public void DecimalParsingIsCorrectlyRounded()
        {
            var rng = new Random(3);
            Big digits = Ar.NewRegister();
            for (int i = 0; i < 20000; i++)
            {
                int nd = 1 + rng.Next(i % 10 == 0 ? 40 : 20);
                var sb = new System.Text.StringBuilder();
                for (int k = 0; k < nd; k++) sb.Append((char)('0' + rng.Next(10)));
                int e = rng.Next(-360, 330);
                string text = sb + "e" + e;
                byte[] ascii = System.Text.Encoding.ASCII.GetBytes(sb.ToString());
                Assert.Equal(NumStatus.Ok, Ar.FromDigits(ascii, 0, nd, 10, false, digits));
                NumStatus st = Conv.DecimalToIeee(digits, e, IeeeFormat.Double, out ulong bits);
                double expect = double.Parse(text, CultureInfo.InvariantCulture);
                if (double.IsInfinity(expect)) { Assert.Equal(NumStatus.FloatOverflow, st); continue; }
                Assert.Equal(NumStatus.Ok, st);
                Assert.Equal(BitConverter.DoubleToInt64Bits(expect), (long)bits);
                Conv.DecimalToIeee(digits, e / 8, IeeeFormat.Single, out ulong sbits);
                float fexp = float.Parse(sb + "e" + (e / 8), CultureInfo.InvariantCulture);
                if (!float.IsInfinity(fexp)) Assert.Equal((uint)BitConverter.SingleToInt32Bits(fexp), (uint)sbits);
            }
        }

        [Theory]
        [InlineData(1.5, 0, "1.5")]
        [InlineData(1.5, (byte)'d', "1.5d0")]
        [InlineData(1e10, 0, "1.0e10")]
        [InlineData(1e-5, 0, "1.0e-5")]
        [InlineData(1234567.0, 0, "1234567.0")]
        [InlineData(12345678.0, 0, "1.2345678e7")]
        [InlineData(0.001, 0, "0.001")]
        [InlineData(-0.5, 0, "-0.5")]
        [InlineData(0.0, 0, "0.0")]
        [InlineData(100.0, (byte)'d', "100.0d0")]
        [InlineData(1e100, (byte)'d', "1.0d100")]
        [InlineData(5e-324, 0, "5.0e-324")]
        public void FormatsInClStyle(double d, byte marker, string expect)
        {
            int n = Fp.Format((ulong)BitConverter.DoubleToInt64Bits(d), IeeeFormat.Double, marker);
            Assert.Equal(expect, System.Text.Encoding.ASCII.GetString(Fp.Out, 0, n));
        }
    }
}
