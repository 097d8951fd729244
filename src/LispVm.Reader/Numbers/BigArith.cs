// Why: signed integer arithmetic on Big registers (add, sub, mul, floor/truncate
// division, gcd, ash, two's-complement logic, radix text). One instance per VM owns the
// scratch registers it needs, allocated once at boot, so no operation allocates.
namespace LispVm.Reader.Numbers
{
    public sealed class BigArith
    {
        public readonly int MaxDigits;           // capacity of every register, in 32-bit digits
        public IInterruptPoll Poll;
        readonly Big t1, t2, t3, t4, un, vn;
        readonly uint[] lx, ly;                  // two's complement scratch for logic ops
        readonly uint[] ks;                      // Karatsuba temporaries
        readonly DecimalText dec;                // base-10 text of large integers

        public BigArith(int maxDigits)
        {
            MaxDigits = maxDigits;
            t1 = new Big(maxDigits + 2); t2 = new Big(maxDigits + 2); t3 = new Big(maxDigits + 2);
            t4 = new Big(maxDigits + 2); un = new Big(maxDigits + 3); vn = new Big(maxDigits + 2);
            lx = new uint[maxDigits + 2]; ly = new uint[maxDigits + 2];
            ks = new uint[Karatsuba.ScratchFor(maxDigits + 2)];
            dec = new DecimalText(maxDigits, t1, t2, t3, un, vn, ks);
        }

        public Big NewRegister() => new Big(MaxDigits + 2);   // boot-time only

        static NumStatus AddSigned(Big a, bool aneg, Big b, bool bneg, Big r)
        {
            if (aneg == bneg)
            {
                NumStatus st = Mag.Add(a, b, r);
                if (st != NumStatus.Ok) return st;
                r.Neg = aneg && r.N != 0;
                return NumStatus.Ok;
            }
            int c = Mag.Cmp(a, b);
            if (c == 0) { r.SetZero(); return NumStatus.Ok; }
            if (c > 0) { Mag.Sub(a, b, r); r.Neg = aneg && r.N != 0; }
            else { Mag.Sub(b, a, r); r.Neg = bneg && r.N != 0; }
            return NumStatus.Ok;
        }

        /// <summary>r = a + b (r may alias a or b).</summary>
        public NumStatus Add(Big a, Big b, Big r) => AddSigned(a, a.Neg, b, b.Neg, r);
        /// <summary>r = a - b (r may alias a or b).</summary>
        public NumStatus Sub(Big a, Big b, Big r) => AddSigned(a, a.Neg, b, !b.Neg && b.N != 0, r);

        /// <summary>r = a * b (r may alias a or b; when it does not, the product is made in r
        /// directly).</summary>
        public NumStatus Mul(Big a, Big b, Big r)
        {
            bool neg = a.Neg != b.Neg;
            Big dst = (r == a || r == b) ? t1 : r;
            if (a.N >= Karatsuba.Threshold && b.N >= Karatsuba.Threshold)
            {
                if (a.N + b.N > dst.Capacity) return NumStatus.TooLarge;
                // One interrupt poll per large product (8192-digit operands: ~10 ms).
                if (Poll != null && a.N >= 256 && Poll.InterruptPending()) return NumStatus.Interrupted;
                Karatsuba.Mul(a.D, 0, a.N, b.D, 0, b.N, dst.D, 0, ks, 0);
                dst.N = a.N + b.N; dst.Neg = false; dst.Trim();
            }
            else
            {
                NumStatus st = Mag.Mul(a, b, dst, Poll);
                if (st != NumStatus.Ok) return st;
            }
            if (dst != r) r.CopyFrom(dst);
            r.Neg = neg && r.N != 0;
            return NumStatus.Ok;
        }

        /// <summary>Truncating division: q = trunc(a/b), r = a - q*b (sign of a). q, r distinct from a, b.</summary>
        public NumStatus Truncate(Big a, Big b, Big q, Big r)
        {
            bool qneg = a.Neg != b.Neg, rneg = a.Neg;
            NumStatus st = BigDiv.DivMod(a, b, q, r, un, vn, Poll);
            if (st != NumStatus.Ok) return st;
            q.Neg = qneg && q.N != 0; r.Neg = rneg && r.N != 0;
            return NumStatus.Ok;
        }

        /// <summary>Floor division: q = floor(a/b), r = a - q*b (sign of b).</summary>
        public NumStatus Floor(Big a, Big b, Big q, Big r)
        {
            bool bneg = b.Neg;
            t2.CopyFrom(b);
            NumStatus st = Truncate(a, b, q, r);
            if (st != NumStatus.Ok) return st;
            if (r.N != 0 && r.Neg != bneg)
            {
                t3.SetLong(1);
                st = Sub(q, t3, q); if (st != NumStatus.Ok) return st;
                st = Add(r, t2, r); if (st != NumStatus.Ok) return st;
            }
            return NumStatus.Ok;
        }

