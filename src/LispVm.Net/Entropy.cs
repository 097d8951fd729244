// Why: the stack's only source of unpredictability (TCP initial sequence numbers and
// ephemeral ports, RFC 6528), fed from outside so the stack stays platform-neutral. The
// kernel feeds RDRAND when CPUID has it, else TSC jitter; tests pass a seeded source. The
// default (FallbackEntropy) mixes the MAC and the clock: predictable, only for a stack nobody
// gave a source, and said so here.
namespace LispVm.Net
{
    public interface IEntropySource
    {
        /// <summary>64 fresh unpredictable bits.</summary>
        ulong Next();
    }

    /// <summary>SplitMix64 over a seed: deterministic, for tests and as the weak default.</summary>
    public sealed class SeededEntropy : IEntropySource
    {
        ulong state;
        public SeededEntropy(ulong seed) { state = seed; }
        public void Reseed(ulong seed) { state = seed; }

        public ulong Next()
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>SipHash-2-4 (Aumasson and Bernstein) of up to four 32-bit words under a
    /// 128-bit key: the keyed hash of RFC 6528's ISN = clock + F(4-tuple, secret).</summary>
    public static class SipHash
    {
        static ulong Rotl(ulong x, int b) { return (x << b) | (x >> (64 - b)); }

        static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
        {
            v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
            v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
        }

        /// <summary>The hash of the 16-byte message (a, b, c, d little-endian words).</summary>
        public static ulong Hash(ulong k0, ulong k1, uint a, uint b, uint c, uint d)
        {
            ulong v0 = 0x736f6d6570736575UL ^ k0, v1 = 0x646f72616e646f6dUL ^ k1;
            ulong v2 = 0x6c7967656e657261UL ^ k0, v3 = 0x7465646279746573UL ^ k1;
            ulong m0 = a | ((ulong)b << 32), m1 = c | ((ulong)d << 32);
            v3 ^= m0; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= m0;
            v3 ^= m1; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= m1;
            ulong last = 16UL << 56;
            v3 ^= last; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= last;
            v2 ^= 0xff;
            Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3);
            return v0 ^ v1 ^ v2 ^ v3;
        }
    }
}
