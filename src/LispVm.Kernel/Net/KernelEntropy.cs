// Why: the stack's unpredictability in the image (RFC 6528 ISNs, ephemeral ports). RDRAND
// when CPUID.01H:ECX bit 30 says the CPU has it and a start-up check passes (four draws that
// succeed, differ, and are not all-zero/all-one bits: some AMD parts returned ~0 with CF set);
// else TSC jitter: JitterSamples rdtsc deltas, each around a short busy loop, folded through
// SipHash into a 128-bit key. We assume at least 1 bit of unpredictability per 64 deltas,
// so 8192 deltas give the 128-bit key at least 128 bits; Next() is then SipHash of the key over
// a counter and a fresh rdtsc. Under Xen PV, cpuid is either not trapped or emulated by Xen
// with the domain's policy (CPUID faulting), which may hide RDRAND: then it is TSC jitter.
// An RDRAND that fails at run time (ten empty tries) falls back to the keyed hash, counted.
// The option word `entropy=tsc-jitter` forces the jitter path (to test it where RDRAND exists).
// Built once at boot; nothing allocates afterwards.
using LispVm.Net;

namespace LispVm.Kernel
{
    internal sealed unsafe class KernelEntropy : IEntropySource
    {
        public const int JitterSamples = 8192;
        public const int AssumedBits = 128;          // 1 bit per 64 deltas
        const int BusyIterations = 64;              // work between two rdtsc reads
        const int WeakChanges = 256;                // fewer delta changes than this: say "weak"

        /// <summary>"rdrand", "tsc-jitter", or "tsc-jitter-weak" (the deltas barely varied).</summary>
        public readonly string Name;
        public long RdrandFailures;
        readonly bool useRdrand;
        ulong k0, k1, counter;
        ulong sink;                                  // the busy loop's result, kept so it runs

        public KernelEntropy(bool forceJitter)
        {
            useRdrand = !forceJitter && CpuHasRdrand() && RdrandHealthy();
            if (useRdrand)
            {
                ulong v;
                k0 = Native.Rdrand(&v) != 0 ? v : Native.Rdtsc();
                k1 = Native.Rdrand(&v) != 0 ? v : ~Native.Rdtsc();
                Name = "rdrand";
            }
            else Name = CollectJitter() < WeakChanges ? "tsc-jitter-weak" : "tsc-jitter";
        }

        /// <summary>CPUID.01H:ECX bit 30 (leaf 1 must exist: CPUID.00H:EAX >= 1).</summary>
        public static bool CpuHasRdrand()
        {
            uint* r = stackalloc uint[4];
            Native.Cpuid(0, 0, r);
            if (r[0] < 1) return false;
            Native.Cpuid(1, 0, r);
            return (r[2] & (1u << 30)) != 0;
        }

        static bool RdrandHealthy()
        {
            ulong prev = 0;
            for (int i = 0; i < 4; i++)
            {
                ulong v;
                if (Native.Rdrand(&v) == 0 || v == 0 || v == ulong.MaxValue || v == prev) return false;
                prev = v;
            }
            return true;
        }

        public ulong Next()
        {
            counter++;
            if (useRdrand)
            {
                ulong v;
                if (Native.Rdrand(&v) != 0 && v != ulong.MaxValue) return v;
                RdrandFailures++;
            }
            ulong t = Native.Rdtsc();
            return SipHash.Hash(k0, k1, (uint)counter, (uint)(counter >> 32), (uint)t, (uint)(t >> 32));
        }

        /// <summary>Folds JitterSamples rdtsc deltas into the key; how often a delta differed
        /// from the one before (a crude health figure).</summary>
        int CollectJitter()
        {
            ulong a = 0x6a09e667f3bcc908UL, b = 0xbb67ae8584caa73bUL;
            ulong prev = Native.Rdtsc(), last = 0;
            int changes = 0;
            for (int i = 0; i < JitterSamples; i++)
            {
                ulong x = sink;
                for (int k = 0; k < BusyIterations; k++) x = x * 6364136223846793005UL + (ulong)k;
                sink = x;
                ulong t = Native.Rdtsc();
                ulong d = t - prev;
                prev = t;
                if (d != last) changes++;
                last = d;
                ulong h = SipHash.Hash(a, b, (uint)d, (uint)(d >> 32), (uint)i, (uint)t);
                a = b;
                b ^= h;
            }
            k0 = a;
            k1 = b;
            return changes;
        }
    }
}