        public static int Compare(Big a, Big b)
        {
            if (a.Neg != b.Neg) return a.Neg ? -1 : 1;
            int c = Mag.Cmp(a, b);
            return a.Neg ? -c : c;
        }

        /// <summary>
        /// r = gcd(|a|, |b|) (r distinct from a, b) by Lehmer's method (Knuth, TAOCP vol. 2,
        /// 4.5.2 algorithm L): Euclid's steps run on the leading 62 bits with cofactors below
        /// 2^32 in longs and are applied to the full numbers once per ~31 bits (one pass for
        /// both new numbers), so two n-digit numbers cost O(n^2) digit operations with a small
        /// constant; a full division step only where the leading bits cannot decide a quotient
        /// (very unequal sizes).
        /// </summary>
        public NumStatus Gcd(Big a, Big b, Big r)
        {
            Big x = t1, y = t2, s = t3, u = t4;
            x.CopyFrom(a); x.Neg = false; y.CopyFrom(b); y.Neg = false;
            if (Mag.Cmp(x, y) < 0) { Big t = x; x = y; y = t; }
            int guard = 0;
            const long Lim = 0xFFFFFFFFL;
            while (y.N > 2)
            {
                if (Poll != null && (++guard & 63) == 0 && Poll.InterruptPending()) return NumStatus.Interrupted;
                int sh = x.BitLength() - 62;
                long xh = Window62(x, sh), yh = Window62(y, sh);
                long ca = 1, cb = 0, cc = 0, cd = 1;
                while (true)
                {
                    long yc = yh + cc, yd = yh + cd;
                    if (yc <= 0 || yd <= 0) break;
                    long qq = (xh + ca) / yc;
                    if (xh + ca < 0 || xh + cb < 0 || qq != (xh + cb) / yd || qq > Lim) break;
                    // ca, cc (and cb, cd) have opposite signs: |ca - qq*cc| = |ca| + qq*|cc|;
                    // qq, |cc| <= 2^32 - 1, so the product fits a ulong
                    ulong ma = (ulong)qq * (ulong)(cc < 0 ? -cc : cc), mb = (ulong)qq * (ulong)(cd < 0 ? -cd : cd);
                    if (ma > (ulong)(Lim - (ca < 0 ? -ca : ca)) || mb > (ulong)(Lim - (cb < 0 ? -cb : cb))) break;
                    long na = ca - qq * cc, nb = cb - qq * cd;
                    ca = cc; cc = na; cb = cd; cd = nb;
                    long tt = xh - qq * yh; xh = yh; yh = tt;
                }
                if (cb == 0)
                {
                    // x, y = y, x mod y
                    NumStatus st = BigDiv.DivMod(x, y, s, u, un, vn, Poll);
                    if (st != NumStatus.Ok) return st;
                    Big t = x; x = y; y = u; u = t;
                }
                else
                {
                    LinComb2(ca, cb, cc, cd, x, y, s, u);
                    Big t = x; x = s; s = t; t = y; y = u; u = t;
                }
            }
            if (y.N == 0) { r.CopyFrom(x); return NumStatus.Ok; }
            ulong yv = Low64(y), xv;
            if (x.N > 2)
            {
                NumStatus st = BigDiv.DivMod(x, y, s, u, un, vn, Poll);
                if (st != NumStatus.Ok) return st;
                xv = yv; yv = Low64(u);
            }
            else xv = Low64(x);
            while (yv != 0) { ulong t = xv % yv; xv = yv; yv = t; }
            r.SetULong(xv);
            return NumStatus.Ok;
        }

        static ulong Low64(Big a) => a.N == 0 ? 0 : a.N == 1 ? a.D[0] : ((ulong)a.D[1] << 32) | a.D[0];

        /// <summary>Bits [sh, sh+62) of |a| (sh >= 0), as a non-negative long.</summary>
        static long Window62(Big a, int sh)
        {
            int w = sh >> 5, b = sh & 31;
            ulong d0 = w < a.N ? a.D[w] : 0u, d1 = w + 1 < a.N ? a.D[w + 1] : 0u, d2 = w + 2 < a.N ? a.D[w + 2] : 0u;
            ulong lo = (d1 << 32 | d0) >> b;
            if (b != 0) lo |= d2 << (64 - b);
            return (long)(lo & 0x3FFFFFFFFFFFFFFFUL);
        }

