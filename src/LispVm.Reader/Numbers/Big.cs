// Why: a scratch big integer "register" in sign-magnitude form with 32-bit digits, so
// every digit product fits a ulong and division needs only 64/32 steps (no UInt128 in
// our corelib). Registers are allocated once at boot (BigPool); heap Bignums (64-bit
// two's-complement limbs) are loaded into registers, computed on, and stored back.
namespace LispVm.Reader.Numbers
{
    public sealed class Big
    {
        public readonly uint[] D;   // magnitude, little-endian
        public int N;               // significant digits (no leading zero digit); 0 == zero
        public bool Neg;            // sign; never set when N == 0

        public Big(int capacity) { D = new uint[capacity]; }

        public int Capacity => D.Length;
        public bool IsZero => N == 0;

        public void SetZero() { N = 0; Neg = false; }

        public void SetLong(long v)
        {
            Neg = v < 0;
            SetULong(v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v);
            Neg = v < 0 && N != 0;
        }

        public void SetULong(ulong v)
        {
            Neg = false;
            D[0] = (uint)v; D[1] = (uint)(v >> 32);
            N = D[1] != 0 ? 2 : D[0] != 0 ? 1 : 0;
        }

        public void CopyFrom(Big a)
        {
            for (int i = 0; i < a.N; i++) D[i] = a.D[i];
            N = a.N; Neg = a.Neg;
        }

        public void Trim()
        {
            while (N > 0 && D[N - 1] == 0) N--;
            if (N == 0) Neg = false;
        }

        /// <summary>True when the value fits a signed 64-bit integer; then returns it.</summary>
        public bool TryGetLong(out long v)
        {
            v = 0;
            if (N > 2) return false;
            ulong m = N == 0 ? 0 : N == 1 ? D[0] : ((ulong)D[1] << 32) | D[0];
            if (!Neg) { if (m > 0x7FFFFFFFFFFFFFFFUL) return false; v = (long)m; return true; }
            if (m > 0x8000000000000000UL) return false;
            v = (long)(0 - m); return true;
        }

        public int BitLength()
        {
            if (N == 0) return 0;
            uint top = D[N - 1]; int b = 0;
            while (top != 0) { b++; top >>= 1; }
            return (N - 1) * 32 + b;
        }

        public bool Bit(long i)
        {
            if (i < 0) return false;
            long w = i >> 5;
            if (w >= N) return false;
            return ((D[w] >> (int)(i & 31)) & 1) != 0;
        }

        /// <summary>True when any bit below position i (exclusive) is set.</summary>
        public bool AnyBitBelow(long i)
        {
            if (i <= 0) return false;
            long w = i >> 5; int b = (int)(i & 31);
            for (long k = 0; k < w && k < N; k++) if (D[k] != 0) return true;
            if (w < N && b != 0 && (D[w] & ((1u << b) - 1)) != 0) return true;
            return false;
        }

        public bool IsOdd => N > 0 && (D[0] & 1) != 0;
    }
}
