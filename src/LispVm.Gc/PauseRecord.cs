// Why: pause figures for the GC-vs-paging experiments (issue 18): how long the mutator
// stood still per collection, minor and full separately, as p50/p99/max. A fixed-size
// log-linear histogram (8 sub-buckets per power of two: figures within 12.5%) made at
// construction, so recording never allocates. A "pause" is one collection request as the
// mutator sees it: a minor collection escalated to a full one is one full pause.
namespace LispVm.Gc
{
    public enum PauseKind { All = 0, Minor = 1, Full = 2 }

    public sealed class PauseRecord
    {
        const int SubBits = 3, Sub = 1 << SubBits;
        /// <summary>Buckets per kind: values 0..7 exactly, then 8 per power of two up to long.MaxValue.</summary>
        public const int Buckets = Sub + (62 - SubBits + 1) * Sub;

        readonly ulong[] _minor = new ulong[Buckets], _full = new ulong[Buckets];
        readonly ulong[] _count = new ulong[3];
        readonly long[] _total = new long[3], _max = new long[3];

        /// <summary>The bucket of a pause of `us` microseconds.</summary>
        public static int BucketOf(long us)
        {
            if (us < Sub) return us < 0 ? 0 : (int)us;
            int e = 63;
            while (((ulong)us >> e) == 0) e--;
            int sub = (int)(((ulong)us >> (e - SubBits)) & (Sub - 1));
            return Sub + (e - SubBits) * Sub + sub;
        }

        /// <summary>The largest value bucket `b` holds.</summary>
        public static long BucketTop(int b)
        {
            if (b < Sub) return b;
            int e = (b - Sub) / Sub + SubBits, sub = (b - Sub) % Sub;
            ulong low = (ulong)(Sub + sub) << (e - SubBits);
            ulong top = low + (1UL << (e - SubBits)) - 1;
            return top > long.MaxValue ? long.MaxValue : (long)top;
        }

        public void Add(bool full, long us)
        {
            if (us < 0) us = 0;
            int b = BucketOf(us);
            if (full) _full[b]++; else _minor[b]++;
            Note((int)(full ? PauseKind.Full : PauseKind.Minor), us);
            Note((int)PauseKind.All, us);
        }

        void Note(int k, long us)
        {
            _count[k]++;
            _total[k] += us;
            if (us > _max[k]) _max[k] = us;
        }

        public ulong Count(PauseKind k) { return _count[(int)k]; }
        public long TotalMicros(PauseKind k) { return _total[(int)k]; }
        public long MaxMicros(PauseKind k) { return _max[(int)k]; }

        /// <summary>The pause length (µs) at or below which `permille`/1000 of the pauses of
        /// kind `k` fall: the top of that bucket, never above the largest pause seen; 0 when
        /// there were none.</summary>
        public long PercentileMicros(PauseKind k, int permille)
        {
            ulong n = _count[(int)k];
            if (n == 0) return 0;
            if (permille < 0) permille = 0;
            if (permille > 1000) permille = 1000;
            // The rank (1-based) of the wanted pause: ceil(n * permille / 1000), at least 1.
            ulong rank = (n * (ulong)permille + 999) / 1000;
            if (rank == 0) rank = 1;
            ulong seen = 0;
            for (int b = 0; b < Buckets; b++)
            {
                ulong c = k == PauseKind.Minor ? _minor[b] : k == PauseKind.Full ? _full[b] : _minor[b] + _full[b];
                seen += c;
                if (seen >= rank)
                {
                    long top = BucketTop(b), max = _max[(int)k];
                    return top < max ? top : max;
                }
            }
            return _max[(int)k];
        }

        /// <summary>Forgets every pause (a benchmark's timed part starts here).</summary>
        public void Clear()
        {
            for (int b = 0; b < Buckets; b++) { _minor[b] = 0; _full[b] = 0; }
            for (int k = 0; k < 3; k++) { _count[k] = 0; _total[k] = 0; _max[k] = 0; }
        }
    }
}
