// Tunables of one heap, filled by the platform at start (it reads LISPVM_GC_STRESS and
// friends; the heap never reads the environment itself).
namespace LispVm.Gc
{
    public sealed class HeapOptions
    {
        /// <summary>Soft limit on heap bytes (old space + nursery). Default 1 GiB.</summary>
        public ulong LimitBytes = 1UL << 30;
        /// <summary>Nursery size (rounded up to 2 MiB).</summary>
        public ulong NurseryBytes = 4UL << 20;
        /// <summary>Survivor bytes a minor collection aims at: after a minor with a high
        /// survival rate the next one comes sooner (nursery = target / rate), which bounds
        /// its pause (issue 19: p99 ≤ 2 ms). 0 = always fill the whole nursery.</summary>
        public ulong MinorSurvivorTargetBytes = 512UL << 10;
        /// <summary>Emergency reserve above the limit, used after StorageExhausted is set.</summary>
        public ulong ReserveBytes = 4UL << 20;
        /// <summary>Objects of at least this many bytes go straight to the old space.</summary>
        public ulong LargeObjectBytes = 64UL << 10;
        /// <summary>Entries in the C# root stack (PushRoot).</summary>
        public int RootStackEntries = 1 << 16;
        /// <summary>GC stress: a collection every N allocations (0 = off; 1 = every allocation).</summary>
        public int StressMinorEvery;
        /// <summary>GC stress: every Nth stress collection is a full one (0 = never).</summary>
        public int StressFullEvery;
        /// <summary>Run Verify() after every collection; a failure calls the panic hook.</summary>
        public bool VerifyAfterGc;
        /// <summary>With VerifyAfterGc: verify after every Nth collection only (freed memory
        /// is still poisoned every time, so stale pointers stay detectable).</summary>
        public int VerifyEvery = 1;
        public IGcClock Clock;
        public IHeapPanic Panic;
    }
}
