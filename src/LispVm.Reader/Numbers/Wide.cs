// Why: 64x64 -> 128-bit multiply and 128/64-bit divide for division on 64-bit limbs. The
// kernel's corelib has no UInt128 or Math.BigMul, and ILC (baseline x86-64, our own
// corelib) does not turn a BigMul into one MUL instruction, so both are built from 32-bit
// halves: four products, and the two-step long division of Hacker's Delight "divlu".
using System.Runtime.CompilerServices;

namespace LispVm.Reader.Numbers
{
    public static class Wide
    {
        /// <summary>High 64 bits of a * b; the low ones in lo.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong MulHi(ulong a, ulong b, out ulong lo)
        {
            ulong al = (uint)a, ah = a >> 32, bl = (uint)b, bh = b >> 32;
            ulong ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
            ulong mid = (ll >> 32) + (uint)lh + (uint)hl;
            lo = (mid << 32) | (uint)ll;
            return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
        }

        /// <summary>
        /// (hi:lo) / d for a normalised d (bit 63 set) and hi &lt; d, so the quotient fits 64
        /// bits; the remainder in rem. Two steps of 64/32-bit digits, each quotient digit
        /// estimated from d's top half and corrected at most twice (Knuth's D3).
        /// </summary>
        public static ulong Div(ulong hi, ulong lo, ulong d, out ulong rem)
        {
            const ulong B = 1UL << 32;
            ulong d1 = d >> 32, d0 = (uint)d, l1 = lo >> 32, l0 = (uint)lo;
            ulong q1 = hi / d1, r = hi - q1 * d1;
            while (q1 >= B || q1 * d0 > ((r << 32) | l1))
            {
                q1--; r += d1;
                if (r >= B) break;
            }
            ulong mid = (hi << 32) + l1 - q1 * d;          // < d: the wrap-around is exact
            ulong q0 = mid / d1; r = mid - q0 * d1;
            while (q0 >= B || q0 * d0 > ((r << 32) | l0))
            {
                q0--; r += d1;
                if (r >= B) break;
            }
            rem = (mid << 32) + l0 - q0 * d;
            return (q1 << 32) | q0;
        }

        /// <summary>Leading zero bits of x (64 for 0).</summary>
        public static int Nlz(ulong x)
        {
            if (x == 0) return 64;
            int n = 0;
            if ((x >> 32) == 0) { n += 32; x <<= 32; }
            if ((x >> 48) == 0) { n += 16; x <<= 16; }
            if ((x >> 56) == 0) { n += 8; x <<= 8; }
            if ((x >> 60) == 0) { n += 4; x <<= 4; }
            if ((x >> 62) == 0) { n += 2; x <<= 2; }
            if ((x >> 63) == 0) n += 1;
            return n;
        }
    }
}