        /// <summary>
        /// r1 = ca*x + cb*y and r2 = cc*x + cd*y in one pass, for Lehmer cofactors (|c| &lt; 2^32;
        /// each pair of opposite signs or one zero) whose results are known to be
        /// non-negative; r1, r2 distinct from x, y and each other.
        /// </summary>
        static unsafe void LinComb2(long ca, long cb, long cc, long cd, Big x, Big y, Big r1, Big r2)
        {
            int n = x.N > y.N ? x.N : y.N;
            for (int i = x.N; i < n; i++) x.D[i] = 0;   // pad the shorter one (capacity allows n)
            for (int i = y.N; i < n; i++) y.D[i] = 0;
            // each result = p * P - m * M with magnitudes p, m and sources P, M
            // (ca >= 0 >= cb, or cb > 0 >= ca; the same for cc, cd)
            bool xp1 = cb <= 0, xp2 = cd <= 0;
            uint[] p1a = xp1 ? x.D : y.D, m1a = xp1 ? y.D : x.D;
            ulong pa = (ulong)(xp1 ? ca : cb), ma = (ulong)(xp1 ? -cb : -ca);
            uint[] p2a = xp2 ? x.D : y.D, m2a = xp2 ? y.D : x.D;
            ulong pc = (ulong)(xp2 ? cc : cd), mc = (ulong)(xp2 ? -cd : -cc);
            if (n + 1 > r1.Capacity || n + 1 > r2.Capacity) return;   // never: all registers have one capacity
            ulong c1 = 0, c2 = 0, c3 = 0, c4 = 0; long b1 = 0, b2 = 0;
            fixed (uint* p1 = p1a, m1 = m1a, p2 = p2a, m2 = m2a, o1 = r1.D, o2 = r2.D)
            for (int i = 0; i < n; i++)
            {
                c1 += pa * p1[i]; c2 += ma * m1[i];
                long d = (long)(c1 & 0xFFFFFFFFUL) - (long)(c2 & 0xFFFFFFFFUL) + b1;
                o1[i] = (uint)d; b1 = d >> 32; c1 >>= 32; c2 >>= 32;
                c3 += pc * p2[i]; c4 += mc * m2[i];
                long e = (long)(c3 & 0xFFFFFFFFUL) - (long)(c4 & 0xFFFFFFFFUL) + b2;
                o2[i] = (uint)e; b2 = e >> 32; c3 >>= 32; c4 >>= 32;
            }
            long top1 = (long)c1 - (long)c2 + b1, top2 = (long)c3 - (long)c4 + b2;
            r1.N = n; r1.Neg = false; if (top1 > 0) r1.D[r1.N++] = (uint)top1; r1.Trim();
            r2.N = n; r2.Neg = false; if (top2 > 0) r2.D[r2.N++] = (uint)top2; r2.Trim();
        }

        /// <summary>r = a * 2^s (s may be negative: floor division, as CL ash). r may alias a.</summary>
        public NumStatus Ash(Big a, long s, Big r)
        {
            if (s >= 0)
            {
                if (a.N != 0 && (s >> 5) + a.N + 1 > r.Capacity) return NumStatus.TooLarge;
                bool neg = a.Neg;
                NumStatus st = Mag.Shl(a, s, r);
                r.Neg = neg && r.N != 0;
                return st;
            }
            long k = -s;
            if (!a.Neg) { Mag.Shr(a, k, r); return NumStatus.Ok; }
            // floor(-m / 2^k) = -((m - 1) >> k) - 1
            t3.SetLong(1);
            t4.CopyFrom(a); t4.Neg = false;
            Mag.Sub(t4, t3, t4);
            Mag.Shr(t4, k, t4);
            NumStatus st2 = Mag.Add(t4, t3, r);
            r.Neg = r.N != 0;
            return st2;
        }

        // Two's complement view with L digits (L large enough to hold a sign digit).
        static void ToTwos(Big a, uint[] dst, int L)
        {
            for (int i = 0; i < L; i++) dst[i] = i < a.N ? a.D[i] : 0;
            if (a.Neg)
            {
                ulong carry = 1;
                for (int i = 0; i < L; i++) { carry += (uint)~dst[i]; dst[i] = (uint)carry; carry >>= 32; }
            }
        }

        static void FromTwos(uint[] src, int L, Big r)
        {
            bool neg = (src[L - 1] & 0x80000000u) != 0;
            if (neg)
            {
                ulong carry = 1;
                for (int i = 0; i < L; i++) { carry += (uint)~src[i]; r.D[i] = (uint)carry; carry >>= 32; }
            }
            else for (int i = 0; i < L; i++) r.D[i] = src[i];
            r.N = L; r.Neg = neg; r.Trim();
        }

