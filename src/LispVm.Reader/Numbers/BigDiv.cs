// Why: long division of magnitudes (Knuth, TAOCP vol. 2, 4.3.1 algorithm D, in the
// 32-bit-digit form of Hacker's Delight "divmnu"): O(m*n) digit steps, so dividing two
// 1000-digit numbers costs about 10^4 multiply-adds, and the outer loop polls interrupts.
namespace LispVm.Reader.Numbers
{
    public static class BigDiv
    {
        static int Nlz(uint x)
        {
            if (x == 0) return 32;
            int n = 0;
            while ((x & 0x80000000u) == 0) { n++; x <<= 1; }
            return n;
        }

        /// <summary>
        /// q = |a| / |b|, r = |a| mod |b| (truncating, magnitudes). q and r must be distinct
        /// from a, b and each other; un and vn are scratch registers.
        /// </summary>
        public static NumStatus DivMod(Big a, Big b, Big q, Big r, Big un, Big vn, IInterruptPoll poll)
        {
            if (b.N == 0) return NumStatus.DivisionByZero;
            if (Mag.Cmp(a, b) < 0) { r.CopyFrom(a); r.Neg = false; q.SetZero(); return NumStatus.Ok; }
            if (b.N == 1)
            {
                q.CopyFrom(a); q.Neg = false;
                uint rem = Mag.DivSmall(q, b.D[0]);
                r.SetULong(rem);
                return NumStatus.Ok;
            }
            int m = a.N, n = b.N;
            if (m + 1 > un.Capacity || n > vn.Capacity || m - n + 1 > q.Capacity || n > r.Capacity)
                return NumStatus.TooLarge;
            int s = Nlz(b.D[n - 1]);
            uint[] v = b.D, u = a.D, U = un.D, V = vn.D, Q = q.D;
            for (int i = n - 1; i > 0; i--) V[i] = (uint)(((ulong)v[i] << s) | ((ulong)v[i - 1] >> (32 - s)));
            V[0] = (uint)((ulong)v[0] << s);
            U[m] = (uint)((ulong)u[m - 1] >> (32 - s));
            for (int i = m - 1; i > 0; i--) U[i] = (uint)(((ulong)u[i] << s) | ((ulong)u[i - 1] >> (32 - s)));
            U[0] = (uint)((ulong)u[0] << s);
            const ulong B = 0x100000000UL;
            ulong vtop = V[n - 1], vnext = V[n - 2];
            for (int j = m - n; j >= 0; j--)
            {
                if (poll != null && (j & 127) == 127 && poll.InterruptPending()) return NumStatus.Interrupted;
                ulong num = ((ulong)U[j + n] << 32) | U[j + n - 1];
                ulong qhat = num / vtop, rhat = num % vtop;
                while (qhat >= B || qhat * vnext > ((rhat << 32) | U[j + n - 2]))
                {
                    qhat--; rhat += vtop;
                    if (rhat >= B) break;
                }
                long k = 0, t;
                for (int i = 0; i < n; i++)
                {
                    ulong p = qhat * V[i];
                    t = (long)U[i + j] - k - (long)(p & 0xFFFFFFFFUL);
                    U[i + j] = (uint)t;
                    k = (long)(p >> 32) - (t >> 32);
                }
                t = (long)U[j + n] - k; U[j + n] = (uint)t;
                if (t < 0)
                {
                    qhat--;
                    k = 0;
                    for (int i = 0; i < n; i++)
                    {
                        t = (long)U[i + j] + V[i] + k;
                        U[i + j] = (uint)t; k = t >> 32;
                    }
                    U[j + n] = (uint)(U[j + n] + k);
                }
                Q[j] = (uint)qhat;
            }
            q.N = m - n + 1; q.Neg = false; q.Trim();
            for (int i = 0; i < n; i++)
                r.D[i] = (uint)(((ulong)U[i] >> s) | ((ulong)U[i + 1] << (32 - s)));
            r.N = n; r.Neg = false; r.Trim();
            return NumStatus.Ok;
        }
    }
}
