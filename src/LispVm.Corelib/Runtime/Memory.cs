// Why: ILC routes block copies/fills (struct copies, stackalloc zeroing, initblk/cpblk) to
// these by name. Plain byte loops: correct for overlap and free of any allocation.
namespace System
{
    internal static unsafe class SpanHelpers
    {
        internal static void Memmove(ref byte dest, ref byte src, nuint len)
        {
            fixed (byte* d = &dest) fixed (byte* s = &src) Internal.Runtime.Mem.Move(d, s, len);
        }
        internal static void Fill(ref byte dest, byte value, nuint len)
        {
            fixed (byte* d = &dest) Internal.Runtime.Mem.Set(d, value, len);
        }
        internal static void ClearWithoutReferences(ref byte dest, nuint len)
        {
            fixed (byte* d = &dest) Internal.Runtime.Mem.Set(d, 0, len);
        }
    }

    internal static unsafe class Buffer
    {
        internal static void BulkMoveWithWriteBarrier(ref byte dest, ref byte src, nuint len)
        {
            fixed (byte* d = &dest) fixed (byte* s = &src) Internal.Runtime.Mem.Move(d, s, len);
        }
        internal static void Memmove(ref byte dest, ref byte src, nuint len)
        {
            fixed (byte* d = &dest) fixed (byte* s = &src) Internal.Runtime.Mem.Move(d, s, len);
        }
    }
}

namespace Internal.Runtime
{
    public static unsafe class Mem
    {
        public static void Move(byte* d, byte* s, nuint n)
        {
            if (d == s || n == 0) return;
            if (d < s || d >= s + n)
            {
                nuint i = 0;
                for (; i + 8 <= n; i += 8) *(ulong*)(d + i) = *(ulong*)(s + i);
                for (; i < n; i++) d[i] = s[i];
            }
            else
            {
                nuint i = n;
                while (i > 0) { i--; d[i] = s[i]; }
            }
        }

        public static void Set(byte* d, byte v, nuint n)
        {
            for (nuint i = 0; i < n; i++) d[i] = v;
        }
    }
}
