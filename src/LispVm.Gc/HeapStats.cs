// Numbers for (room) and for tests: what the heap has committed, allocated and how much
// time collection has cost. Times are in ticks of the IGcClock given in HeapOptions.
namespace LispVm.Gc
{
    public struct HeapStats
    {
        public ulong PageSize;
        public ulong FramesCommitted;
        public ulong LimitBytes;
        public ulong NurseryBytes;
        public ulong OldBytesUsed;
        /// <summary>Old-space bytes with frames behind them (side tables not included).</summary>
        public ulong OldBytesCommitted;
        public ulong LiveBytesAfterLastGc;
        public ulong BytesAllocatedTotal;
        public ulong MinorCollections;
        public ulong FullCollections;
        public long GcTicksTotal;
        public long MaxPauseTicks;
        public long TicksPerSecond;
    }
}
