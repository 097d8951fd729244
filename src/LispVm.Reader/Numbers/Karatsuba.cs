// Why: schoolbook multiplication costs n^2 digit products; Karatsuba's three half-size
// products make it n^1.585 (2000-digit operands: ~6x fewer). Magnitudes only, on raw
// 32-bit digit arrays with offsets; all temporaries come from one scratch array sized at
// boot (8n + 512 digits for n-digit operands), and the recursion depth is log2(n/16)
// (at most 10 for the largest integers), never the user's data depth.
namespace LispVm.Reader.Numbers
{
    public static unsafe class Karatsuba
    {
        /// <summary>Below this many digits (the shorter operand) schoolbook is faster.</summary>
        public const int Threshold = 40;

        /// <summary>Scratch digits needed for operands of up to n digits.</summary>
        public static int ScratchFor(int n) => 8 * n + 512;

        /// <summary>r[ro .. ro+na+nb) = a[ao .. ao+na) * b[bo .. bo+nb); r distinct from a and b,
        /// na, nb &gt; 0. s: scratch from so on.</summary>
        public static void Mul(uint[] a, int ao, int na, uint[] b, int bo, int nb, uint[] r, int ro, uint[] s, int so)
        {
            if (na < nb) { uint[] t = a; a = b; b = t; int x = ao; ao = bo; bo = x; x = na; na = nb; nb = x; }
            if (nb < Threshold) { School(a, ao, na, b, bo, nb, r, ro); return; }
            if (na == nb) { Square(a, ao, b, bo, na, r, ro, s, so); return; }
            // Unequal: the longer operand in chunks of nb digits, each product added in place.
            for (int i = 0; i < na + nb; i++) r[ro + i] = 0;
            int pos = 0;
            while (pos < na)
            {
                int len = na - pos < nb ? na - pos : nb;
                Mul(a, ao + pos, len, b, bo, nb, s, so, s, so + len + nb);
                AddInto(r, ro + pos, na + nb - pos, s, so, len + nb);
                pos += len;
            }
        }

        // Equal lengths n >= Threshold: a = a1*B^m + a0, b = b1*B^m + b0;
        // a*b = z2*B^2m + ((a0+a1)(b0+b1) - z2 - z0)*B^m + z0.
        static void Square(uint[] a, int ao, uint[] b, int bo, int n, uint[] r, int ro, uint[] s, int so)
        {
            int m = n / 2, h = n - m;
            Mul(a, ao, m, b, bo, m, r, ro, s, so);                       // z0 -> r[0, 2m)
            Mul(a, ao + m, h, b, bo + m, h, r, ro + 2 * m, s, so);       // z2 -> r[2m, 2n)
            int sa = so, sb = so + h + 1, z1 = so + 2 * (h + 1), rest = z1 + 2 * (h + 1);
            AddHalves(a, ao, m, h, s, sa);
            AddHalves(b, bo, m, h, s, sb);
            int la = Len(s, sa, h + 1), lb = Len(s, sb, h + 1);
            int lz = la + lb;
            if (la == 0 || lb == 0) lz = 0;
            else Mul(s, sa, la, s, sb, lb, s, z1, s, rest);
            SubFrom(s, z1, lz, r, ro, 2 * m);                          // - z0
            SubFrom(s, z1, lz, r, ro + 2 * m, 2 * h);                  // - z2
            AddInto(r, ro + m, 2 * n - m, s, z1, Len(s, z1, lz));
        }

        static int Len(uint[] x, int o, int n) { while (n > 0 && x[o + n - 1] == 0) n--; return n; }

        // s[d .. d+h+1) = x[o .. o+m) + x[o+m .. o+m+h) (m <= h)
        static void AddHalves(uint[] x, int o, int m, int h, uint[] s, int d)
        {
            ulong c = 0;
            for (int i = 0; i < h; i++)
            {
                c += (ulong)x[o + m + i] + (i < m ? x[o + i] : 0u);
                s[d + i] = (uint)c; c >>= 32;
            }
            s[d + h] = (uint)c;
        }

        // t[to .. to+tn) += x[xo .. xo+xn) (the sum fits in tn digits)
        static void AddInto(uint[] t, int to, int tn, uint[] x, int xo, int xn)
        {
            ulong c = 0; int i = 0;
            for (; i < xn; i++) { c += (ulong)t[to + i] + x[xo + i]; t[to + i] = (uint)c; c >>= 32; }
            for (; c != 0 && i < tn; i++) { c += t[to + i]; t[to + i] = (uint)c; c >>= 32; }
        }

        // x[xo .. xo+xn) -= y[yo .. yo+yn) (the difference is non-negative)
        static void SubFrom(uint[] x, int xo, int xn, uint[] y, int yo, int yn)
        {
            long br = 0; int i = 0;
            for (; i < yn && i < xn; i++) { long d = (long)x[xo + i] - y[yo + i] + br; x[xo + i] = (uint)d; br = d >> 32; }
            for (; br != 0 && i < xn; i++) { long d = (long)x[xo + i] + br; x[xo + i] = (uint)d; br = d >> 32; }
        }

        static void School(uint[] a, int ao, int na, uint[] b, int bo, int nb, uint[] r, int ro)
        {
            for (int i = 0; i < na + nb; i++) r[ro + i] = 0;   // also checks r's range
            if (ao + na > a.Length || bo + nb > b.Length) return;   // never: callers pass ranges inside
            fixed (uint* pa0 = a, pb0 = b, pr0 = r)
            {
                uint* pa = pa0 + ao, pb = pb0 + bo;
                for (int i = 0; i < na; i++)
                {
                    ulong ai = pa[i], carry = 0;
                    if (ai == 0) continue;
                    uint* rk = pr0 + ro + i;
                    for (int j = 0; j < nb; j++)
                    {
                        carry += ai * pb[j] + rk[j];
                        rk[j] = (uint)carry; carry >>= 32;
                    }
                    rk[nb] = (uint)carry;
                }
            }
        }
    }
}
