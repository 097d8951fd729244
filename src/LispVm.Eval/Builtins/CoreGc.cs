// What the Lisp side can ask of the collector: heap statistics for (room) and `time`,
// and the frames the platform owns. Times are reported in internal time units
// (microseconds, INTERNAL-TIME-UNITS-PER-SECOND) whatever the heap clock ticks in.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterGc(Builtins b)
    {
        b.Def("%GC-RUN-TIME", 0, 0, &GcRunTime);
        b.Def("%GC-BYTES-ALLOCATED", 0, 0, &GcBytesAllocated);
        b.Def("%GC-COUNT", 0, 0, &GcCount);
        b.Def("%HEAP-STATS", 0, 0, &HeapStatsB);
        b.Def("%GC-PAUSES", 0, 0, &GcPauses);
        b.Def("%GC-PAUSES-CLEAR", 0, 0, &GcPausesClear);
        b.Def("%GC-ROOT-SLOTS", 0, 0, &GcRootSlots);
        b.Def("%STACK-STATS", 0, 0, &StackStats);
    }

    /// <summary>(%gc-root-slots) → root slots all minor collections so far have visited
    /// (their work, clock-free: the stacks' watermark keeps it from growing with depth).</summary>
    static ulong GcRootSlots(Vm vm, Args a) { return M.Fix((long)vm.Heap.MinorRootSlots); }

    /// <summary>(%stack-stats) → #(value-slots-reserved value-slots-committed frames-reserved
    /// frames-committed pages-committed) of the running thread's Lisp stacks.</summary>
    static ulong StackStats(Vm vm, Args a)
    {
        LispThread t = vm.Th;
        long* f = stackalloc long[5];
        f[0] = t.SMax; f[1] = t.SCap; f[2] = t.FMax; f[3] = t.FCap; f[4] = (long)t.PagesCommitted;
        ulong v = vm.Heap.MakeVector(5, M.Fix(0));
        for (int i = 0; i < 5; i++) vm.Heap.SetSlot(v, i, M.Fix(f[i]));
        return v;
    }

    static long TicksToMicros(long ticks, long perSecond)
    {
        if (perSecond <= 0) return 0;
        if (perSecond == 1000000) return ticks;
        // ticks * 1e6 / perSecond without overflow for any realistic run.
        long whole = ticks / perSecond, rest = ticks % perSecond;
        return whole * 1000000 + rest * 1000000 / perSecond;
    }

    static ulong GcRunTime(Vm vm, Args a)
    {
        HeapStats s = vm.Heap.Stats;
        return M.Fix(TicksToMicros(s.GcTicksTotal, s.TicksPerSecond));
    }

    static ulong GcBytesAllocated(Vm vm, Args a) { return M.Fix((long)vm.Heap.Stats.BytesAllocatedTotal); }

    static ulong GcCount(Vm vm, Args a)
    {
        HeapStats s = vm.Heap.Stats;
        return M.Fix((long)(s.MinorCollections + s.FullCollections));
    }

    /// <summary>(%heap-stats) → #(page-size frames-committed limit-bytes nursery-bytes
    /// old-bytes-used live-bytes-after-last-gc bytes-allocated minor-count full-count
    /// gc-time-us max-pause-us platform-frames-owned balloon-target-kib balloon-frames-owned
    /// balloon-returned balloon-populated); the balloon four are 0 without a balloon.</summary>
    static ulong HeapStatsB(Vm vm, Args a)
    {
        HeapStats s = vm.Heap.Stats;
        ulong v = vm.Heap.MakeVector(16, M.Fix(0));
        long us = TicksToMicros(s.GcTicksTotal, s.TicksPerSecond);
        long pause = TicksToMicros(s.MaxPauseTicks, s.TicksPerSecond);
        long* f = stackalloc long[16];
        if (!vm.Platform.BalloonFigures(f + 12)) f[12] = f[13] = f[14] = f[15] = 0;
        f[0] = (long)s.PageSize; f[1] = (long)s.FramesCommitted; f[2] = (long)s.LimitBytes;
        f[3] = (long)s.NurseryBytes; f[4] = (long)s.OldBytesUsed; f[5] = (long)s.LiveBytesAfterLastGc;
        f[6] = (long)s.BytesAllocatedTotal; f[7] = (long)s.MinorCollections; f[8] = (long)s.FullCollections;
        f[9] = us; f[10] = pause; f[11] = vm.Platform.FramesOwned();
        for (int i = 0; i < 16; i++) vm.Heap.SetSlot(v, i, M.Fix(f[i]));
        return v;
    }

    /// <summary>(%gc-pauses) → #(count total-us max-us p50-us p90-us p99-us) for all
    /// pauses, then the same six for minor-only pauses, then for pauses with a full
    /// collection (18 fixnums; PauseRecord.cs).</summary>
    static ulong GcPauses(Vm vm, Args a)
    {
        PauseRecord r = vm.Heap.Pauses;
        ulong v = vm.Heap.MakeVector(18, M.Fix(0));
        for (int k = 0; k < 3; k++)
        {
            PauseKind kind = (PauseKind)k;
            vm.Heap.SetSlot(v, k * 6 + 0, M.Fix((long)r.Count(kind)));
            vm.Heap.SetSlot(v, k * 6 + 1, M.Fix(r.TotalMicros(kind)));
            vm.Heap.SetSlot(v, k * 6 + 2, M.Fix(r.MaxMicros(kind)));
            vm.Heap.SetSlot(v, k * 6 + 3, M.Fix(r.PercentileMicros(kind, 500)));
            vm.Heap.SetSlot(v, k * 6 + 4, M.Fix(r.PercentileMicros(kind, 900)));
            vm.Heap.SetSlot(v, k * 6 + 5, M.Fix(r.PercentileMicros(kind, 990)));
        }
        return v;
    }

    static ulong GcPausesClear(Vm vm, Args a) { vm.Heap.Pauses.Clear(); return W.Nil; }
}
