// Why: the pause histogram behind (gc-stats) must give percentiles within its stated
// resolution (12.5%), keep minor and full apart, and a heap must record one pause per
// collection request with its clock.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc;

public class PauseRecordTests
{
    [Fact]
    public void Buckets_cover_every_value_in_order_within_an_eighth()
    {
        Assert.Equal(0, PauseRecord.BucketOf(0));
        Assert.Equal(7, PauseRecord.BucketOf(7));
        Assert.Equal(PauseRecord.Buckets - 1, PauseRecord.BucketOf(long.MaxValue));
        int last = -1;
        for (long v = 0; v < 100000; v += 1 + v / 50)
        {
            int b = PauseRecord.BucketOf(v);
            Assert.True(b >= last, $"bucket of {v} went down");
            last = b;
            long top = PauseRecord.BucketTop(b);
            Assert.True(top >= v, $"top {top} below {v}");
            Assert.True(top <= v + v / 8, $"top {top} more than 12.5% above {v}");
            if (b > 0) Assert.True(PauseRecord.BucketTop(b - 1) < v, $"{v} also fits bucket {b - 1}");
        }
    }

    [Fact]
    public void Percentiles_of_a_known_distribution()
    {
        var r = new PauseRecord();
        for (int i = 1; i <= 1000; i++) r.Add(false, i);     // minor: 1..1000 us
        r.Add(true, 50000);                                   // one full pause of 50 ms
        Assert.Equal(1000UL, r.Count(PauseKind.Minor));
        Assert.Equal(1UL, r.Count(PauseKind.Full));
        Assert.Equal(1001UL, r.Count(PauseKind.All));
        Assert.Equal(500500L, r.TotalMicros(PauseKind.Minor));
        Assert.Equal(1000L, r.MaxMicros(PauseKind.Minor));
        Assert.Equal(50000L, r.MaxMicros(PauseKind.All));
        long p50 = r.PercentileMicros(PauseKind.Minor, 500), p99 = r.PercentileMicros(PauseKind.Minor, 990);
        Assert.InRange(p50, 500, 500 + 500 / 8);
        Assert.InRange(p99, 990, 1000);                       // capped at the largest seen
        Assert.Equal(50000L, r.PercentileMicros(PauseKind.Full, 990));
        Assert.Equal(50000L, r.PercentileMicros(PauseKind.All, 1000));
        Assert.InRange(r.PercentileMicros(PauseKind.All, 990), 991, 991 + 991 / 8);   // the 991st pause, within 12.5%
        r.Clear();
        Assert.Equal(0UL, r.Count(PauseKind.All));
        Assert.Equal(0L, r.PercentileMicros(PauseKind.All, 990));
    }

    sealed class StepClock : IGcClock
    {
        public long Now;
        public long NowTicks() { Now += 7; return Now; }     // every reading 7 us later
        public long TicksPerSecond => 1000000;
    }

    [Fact]
    public void A_heap_records_one_pause_per_collection_request()
    {
        var frames = new LispVm.Hosted.HostedFrameSource();
        var heap = new Heap(frames, 64UL << 20, new HeapOptions { Clock = new StepClock() });
        heap.Pauses.Clear();
        heap.Collect(false);
        heap.Collect(true);
        heap.Collect(true);
        Assert.Equal(1UL, heap.Pauses.Count(PauseKind.Minor));
        Assert.Equal(2UL, heap.Pauses.Count(PauseKind.Full));
        Assert.Equal(3UL, heap.Pauses.Count(PauseKind.All));
        Assert.Equal(7L, heap.Pauses.MaxMicros(PauseKind.All));
        Assert.Equal(21L, heap.Pauses.TotalMicros(PauseKind.All));
        heap.Destroy();
    }
}
