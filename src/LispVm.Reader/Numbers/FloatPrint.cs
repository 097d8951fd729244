// Why: print floats with the shortest digit string that reads back to the same bits
// (Steele & White / "free-format" criterion), computed exactly: take all decimal digits
// of the exact binary value, round to p = 1, 2, ... digits and keep the first candidate
// (or its neighbour) that our own correctly-rounded reader maps back to the same bits.
// Output follows CL/SBCL style: 1.5, 1.5d0, 1.0e10, 1.0e-5, 1234567.0.
namespace LispVm.Reader.Numbers
{
    public sealed class FloatPrint
    {
        readonly BigArith ar;
        readonly FloatConv conv;
        readonly Big x, c, pw, b5;
        readonly byte[] exact = new byte[1400];
        public readonly byte[] Digits = new byte[40];   // shortest digits of the last ShortestDigits call
        public readonly byte[] Out = new byte[64];      // text of the last Format call
        readonly byte[] rev = new byte[24];

        public FloatPrint(BigArith arith, FloatConv fc)
        {
            ar = arith; conv = fc;
            x = ar.NewRegister(); c = ar.NewRegister(); pw = ar.NewRegister(); b5 = ar.NewRegister();
        }

        /// <summary>
        /// Shortest round-trip digits of a finite nonzero float: value = 0.D1..Dn * 10^K.
        /// Returns n (digits in Digits) and K; 0 for zero/inf/nan.
        /// </summary>
        public int ShortestDigits(ulong bits, IeeeFormat f, out int K)
        {
            K = 0;
            if (!FloatConv.Decompose(bits, f, out ulong mant, out int exp2, out bool neg) || mant == 0) return 0;
            x.SetULong(mant);
            long e10;
            if (exp2 >= 0) { Mag.Shl(x, exp2, x); e10 = 0; }
            else
            {
                // mant * 2^e = mant * 5^-e * 10^e
                pw.SetLong(1); b5.SetLong(5);
                long k = -exp2;
                while (k > 0)
                {
                    if ((k & 1) != 0) ar.Mul(pw, b5, pw);
                    k >>= 1;
                    if (k > 0) ar.Mul(b5, b5, b5);
                }
                ar.Mul(x, pw, x);
                e10 = exp2;
            }
            int L = ar.ToDigits(x, 10, exact);
            if (L <= 0) return 0;
            int Kx = (int)(L + e10);
            ulong target = bits & ~(1UL << (f.MantBits + f.ExpBits - 1));
            int maxP = f.MantBits > 24 ? 17 : 9;
            for (int p = 1; p <= L; p++)
            {
                if (p > maxP + 1) break;
                // c = first p digits, rounded half-even using the rest
                ulong cv = 0;
                for (int i = 0; i < p; i++) cv = cv * 10 + (ulong)(exact[i] - '0');
                if (p < L)
                {
                    int next = exact[p] - '0';
                    bool restNonzero = false;
                    for (int i = p + 1; i < L; i++) if (exact[i] != '0') { restNonzero = true; break; }
                    if (next > 5 || (next == 5 && (restNonzero || (cv & 1) != 0))) cv++;
                }
                else return Emit(cv, p, Kx, out K);
                int exp10 = Kx - p;
                if (RoundTrips(cv, exp10, f, target)) return Emit(cv, p, Kx, out K);
                if (cv > 1 && RoundTrips(cv - 1, exp10, f, target)) return Emit(cv - 1, p, Kx, out K);
                if (RoundTrips(cv + 1, exp10, f, target)) return Emit(cv + 1, p, Kx, out K);
            }
            // Fall back to the exact digits, truncated to what Digits holds (not reached for IEEE formats).
            int n = L < Digits.Length ? L : Digits.Length;
            for (int i = 0; i < n; i++) Digits[i] = exact[i];
            K = Kx;
            return n;
        }

        bool RoundTrips(ulong cv, int exp10, IeeeFormat f, ulong target)
        {
            c.SetULong(cv);
            NumStatus st = conv.DecimalToIeee(c, exp10, f, out ulong got);
            return st == NumStatus.Ok && got == target;
        }