        /// <summary>op: 0 = and, 1 = ior, 2 = xor. r may alias a or b.</summary>
        public NumStatus Logic(int op, Big a, Big b, Big r)
        {
            int L = (a.N > b.N ? a.N : b.N) + 1;
            if (L > lx.Length || L > r.Capacity) return NumStatus.TooLarge;
            ToTwos(a, lx, L); ToTwos(b, ly, L);
            for (int i = 0; i < L; i++)
                lx[i] = op == 0 ? lx[i] & ly[i] : op == 1 ? lx[i] | ly[i] : lx[i] ^ ly[i];
            FromTwos(lx, L, r);
            return NumStatus.Ok;
        }

        /// <summary>r = lognot(a) = -a - 1. r may alias a.</summary>
        public NumStatus Not(Big a, Big r)
        {
            t3.SetLong(1);
            bool neg = a.Neg;
            r.CopyFrom(a); r.Neg = !neg && r.N != 0;
            if (r.N == 0) { r.SetLong(-1); return NumStatus.Ok; }
            // -a - 1: if a >= 0: -(a + 1); if a < 0: |a| - 1
            if (!neg) { NumStatus st = Mag.Add(r, t3, r); r.Neg = true; return st; }
            Mag.Sub(r, t3, r); r.Neg = false;
            return NumStatus.Ok;
        }

        /// <summary>Parse digits (ASCII) in the given radix into r. Returns NotANumber on a bad digit.</summary>
        public NumStatus FromDigits(byte[] text, int start, int len, int radix, bool negative, Big r)
        {
            r.SetZero();
            if (radix == 10 && len > DecimalText.Threshold * 10)
            {
                for (int k = 0; k < len; k++)
                {
                    int dv = DigitValue(text[start + k]);
                    if (dv < 0 || dv >= 10) return NumStatus.NotANumber;
                }
                if (dec.FromDecimal(text, start, len, r) == NumStatus.Ok) { r.Neg = negative && r.N != 0; return NumStatus.Ok; }
                r.SetZero();
            }
            // Group digits so that radix^k fits in a uint.
            uint maxMul = 1; int per = 0;
            while ((ulong)maxMul * (ulong)radix <= 0xFFFFFFFFUL) { maxMul *= (uint)radix; per++; }
            int i = 0;
            while (i < len)
            {
                uint mul = 1, acc = 0; int k = 0;
                while (k < per && i < len)
                {
                    int dv = DigitValue(text[start + i]);
                    if (dv < 0 || dv >= radix) return NumStatus.NotANumber;
                    acc = acc * (uint)radix + (uint)dv; mul *= (uint)radix; k++; i++;
                }
                NumStatus st = Mag.MulAddSmall(r, mul, acc);
                if (st != NumStatus.Ok) return st;
                if (r.N == 0 && acc != 0) { r.D[0] = acc; r.N = 1; }
            }
            r.Neg = negative && r.N != 0;
            return NumStatus.Ok;
        }

        public static int DigitValue(int c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'z') return c - 'a' + 10;
            if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
            return -1;
        }

        /// <summary>
        /// Writes |a| in the radix (upper-case letters) into buf, most significant first,
        /// returning the number of characters, or -1 if buf is too small. Destroys t1-t4
        /// (base 10 above DecimalText.Threshold digits: divide and conquer).
        /// </summary>
        public int ToDigits(Big a, int radix, byte[] buf)
        {
            if (radix == 10 && a.N >= DecimalText.Threshold)
            {
                int n10 = dec.ToDecimal(a, buf);
                if (n10 > 0) return n10;
            }
            Big w = t4; w.CopyFrom(a); w.Neg = false;
            uint chunk = 1; int per = 0;
            while ((ulong)chunk * (ulong)radix <= 0xFFFFFFFFUL) { chunk *= (uint)radix; per++; }
            int pos = buf.Length;
            if (w.N == 0) { if (pos < 1) return -1; buf[0] = (byte)'0'; return 1; }
            while (w.N != 0)
            {
                uint rem = Mag.DivSmall(w, chunk);
                for (int k = 0; k < per; k++)
                {
                    if (w.N == 0 && rem == 0) break;
                    if (pos == 0) return -1;
                    uint d = rem % (uint)radix; rem /= (uint)radix;
                    buf[--pos] = (byte)(d < 10 ? '0' + d : 'A' + d - 10);
                }
            }
            int n = buf.Length - pos;
            for (int i = 0; i < n; i++) buf[i] = buf[pos + i];
            return n;
        }
    }
}
