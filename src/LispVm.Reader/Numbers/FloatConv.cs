// Why: exact conversions between integers/ratios and IEEE floats with round-to-nearest-
// even, including subnormals, done in integer arithmetic so every build gives identical
// bits. Float parsing (digits * 10^e) and rational->float contagion both reduce to
// RatioToIeee; float->rational uses Decompose.
namespace LispVm.Reader.Numbers
{
    public struct IeeeFormat
    {
        public int MantBits;   // including the hidden bit: 53 or 24
        public int ExpBits;    // 11 or 8
        public static IeeeFormat Double => new IeeeFormat { MantBits = 53, ExpBits = 11 };
        public static IeeeFormat Single => new IeeeFormat { MantBits = 24, ExpBits = 8 };
        public int Bias => (1 << (ExpBits - 1)) - 1;
        public int EMin => 1 - Bias;
    }

    public sealed class FloatConv
    {
        readonly BigArith ar;
        readonly Big n1, d1, q1, r1, p1;

        public FloatConv(BigArith arith)
        {
            ar = arith;
            n1 = ar.NewRegister(); d1 = ar.NewRegister(); q1 = ar.NewRegister();
            r1 = ar.NewRegister(); p1 = ar.NewRegister(); vtmp = ar.NewRegister();
        }

        /// <summary>
        /// bits = round(|m| * 2^exp2) in the format; sticky says the true value is a little
        /// above m*2^exp2 (m must then carry at least MantBits+2 significant bits). Sign from m.Neg.
        /// Returns FloatOverflow if the result is beyond the largest finite value.
        /// </summary>
        public static NumStatus MagToIeee(Big m, bool sticky, long exp2, IeeeFormat f, out ulong bits)
        {
            bits = 0;
            ulong sign = m.Neg ? 1UL << (f.MantBits + f.ExpBits - 1) : 0;
            long bl = m.BitLength();
            if (bl == 0) { bits = sign; return NumStatus.Ok; }
            long E = bl - 1 + exp2;
            long keep = E >= f.EMin ? f.MantBits : f.MantBits - (f.EMin - E);
            long drop = bl - keep;
            ulong mant = 0;
            long lsbExp;
            if (drop <= 0)
            {
                for (long i = bl - 1; i >= 0; i--) mant = (mant << 1) | (m.Bit(i) ? 1UL : 0UL);
                mant <<= (int)(-drop);
                lsbExp = exp2 + drop;
            }
            else
            {
                for (long i = bl - 1; i >= drop; i--) mant = (mant << 1) | (m.Bit(i) ? 1UL : 0UL);
                bool half = m.Bit(drop - 1);
                bool rest = sticky || m.AnyBitBelow(drop - 1);
                if (half && (rest || (mant & 1) != 0)) mant++;
                lsbExp = exp2 + drop;
            }
            if (mant == 0) { bits = sign; return NumStatus.Ok; }
            if (mant >= (1UL << f.MantBits)) { mant >>= 1; lsbExp++; }
            ulong hidden = 1UL << (f.MantBits - 1);
            if (mant >= hidden)
            {
                long biased = lsbExp + (f.MantBits - 1) + f.Bias;
                if (biased >= (1L << f.ExpBits) - 1)
                {
                    bits = sign | ((ulong)((1L << f.ExpBits) - 1) << (f.MantBits - 1));   // infinity
                    return NumStatus.FloatOverflow;
                }
                bits = sign | ((ulong)biased << (f.MantBits - 1)) | (mant & (hidden - 1));
            }
            else bits = sign | mant;   // subnormal: biased exponent 0
            return NumStatus.Ok;
        }

        /// <summary>bits = round(num/den) for integers num, den (den != 0). Signs are honoured.</summary>
        public NumStatus RatioToIeee(Big num, Big den, IeeeFormat f, out ulong bits)
        {
            bits = 0;
            if (den.N == 0) return NumStatus.DivisionByZero;
            bool neg = num.Neg != den.Neg;
            long s = (f.MantBits + 3) - (num.BitLength() - den.BitLength());
            NumStatus st;
            if (s >= 0) { st = Mag.Shl(num, s, n1); d1.CopyFrom(den); }
            else { n1.CopyFrom(num); st = Mag.Shl(den, -s, d1); }
            if (st != NumStatus.Ok) return st;
            n1.Neg = false; d1.Neg = false;
            st = BigDiv.DivMod(n1, d1, q1, r1, p1, NewTmp(), ar.Poll);
            if (st != NumStatus.Ok) return st;
            q1.Neg = neg && q1.N != 0;
            if (q1.N == 0) { bits = 0; return NumStatus.Ok; }
            return MagToIeee(q1, r1.N != 0, -s, f, out bits);
        }

        readonly Big vtmp;   // allocated at boot: no C# allocation after start-up
        Big NewTmp() => vtmp;

        /// <summary>bits = round(digits * 10^exp10) (digits >= 0). Huge exponents saturate.</summary>
        public NumStatus DecimalToIeee(Big digits, long exp10, IeeeFormat f, out ulong bits)
        {
            bits = 0;
            if (digits.N == 0) return NumStatus.Ok;
            long dl = digits.BitLength();
            // |value| < 2^(dl) * 10^exp10; below the smallest subnormal / 2 -> 0; above max -> overflow.
            if (exp10 * 3.3219280948873626 + dl < -(f.Bias + f.MantBits + 4)) return NumStatus.Ok;
            if ((exp10 - 1) * 3.3219280948873626 + (dl - 1) > f.Bias + 2)
            {
                bits = (ulong)((1L << f.ExpBits) - 1) << (f.MantBits - 1);
                return NumStatus.FloatOverflow;
            }
            NumStatus st = Pow10(exp10 < 0 ? -exp10 : exp10, p1);
            if (st != NumStatus.Ok) return st;
            if (exp10 >= 0)
            {
                st = ar.Mul(digits, p1, p1);
                if (st != NumStatus.Ok) return st;
                return MagToIeee(p1, false, 0, f, out bits);
            }
            Big tmp = NewTmp();
            tmp.CopyFrom(p1);
            return RatioToIeee(digits, tmp, f, out bits);
        }

        /// <summary>r = 10^k by repeated squaring.</summary>
        public NumStatus Pow10(long k, Big r)
        {
            r.SetLong(1);
            Big b = NewTmp(); b.SetLong(10);
            while (k > 0)
            {
                NumStatus st;
                if ((k & 1) != 0) { st = ar.Mul(r, b, r); if (st != NumStatus.Ok) return st; }
                k >>= 1;
                if (k > 0) { st = ar.Mul(b, b, b); if (st != NumStatus.Ok) return st; }
            }
            return NumStatus.Ok;
        }

        /// <summary>
        /// Splits finite float bits into mantissa and exponent: value = (-1)^neg * mant * 2^exp2.
        /// Returns false for infinities and NaNs.
        /// </summary>
        public static bool Decompose(ulong bits, IeeeFormat f, out ulong mant, out int exp2, out bool neg)
        {
            int fracBits = f.MantBits - 1;
            neg = ((bits >> (fracBits + f.ExpBits)) & 1) != 0;
            int be = (int)((bits >> fracBits) & (ulong)((1 << f.ExpBits) - 1));
            mant = bits & ((1UL << fracBits) - 1);
            if (be == (1 << f.ExpBits) - 1) { exp2 = 0; return false; }
            if (be == 0) exp2 = f.EMin - fracBits;
            else { mant |= 1UL << fracBits; exp2 = be - f.Bias - fracBits; }
            return true;
        }
    }
}
