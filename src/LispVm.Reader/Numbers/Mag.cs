// Why: the magnitude (unsigned) kernels every bignum operation is built from: compare,
// add, subtract, schoolbook multiply, small-digit multiply/divide and bit shifts. They
// work on Big registers, never allocate, and report TooLarge instead of overrunning.
namespace LispVm.Reader.Numbers
{
    public static unsafe class Mag
    {
        public static int Cmp(Big a, Big b)
        {
            if (a.N != b.N) return a.N < b.N ? -1 : 1;
            for (int i = a.N - 1; i >= 0; i--)
                if (a.D[i] != b.D[i]) return a.D[i] < b.D[i] ? -1 : 1;
            return 0;
        }

        /// <summary>r = |a| + |b| (r may alias a or b). Sign of r is left to the caller.</summary>
        public static NumStatus Add(Big a, Big b, Big r)
        {
            if (a.N < b.N) { Big t = a; a = b; b = t; }
            if (a.N + 1 > r.Capacity) return NumStatus.TooLarge;
            ulong carry = 0; int i = 0;
            for (; i < b.N; i++) { carry += (ulong)a.D[i] + b.D[i]; r.D[i] = (uint)carry; carry >>= 32; }
            for (; i < a.N; i++) { carry += a.D[i]; r.D[i] = (uint)carry; carry >>= 32; }
            int n = a.N;
            if (carry != 0) r.D[n++] = (uint)carry;
            r.N = n; r.Neg = false;
            return NumStatus.Ok;
        }

        /// <summary>r = |a| - |b|, requires |a| >= |b| (r may alias a or b).</summary>
        public static void Sub(Big a, Big b, Big r)
        {
            long borrow = 0; int i = 0;
            for (; i < b.N; i++)
            {
                long d = (long)a.D[i] - b.D[i] + borrow;
                r.D[i] = (uint)d; borrow = d >> 32;
            }
            for (; i < a.N; i++)
            {
                long d = (long)a.D[i] + borrow;
                r.D[i] = (uint)d; borrow = d >> 32;
            }
            r.N = a.N; r.Neg = false; r.Trim();
        }

        /// <summary>r = |a| * |b|; r must not alias a or b.</summary>
        public static NumStatus Mul(Big a, Big b, Big r, IInterruptPoll poll)
        {
            if (a.N == 0 || b.N == 0) { r.SetZero(); return NumStatus.Ok; }
            if (a.N > b.N) { Big t = a; a = b; b = t; }   // the long operand in the inner loop
            int n = a.N + b.N;
            if (n > r.Capacity) return NumStatus.TooLarge;
            for (int i = 0; i < n; i++) r.D[i] = 0;
            int nb = b.N;
            fixed (uint* pa = a.D, pb = b.D, pr = r.D)   // lengths checked above: no bounds checks inside
                for (int i = 0; i < a.N; i++)
                {
                    if (poll != null && (i & 255) == 255 && poll.InterruptPending()) return NumStatus.Interrupted;
                    ulong ai = pa[i], carry = 0;
                    if (ai == 0) continue;
                    uint* ri = pr + i;
                    for (int j = 0; j < nb; j++)
                    {
                        carry += ai * pb[j] + ri[j];
                        ri[j] = (uint)carry; carry >>= 32;
                    }
                    ri[nb] = (uint)carry;
                }
            r.N = n; r.Neg = false; r.Trim();
            return NumStatus.Ok;
        }

        /// <summary>a = a * m + add (in place, magnitude).</summary>
        public static NumStatus MulAddSmall(Big a, uint m, uint add)
        {
            ulong carry = add;
            for (int i = 0; i < a.N; i++) { carry += (ulong)a.D[i] * m; a.D[i] = (uint)carry; carry >>= 32; }
            if (carry != 0)
            {
                if (a.N >= a.Capacity) return NumStatus.TooLarge;
                a.D[a.N++] = (uint)carry;
            }
            if (a.N == 0) a.Neg = false;
            return NumStatus.Ok;
        }

        /// <summary>a = a / d (in place, magnitude); returns the remainder. d != 0.</summary>
        public static uint DivSmall(Big a, uint d)
        {
            ulong rem = 0;
            for (int i = a.N - 1; i >= 0; i--)
            {
                ulong cur = (rem << 32) | a.D[i];
                a.D[i] = (uint)(cur / d); rem = cur % d;
            }
            a.Trim();
            return (uint)rem;
        }

        /// <summary>r = |a| &lt;&lt; s (r may alias a).</summary>
        public static NumStatus Shl(Big a, long s, Big r)
        {
            if (a.N == 0) { r.SetZero(); return NumStatus.Ok; }
            long words = s >> 5; int bits = (int)(s & 31);
            if (a.N + words + 1 > r.Capacity) return NumStatus.TooLarge;
            int w = (int)words;
            int n = a.N;
            if (bits == 0)
            {
                for (int i = n - 1; i >= 0; i--) r.D[i + w] = a.D[i];
            }
            else
            {
                r.D[n + w] = a.D[n - 1] >> (32 - bits);
                for (int i = n - 1; i > 0; i--) r.D[i + w] = (a.D[i] << bits) | (a.D[i - 1] >> (32 - bits));
                r.D[w] = a.D[0] << bits;
                n++;
            }
            for (int i = 0; i < w; i++) r.D[i] = 0;
            r.N = n + w; r.Neg = false; r.Trim();
            return NumStatus.Ok;
        }

        /// <summary>r = |a| >> s, truncating (r may alias a).</summary>
        public static void Shr(Big a, long s, Big r)
        {
            long words = s >> 5; int bits = (int)(s & 31);
            if (words >= a.N) { r.SetZero(); return; }
            int w = (int)words;
            int n = a.N - w;
            for (int i = 0; i < n; i++)
            {
                uint lo = a.D[i + w] >> bits;
                uint hi = (bits != 0 && i + w + 1 < a.N) ? a.D[i + w + 1] << (32 - bits) : 0;
                r.D[i] = lo | hi;
            }
            r.N = n; r.Neg = false; r.Trim();
        }
    }
}
