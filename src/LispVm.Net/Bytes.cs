// Why: network byte order (big-endian) reads and writes and plain byte copies, in one place,
// so no layer does its own shifting. Callers bound-check first: these helpers trust p.
namespace LispVm.Net
{
    public static unsafe class Bytes
    {
        public static ushort Get16(byte* p) { return (ushort)((p[0] << 8) | p[1]); }

        public static uint Get32(byte* p)
        {
            return ((uint)p[0] << 24) | ((uint)p[1] << 16) | ((uint)p[2] << 8) | p[3];
        }

        public static void Put16(byte* p, int v) { p[0] = (byte)(v >> 8); p[1] = (byte)v; }

        public static void Put32(byte* p, uint v)
        {
            p[0] = (byte)(v >> 24); p[1] = (byte)(v >> 16); p[2] = (byte)(v >> 8); p[3] = (byte)v;
        }

        /// <summary>Copies n bytes; the ranges may overlap.</summary>
        public static void Copy(byte* dst, byte* src, int n)
        {
            if (n <= 0 || dst == src) return;
            if (dst < src || dst >= src + n) { for (int i = 0; i < n; i++) dst[i] = src[i]; }
            else { for (int i = n - 1; i >= 0; i--) dst[i] = src[i]; }
        }

        public static void Fill(byte* dst, byte v, int n) { for (int i = 0; i < n; i++) dst[i] = v; }

        public static bool Equal(byte* a, byte* b, int n)
        {
            for (int i = 0; i < n; i++) if (a[i] != b[i]) return false;
            return true;
        }
    }
}
