// Why: decimal text of large integers. One digit group at a time (divide the whole number
// by 10^9, or multiply it by 10^9, per 9 digits) is quadratic with a costly constant: a
// 40,000-digit number took ~100 ms to print. Here the number is split by powers
// P_j = 10^(9*2^j), cached once computed (squares of each other): printing divides
// by P_K, then both halves by P_(K-1) ... (schoolbook divisions, n^2/2 multiply-adds in
// all instead of n^2/2 hardware divides); reading joins halves as hi*P_j + lo with
// Karatsuba products, so it is sub-quadratic. Levels are walked in a loop over flat
// buffers (chunk i of a level at i*stride), never recursed; everything is sized at boot.
namespace LispVm.Reader.Numbers
{
    public sealed class DecimalText
    {
        /// <summary>Below this many 32-bit digits the one-group-at-a-time loops are used.</summary>
        public const int Threshold = 40;
        /// <summary>Chunks of at most about this many 32-bit digits are converted directly.</summary>
        const int Leaf = 16;

        readonly Big[] pow;          // pow[j] = 10^(9*2^j) once j < powCount
        int powCount;
        readonly uint[] bufA, bufB;  // the chunks of one level, and of the next
        readonly Big w, q, r, un, vn;
        readonly uint[] ks;          // Karatsuba scratch (shared with BigArith)

        /// <summary>Boot-time only. The registers and scratch are BigArith's; they are free
        /// while a conversion runs.</summary>
        public DecimalText(int maxDigits, Big w, Big q, Big r, Big un, Big vn, uint[] ks)
        {
            this.w = w; this.q = q; this.r = r; this.un = un; this.vn = vn; this.ks = ks;
            int levels = 0;
            while (WordsAbove(levels) <= maxDigits + 2) levels++;
            pow = new Big[levels];
            // P_(j-1) has fewer than WordsAbove(j-1) - 1 digits: its square fits 2*WordsAbove(j-1)
            for (int j = 0; j < levels; j++) pow[j] = new Big(j == 0 ? 2 : 2 * WordsAbove(j - 1));
            bufA = new uint[2 * maxDigits + 256];
            bufB = new uint[2 * maxDigits + 256];
        }

        // log2(10) lies in (3.32192, 3.32193): P_j has more than 9*2^j*3.32192 bits
        static long BitsBelow(int j) => (9L << j) * 332192 / 100000;
        static int WordsAbove(int j) => (int)((9L << j) * 332193 / 100000 / 32) + 2;

        /// <summary>pow[0 .. k] computed (k &lt; pow.Length).</summary>
        void EnsurePowers(int k)
        {
            if (powCount == 0) { pow[0].SetULong(1000000000UL); powCount = 1; }
            while (powCount <= k)
            {
                Big p = pow[powCount - 1], s = pow[powCount];
                Karatsuba.Mul(p.D, 0, p.N, p.D, 0, p.N, s.D, 0, ks, 0);
                s.N = 2 * p.N; s.Neg = false; s.Trim();
                powCount++;
            }
        }

        /// <summary>Smallest K with |a| &lt; P_(K+1) (so a splits by P_K into halves below P_K),
        /// or -1 when the power cache does not reach.</summary>
        int TopLevel(long bits)
        {
            int k = 0;
            while (BitsBelow(k + 1) < bits) k++;
            return k < pow.Length ? k : -1;
        }

        /// <summary>
        /// Decimal digits of |a| into buf (most significant first, no leading zeros), or -1
        /// when a or buf is outside what the buffers sized at boot take (the caller then
        /// uses the plain loop). a is only read.
        /// </summary>
        public int ToDecimal(Big a, byte[] buf)
        {
            int K = TopLevel(a.BitLength());
            if (K < 1) return -1;
            int total = 9 << (K + 1);
            if (total > buf.Length) return -1;
            EnsurePowers(K);
            int jb = 0;
            while (jb < K && pow[jb].N < Leaf) jb++;
            // room: level j holds 2^(K-j) chunks of 2*pow[j].N+1 digits
            for (int j = K; j >= jb; j--)
                if ((long)(2 * pow[j].N + 1) << (K - j) > bufA.Length) return -1;
            uint[] cur = bufA, next = bufB;
            for (int i = 0; i < a.N; i++) cur[i] = a.D[i];
            int curStride = a.N;
            for (int j = K; j > jb; j--)
            {
                int outStride = 2 * pow[j - 1].N + 1, count = 1 << (K - j);
                for (int c = 0; c < count; c++)
                {
                    Load(cur, c * curStride, curStride, w);
                    BigDiv.DivMod(w, pow[j], q, r, un, vn, null);   // cannot fail: w < P_j^2
                    Store(q, next, 2 * c * outStride, outStride);
                    Store(r, next, (2 * c + 1) * outStride, outStride);
                }
                uint[] t = cur; cur = next; next = t; curStride = outStride;
            }
            int width = 9 << (jb + 1), chunks = 1 << (K - jb);
            for (int c = 0; c < chunks; c++)
            {
                Load(cur, c * curStride, curStride, w);
                WriteFixed(w, buf, c * width, width);
            }
            int lead = 0;
            while (lead < total - 1 && buf[lead] == (byte)'0') lead++;
            for (int i = lead; i < total; i++) buf[i - lead] = buf[i];
            return total - lead;
        }

