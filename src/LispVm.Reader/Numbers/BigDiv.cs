// Why: long division of magnitudes (Knuth, TAOCP vol. 2, 4.3.1 algorithm D): O(m*n)
// limb steps, and the outer loop polls interrupts. The registers hold 32-bit digits, but
// the division runs on 64-bit limbs (pairs of digits read in place, little-endian): a
// quarter of the inner steps, each a 64x64 product from 32-bit halves (Wide.MulHi) --
// about 2.5x fewer instructions per digit pair than the 32-bit loop, which stays for
// registers too small for the 64-bit layout (Hacker's Delight "divmnu").
namespace LispVm.Reader.Numbers
{
    public static unsafe class BigDiv
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
            if (b.N == 2 && a.N + 1 <= q.Capacity) return DivLimb(a, b, q, r);
            if (b.N > 2 && a.N + 4 <= un.Capacity && b.N + 1 <= vn.Capacity && a.N - b.N + 4 <= q.Capacity && b.N + 1 <= r.Capacity)
                return DivMod64(a, b, q, r, un, vn, poll);
            return DivMod32(a, b, q, r, un, vn, poll);
        }

        /// <summary>Limb k (64 bits) of |x|: digits 2k and 2k+1, zero beyond x.N.</summary>
        static ulong Limb(Big x, int k)
        {
            int i = 2 * k;
            ulong lo = i < x.N ? x.D[i] : 0u, hi = i + 1 < x.N ? x.D[i + 1] : 0u;
            return lo | (hi << 32);
        }

        /// <summary>One-limb divisor (b.N == 2): one 128/64 division per limb of a, the dividend
        /// normalised on the fly.</summary>
        static NumStatus DivLimb(Big a, Big b, Big q, Big r)
        {
            ulong v = Limb(b, 0);
            int s = Wide.Nlz(v), m = (a.N + 1) / 2;
            v <<= s;
            ulong atop = Limb(a, m - 1);                          // may be a half digit
            ulong rem = s == 0 ? 0 : atop >> (64 - s);
            fixed (uint* pq = q.D, pa = a.D)
            {
                ulong* Q = (ulong*)pq, A = (ulong*)pa;
                for (int k = m - 1; k >= 0; k--)
                {
                    ulong l = k == m - 1 ? atop : A[k];
                    if (s != 0) l = (l << s) | (k > 0 ? A[k - 1] >> (64 - s) : 0);
                    Q[k] = Wide.Div(rem, l, v, out rem);
                }
            }
            q.N = 2 * m; q.Neg = false; q.Trim();
            r.SetULong(rem >> s);
            return NumStatus.Ok;
        }

        /// <summary>Algorithm D on 64-bit limbs; a &gt;= b, b of 3 or more digits; capacities
        /// checked by DivMod.</summary>
        static NumStatus DivMod64(Big a, Big b, Big q, Big r, Big un, Big vn, IInterruptPoll poll)
        {
            int m = (a.N + 1) / 2, n = (b.N + 1) / 2;
            int s = Wide.Nlz(Limb(b, n - 1));
            ulong atop = Limb(a, m - 1), btop = Limb(b, n - 1);   // the top limbs may be half digits
            fixed (uint* pu = un.D, pv = vn.D, pq = q.D, pr = r.D, pa = a.D, pb = b.D)
            {
                ulong* U = (ulong*)pu, V = (ulong*)pv, Q = (ulong*)pq, R = (ulong*)pr;
                ulong* A = (ulong*)pa, Bl = (ulong*)pb;
                // normalise: shift both left by s so that V's top limb has bit 63 set
                ulong prev = 0;
                for (int i = 0; i < n; i++)
                {
                    ulong l = i < n - 1 ? Bl[i] : btop;
                    V[i] = s == 0 ? l : (l << s) | (prev >> (64 - s));
                    prev = l;
                }
                prev = 0;
                for (int i = 0; i < m; i++)
                {
                    ulong l = i < m - 1 ? A[i] : atop;
                    U[i] = s == 0 ? l : (l << s) | (prev >> (64 - s));
                    prev = l;
                }
                U[m] = s == 0 ? 0 : prev >> (64 - s);
                ulong vtop = V[n - 1], vnext = V[n - 2];
                for (int j = m - n; j >= 0; j--)
                {
                    if (poll != null && (j & 63) == 63 && poll.InterruptPending()) return NumStatus.Interrupted;
                    // qhat = (U[j+n]:U[j+n-1]) / vtop, at most b-1 (U[j+n] <= vtop); corrected
                    // with the next limb so that it is exact or one too large
                    ulong uhi = U[j + n], ulo = U[j + n - 1], qhat, rhat;
                    bool rbig = false;
                    if (uhi >= vtop)
                    {
                        qhat = ulong.MaxValue;
                        rhat = ulo + vtop;                          // = num - qhat*vtop
                        rbig = rhat < ulo;                          // >= 2^64: no correction
                    }
                    else qhat = Wide.Div(uhi, ulo, vtop, out rhat);
                    while (!rbig)
                    {
                        ulong ph = Wide.MulHi(qhat, vnext, out ulong pl);
                        if (ph < rhat || (ph == rhat && pl <= U[j + n - 2])) break;
                        qhat--;
                        ulong r2 = rhat + vtop;
                        rbig = r2 < rhat; rhat = r2;
                    }
                    // U[j .. j+n] -= qhat * V
                    ulong borrow = 0, ql = (uint)qhat, qh = qhat >> 32;
                    ulong* u = U + j;
                    for (int i = 0; i < n; i++)
                    {
                        // (ph:pl) = qhat * V[i], Wide.MulHi with qhat's halves hoisted
                        ulong v = V[i], vl = (uint)v, vh = v >> 32;
                        ulong ll = ql * vl, lh = ql * vh, hl = qh * vl;
                        ulong mid = (ll >> 32) + (uint)lh + (uint)hl;
                        ulong pl = (mid << 32) | (uint)ll;
                        ulong ph = qh * vh + (lh >> 32) + (hl >> 32) + (mid >> 32);
                        pl += borrow; ph += pl < borrow ? 1UL : 0UL;
                        ulong t = u[i];
                        u[i] = t - pl;
                        borrow = ph + (t < pl ? 1UL : 0UL);
                    }
                    ulong top = u[n];
                    u[n] = top - borrow;
                    if (top < borrow)
                    {
                        // qhat was one too large (probability ~2/2^64): add V back
                        qhat--;
                        ulong c = 0;
                        for (int i = 0; i < n; i++)
                        {
                            ulong t = u[i] + c; c = t < c ? 1UL : 0UL;
                            ulong t2 = t + V[i]; c += t2 < t ? 1UL : 0UL;
                            u[i] = t2;
                        }
                        u[n] += c;
                    }
                    Q[j] = qhat;
                }
                q.N = 2 * (m - n + 1); q.Neg = false; q.Trim();
                // remainder = U[0 .. n) >> s
                for (int i = 0; i < n; i++)
                    R[i] = s == 0 ? U[i] : (U[i] >> s) | (U[i + 1] << (64 - s));
                r.N = 2 * n; r.Neg = false; r.Trim();
            }
            return NumStatus.Ok;
        }

        static NumStatus DivMod32(Big a, Big b, Big q, Big r, Big un, Big vn, IInterruptPoll poll)
        {
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
