// Bit and memory primitives the collector needs, written out because the kernel corelib
// has no BitOperations or Buffer. Plain loops; the JIT/ILC vectorise nothing here, but
// these run only in collection phases that are linear in the heap anyway.
using System.Runtime.CompilerServices;

namespace LispVm.Gc
{
    internal static unsafe class Bits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int PopCount(ulong x)
        {
            x = x - ((x >> 1) & 0x5555555555555555UL);
            x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
            x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
            return (int)((x * 0x0101010101010101UL) >> 56);
        }

        /// <summary>Index of the lowest set bit; x must be non-zero.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int TrailingZeros(ulong x) { return PopCount((x & (0 - x)) - 1); }

        /// <summary>Forward word copy; safe for overlapping ranges when dst <= src.</summary>
        public static void CopyWords(ulong* dst, ulong* src, ulong n)
        {
            for (ulong i = 0; i < n; i++) dst[i] = src[i];
        }

        public static void FillWords(ulong* dst, ulong value, ulong n)
        {
            for (ulong i = 0; i < n; i++) dst[i] = value;
        }

        public static void ZeroBytes(byte* p, ulong n)
        {
            ulong i = 0;
            if ((((ulong)p) & 7) == 0) { for (; i + 8 <= n; i += 8) *(ulong*)(p + i) = 0; }
            for (; i < n; i++) p[i] = 0;
        }

        public static void CopyBytes(byte* dst, byte* src, ulong n)
        {
            for (ulong i = 0; i < n; i++) dst[i] = src[i];
        }

        /// <summary>Sets bits [idx, idx+n) of a bitmap of ulongs.</summary>
        public static void SetRange(ulong* map, ulong idx, ulong n)
        {
            while (n > 0)
            {
                ulong w = idx >> 6; int b = (int)(idx & 63);
                ulong take = 64 - (ulong)b; if (take > n) take = n;
                ulong mask = take == 64 ? ~0UL : (((1UL << (int)take) - 1) << b);
                map[w] |= mask;
                idx += take; n -= take;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Test(ulong* map, ulong idx) { return (map[idx >> 6] & (1UL << (int)(idx & 63))) != 0; }

        /// <summary>First set bit index in [idx, end), or end.</summary>
        public static ulong NextSet(ulong* map, ulong idx, ulong end)
        {
            while (idx < end)
            {
                ulong w = map[idx >> 6] >> (int)(idx & 63);
                if (w != 0) { idx += (ulong)TrailingZeros(w); return idx < end ? idx : end; }
                idx = (idx | 63) + 1;
            }
            return end;
        }
    }
}