        static void Load(uint[] src, int off, int len, Big dst)
        {
            while (len > 0 && src[off + len - 1] == 0) len--;
            for (int i = 0; i < len; i++) dst.D[i] = src[off + i];
            dst.N = len; dst.Neg = false;
        }

        static void Store(Big v, uint[] dst, int off, int len)
        {
            for (int i = 0; i < v.N; i++) dst[off + i] = v.D[i];
            for (int i = v.N; i < len; i++) dst[off + i] = 0;
        }

        /// <summary>|v| as exactly width digits (leading zeros) at buf[at ..]; destroys v.</summary>
        static void WriteFixed(Big v, byte[] buf, int at, int width)
        {
            int pos = at + width;
            while (pos > at)
            {
                uint g = Mag.DivSmall(v, 1000000000u);
                for (int k = 0; k < 9 && pos > at; k++) { buf[--pos] = (byte)('0' + g % 10); g /= 10; }
            }
        }

        /// <summary>
        /// r = the value of len decimal digits at text[start ..] (already validated), by
        /// joining halves: Ok, or TooLarge when the value or the buffers do not fit (the
        /// caller then uses the plain loop).
        /// </summary>
        public NumStatus FromDecimal(byte[] text, int start, int len, Big res)
        {
            // a len-digit value is below 10^len <= P_(K+1) for 9*2^(K+1) >= len
            int K = 0;
            while ((9L << (K + 1)) < len) K++;
            if (K < 1 || K >= pow.Length) return NumStatus.TooLarge;
            EnsurePowers(K);
            if (2 * pow[K].N + 1 > q.Capacity) return NumStatus.TooLarge;
            int jb = 0;
            while (jb < K && pow[jb].N < Leaf) jb++;
            for (int j = K; j >= jb; j--)
                if ((long)(2 * pow[j].N + 1) << (K - j) > bufA.Length) return NumStatus.TooLarge;
            // leaves: 2^(K-jb) chunks of 9*2^(jb+1) digits, the first padded with zeros in front
            int width = 9 << (jb + 1), chunks = 1 << (K - jb);
            long pad = ((long)width << (K - jb)) - len;
            uint[] cur = bufA, next = bufB;
            int stride = 2 * pow[jb].N + 1;
            for (int c = 0; c < chunks; c++)
            {
                long from = (long)c * width - pad, to = from + width;
                if (from < 0) from = 0;
                w.SetZero();
                ParseInto(text, start + (int)from, (int)(to - from), w);
                Store(w, cur, c * stride, stride);
            }
            // join: level j chunks (< P_(j+1)) pairwise into level j+1: hi * P_(j+1) + lo
            for (int j = jb; j < K; j++)
            {
                Big p = pow[j + 1];
                int outStride = 2 * p.N + 1, count = 1 << (K - j - 1);
                for (int c = 0; c < count; c++)
                {
                    Load(cur, 2 * c * stride, stride, w);
                    Load(cur, (2 * c + 1) * stride, stride, r);
                    if (w.N == 0) q.SetZero();
                    else
                    {
                        Karatsuba.Mul(w.D, 0, w.N, p.D, 0, p.N, q.D, 0, ks, 0);
                        q.N = w.N + p.N; q.Neg = false; q.Trim();
                    }
                    Mag.Add(q, r, q);
                    Store(q, next, c * outStride, outStride);
                }
                uint[] t = cur; cur = next; next = t; stride = outStride;
            }
            int n = stride;
            while (n > 0 && cur[n - 1] == 0) n--;
            if (n > res.Capacity) return NumStatus.TooLarge;
            Load(cur, 0, n, res);
            return NumStatus.Ok;
        }

        static void ParseInto(byte[] text, int at, int n, Big v)
        {
            int i = 0;
            while (i < n)
            {
                uint mul = 1, acc = 0;
                for (int k = 0; k < 9 && i < n; k++, i++) { acc = acc * 10 + (uint)(text[at + i] - '0'); mul *= 10; }
                Mag.MulAddSmall(v, mul, acc);
                if (v.N == 0 && acc != 0) { v.D[0] = acc; v.N = 1; }
            }
        }
    }
}