        // Writes cv (which stands for cv * 10^(Kx - p)) as digits with trailing zeros removed.
        int Emit(ulong cv, int p, int Kx, out int K)
        {
            int n = 0;
            byte[] tmp = rev;
            if (cv == 0) { K = 0; return 0; }
            while (cv != 0) { tmp[n++] = (byte)('0' + (int)(cv % 10)); cv /= 10; }
            // n may be p + 1 when rounding carried (e.g. 9.99 -> 10.0)
            K = Kx + (n - p);
            int start = 0;
            while (start < n && tmp[start] == '0') start++;    // trailing zeros (tmp is reversed)
            int m = 0;
            for (int i = n - 1; i >= start; i--) Digits[m++] = tmp[i];
            return m;
        }

        /// <summary>
        /// CL text of a float into Out; returns its length. marker: 0 = this is the
        /// *read-default-float-format* (print 'e' or nothing), else the exponent letter
        /// to force ('d' for a double when the default is single, 'f' for a single when
        /// the default is double).
        /// </summary>
        public int Format(ulong bits, IeeeFormat f, byte marker)
        {
            int pos = 0;
            int signBit = f.MantBits + f.ExpBits - 1;
            bool neg = ((bits >> signBit) & 1) != 0;
            ulong abs = bits & ~(1UL << signBit);
            ulong infBits = (ulong)((1L << f.ExpBits) - 1) << (f.MantBits - 1);
            if (abs >= infBits)
            {
                string s = abs == infBits ? (neg ? "-INFINITY" : "+INFINITY") : "NAN";
                string t = f.MantBits > 24 ? "#<DOUBLE-FLOAT " : "#<SINGLE-FLOAT ";
                for (int i = 0; i < t.Length; i++) Out[pos++] = (byte)t[i];
                for (int i = 0; i < s.Length; i++) Out[pos++] = (byte)s[i];
                Out[pos++] = (byte)'>';
                return pos;
            }
            if (neg) Out[pos++] = (byte)'-';
            int n, K;
            if (abs == 0) { Digits[0] = (byte)'0'; n = 1; K = 1; }
            else n = ShortestDigits(abs, f, out K);
            int E = K - 1;
            if (abs == 0 || (E >= -3 && E < 7))
            {
                if (K <= 0)
                {
                    Out[pos++] = (byte)'0'; Out[pos++] = (byte)'.';
                    for (int i = 0; i < -K; i++) Out[pos++] = (byte)'0';
                    for (int i = 0; i < n; i++) Out[pos++] = Digits[i];
                }
                else if (K >= n)
                {
                    for (int i = 0; i < n; i++) Out[pos++] = Digits[i];
                    for (int i = n; i < K; i++) Out[pos++] = (byte)'0';
                    Out[pos++] = (byte)'.'; Out[pos++] = (byte)'0';
                }
                else
                {
                    for (int i = 0; i < K; i++) Out[pos++] = Digits[i];
                    Out[pos++] = (byte)'.';
                    for (int i = K; i < n; i++) Out[pos++] = Digits[i];
                }
                if (marker != 0) { Out[pos++] = marker; Out[pos++] = (byte)'0'; }
                return pos;
            }
            Out[pos++] = Digits[0]; Out[pos++] = (byte)'.';
            if (n == 1) Out[pos++] = (byte)'0';
            for (int i = 1; i < n; i++) Out[pos++] = Digits[i];
            Out[pos++] = marker != 0 ? marker : (byte)'e';
            int e = E;
            if (e < 0) { Out[pos++] = (byte)'-'; e = -e; }
            int start = pos;
            do { Out[pos++] = (byte)('0' + e % 10); e /= 10; } while (e != 0);
            for (int i = start, j = pos - 1; i < j; i++, j--) { byte t = Out[i]; Out[i] = Out[j]; Out[j] = t; }
            return pos;
        }
    }
}
