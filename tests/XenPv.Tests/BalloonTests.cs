// Why: the balloon policy decides what a guest gives back under `xl mem-set`; a mistake
// either leaks frames, hammers Xen, or collects when it need not. These tests drive it
// against a fake frame pool (a Xen that may refuse part of a request) and a fake heap
// (live data, a collection that frees the rest), as the toolstack would.
using System.Text;
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class BalloonTests
{
    // A domain's frames as Xen and XenFrames see them. Reservation = owned + Overhead
    // (frames Xen counts that our own count leaves out).
    sealed class FakeFrames : IBalloonFrames
    {
        public ulong Owned, Max, Free, Returned, Populated, Overhead;
        public ulong XenMaxPages = ulong.MaxValue;   // populate stops here (libxl: target + 1 MiB)
        public ulong DecreaseTakesAtMost = ulong.MaxValue;
        public int PopulateCalls, ReleaseCalls;
        public bool ReservationFails;
        public ulong OwnedFrames => Owned;
        public ulong MaxFrames => Max;
        public ulong FreeFrames => Free;
        public ulong ReleaseFreeFrames(ulong count)
        {
            ReleaseCalls++;
            Assert.True(count <= Free, "asked to release more than is free");
            ulong n = count < DecreaseTakesAtMost ? count : DecreaseTakesAtMost;
            Free -= n; Owned -= n; Returned += n;
            return n;
        }
        public ulong PopulateFrames(ulong count)
        {
            PopulateCalls++;
            ulong room = XenMaxPages > Owned + Overhead ? XenMaxPages - Owned - Overhead : 0;
            if (Max - Owned < room) room = Max - Owned;
            ulong n = count < room ? count : room;
            Free += n; Owned += n; Populated += n;
            return n;
        }
        public ulong FramesReturnedTotal => Returned;
        public ulong FramesPopulatedTotal => Populated;
        public long CurrentReservation() => ReservationFails ? -38 : (long)(Owned + Overhead);
    }

    // A heap holding Live bytes of data in Committed bytes of frames; a collection trims it to
    // live + a nursery's worth and hands the rest to the frame pool as free frames.
    sealed class FakeHeap : IBalloonHeap
    {
        readonly FakeFrames f;
        public ulong Live, Committed, Limit, Nursery = 4 << 20;
        public int CollectCalls;
        public FakeHeap(FakeFrames f) { this.f = f; }
        public void CollectAndTrim()
        {
            CollectCalls++;
            ulong keep = Live + Nursery;
            if (Committed > keep) { f.Free += (Committed - keep) / 4096; Committed = keep; }
        }
        public ulong CommittedBytes => Committed;
        public ulong LimitedBytes => Committed;
        public ulong LiveBytes => Live;
        public void SetLimit(ulong bytes) { Limit = bytes < Committed ? Committed : bytes; }
        // The program allocates: the heap commits free frames.
        public void Grow(ulong bytes) { Assert.True(bytes / 4096 <= f.Free); f.Free -= bytes / 4096; Committed += bytes; }
    }

    sealed class Lines : IBalloonConsole
    {
        public readonly List<string> All = new();
        public void WriteLine(byte* text, int length) => All.Add(Encoding.ASCII.GetString(text, length));
    }

    const ulong MiB = 256;   // frames

    // 64 MiB domain, maxmem 256 MiB: 8 MiB image/tables, 20 MiB heap (16 MiB garbage + 4 MiB live).
    static (FakeFrames f, FakeHeap h, Lines l, Balloon b) Domain()
    {
        var f = new FakeFrames { Owned = 64 * MiB, Max = 256 * MiB };
        var h = new FakeHeap(f) { Live = 4 << 20, Committed = 20 << 20 };
        f.Free = 64 * MiB - 8 * MiB - h.Committed / 4096;
        var l = new Lines();
        return (f, h, l, new Balloon(f, h, l));
    }

    static int Run(Balloon b, bool mayCollect = true, int max = 1000)
    {
        int steps = 0;
        while (b.State != BalloonState.Idle && b.State != BalloonState.Short && steps < max)
        {
            b.Step(mayCollect);
            steps++;
            if (!mayCollect && b.State == BalloonState.NeedCollect) break;
        }
        return steps;
    }

    [Fact]
    public void StartsIdleAtTheDomainsSizeAndDoesNothing()
    {
        var (f, h, l, b) = Domain();
        Assert.Equal(BalloonState.Idle, b.State);
        Assert.Equal(64 * MiB, b.TargetFrames);
        Assert.False(b.Step(true));
        Assert.Equal(0, f.PopulateCalls + f.ReleaseCalls);
        b.SetTargetKiB(64 * 1024);         // the boot value delivered by the watch
        Assert.Equal(BalloonState.Idle, b.State);
        Assert.Equal(0, h.CollectCalls);
    }

    [Fact]
    public void UpPopulatesToExactlyTheTargetInBoundedSteps()
    {
        var (f, h, l, b) = Domain();
        b.SetTargetKiB(200 * 1024);
        Assert.Equal(BalloonState.Grow, b.State);
        int steps = Run(b);
        Assert.Equal(BalloonState.Idle, b.State);
        Assert.Equal(200 * MiB, f.Owned);              // never past the target
        Assert.Equal(136 * MiB, f.Populated);
        Assert.True(steps >= 3, $"136 MiB should take several bounded steps, took {steps}");
        Assert.Equal(0, h.CollectCalls);               // growing never collects
        ulong free = f.Free * 4096;
        Assert.Equal(h.Committed + free - Balloon.GrowthOverhead(free) - (Balloon.KeepFreeFrames + Balloon.WorkRoomFrames) * 4096, h.Limit);   // the limit followed
        Assert.Empty(l.All);
    }

    [Fact]
    public void UpWithPartialPopulateStaysWhereXenStoppedAndSaysSo()
    {
        var (f, h, l, b) = Domain();
        f.XenMaxPages = 100 * MiB;
        b.SetTargetKiB(200 * 1024);
        Run(b);
        Assert.Equal(BalloonState.Short, b.State);
        Assert.Equal(100 * MiB, f.Owned);
        int calls = f.PopulateCalls;
        Assert.False(b.Step(true));                    // no hammering until the next target
        Assert.Equal(calls, f.PopulateCalls);
        Assert.Single(l.All);
        Assert.StartsWith("Balloon: Xen gave ", l.All[0]);
        Assert.EndsWith("staying at 102,400 KiB", l.All[0]);
    }

    [Fact]
    public void DownUsesFreeFramesFirstWithoutACollection()
    {
        var (f, h, l, b) = Domain();
        b.SetTargetKiB(48 * 1024);                     // 16 MiB to give, 36 MiB free
        Run(b);
        Assert.Equal(BalloonState.Idle, b.State);
        Assert.Equal(48 * MiB, f.Owned);
        Assert.Equal(0, h.CollectCalls);
        Assert.Equal(16 * MiB, f.Returned);
    }

    [Fact]
    public void DownCollectsOnceWhenFreeFramesAreNotEnoughAndOnlyWhereAllowed()
    {
        var (f, h, l, b) = Domain();
        b.SetTargetKiB(24 * 1024);                     // needs 40 MiB back; 36 MiB free, 16 garbage
        Run(b, mayCollect: false);
        Assert.Equal(BalloonState.NeedCollect, b.State);
        Assert.Equal(0, h.CollectCalls);
        for (int i = 0; i < 5; i++) Assert.False(b.Step(false));   // not at a safe point: waits
        // Step said "nothing changed", yet work is left: an idle loop must not sleep on it.
        Assert.True(b.HasWork);
        Run(b, mayCollect: true);
        Assert.Equal(BalloonState.Idle, b.State);
        Assert.False(b.HasWork);
        Assert.Equal(1, h.CollectCalls);
        Assert.Equal(24 * MiB, f.Owned);
        Assert.True(f.Free >= Balloon.MinFreeFrames);
        Assert.Empty(l.All);
    }

    [Fact]
    public void DecreasePartlyTakenKeepsGoingUntilConverged()
    {
        var (f, h, l, b) = Domain();
        f.DecreaseTakesAtMost = 1000;
        b.SetTargetKiB(48 * 1024);
        int steps = Run(b);
        Assert.Equal(BalloonState.Idle, b.State);
        Assert.Equal(48 * MiB, f.Owned);
        Assert.True(steps >= 5);
    }

    [Fact]
    public void XenTakingNothingEndsTheShrinkInsteadOfSpinning()
    {
        var (f, h, l, b) = Domain();
        f.DecreaseTakesAtMost = 0;
        b.SetTargetKiB(48 * 1024);
        int steps = Run(b);
        Assert.Equal(BalloonState.Short, b.State);
        Assert.False(b.HasWork);                       // waits for the next target, not a tick
        Assert.True(steps < 5);
        Assert.Single(l.All);
        Assert.Equal("Balloon: Xen took none of the 4,096 frames offered; staying at 65,536 KiB", l.All[0]);
    }

    [Fact]
    public void LiveDataAboveTheTargetKeepsWhatIsNeededReportsOnceAndLowersTheLimit()
    {
        var (f, h, l, b) = Domain();
        h.Live = 30 << 20;
        h.Committed = 34 << 20;
        f.Free = 64 * MiB - 8 * MiB - h.Committed / 4096;
        b.SetTargetKiB(32 * 1024);
        Run(b);
        Assert.Equal(BalloonState.Short, b.State);
        Assert.Equal(1, h.CollectCalls);
        Assert.Equal(Balloon.MinFreeFrames, f.Free);           // the reserve stays backed, plus working room
        Assert.Equal(8 * MiB + h.Committed / 4096 + Balloon.MinFreeFrames, f.Owned);
        ulong free = Balloon.MinFreeFrames * 4096;             // the limit: what is held + a little room
        Assert.Equal(h.Committed + free - Balloon.GrowthOverhead(free) - (Balloon.KeepFreeFrames + Balloon.WorkRoomFrames) * 4096, h.Limit);
        Assert.True(h.Limit < h.Committed + (4UL << 20));
        Assert.Single(l.All);
        Assert.Equal("Balloon: target 32,768 KiB is below what this domain needs: keeping 49,664 KiB " +
                     "(live data 31,457,280 bytes); allocation past that is a storage-condition", l.All[0]);
        for (int i = 0; i < 10; i++) b.Step(true);
        Assert.Single(l.All);                                   // one line, not one per safe point
        Assert.Equal(1, h.CollectCalls);
    }

    [Theory]
    [InlineData(0UL, 16 * 1024UL)]                 // zero: the minimum
    [InlineData(1UL, 16 * 1024UL)]
    [InlineData(ulong.MaxValue, 256 * 1024UL)]     // huge: the maximum
    [InlineData(1024UL * 1024 * 1024, 256 * 1024UL)]
    [InlineData(300 * 1024UL, 256 * 1024UL)]       // above maxmem
    public void HostileTargetsAreClamped(ulong kib, ulong expectKiB)
    {
        var (f, h, l, b) = Domain();
        h.Live = 1 << 20;
        b.SetTargetKiB(kib);
        Assert.Equal(expectKiB / 4, b.TargetFrames);
        Assert.Equal(kib, b.RequestedKiB);
        Run(b);
        Assert.True(f.Owned <= 256 * MiB);
        Assert.True(f.Owned >= Balloon.MinFrames);
        // At the minimum: 8 MiB image + 1 MiB live + the nursery + the free frames always kept
        // do not fit in 16 MiB: the balloon stops there and says so.
        if (expectKiB == 16 * 1024) Assert.Equal(8 * MiB + h.Committed / 4096 + Balloon.MinFreeFrames, f.Owned);
        else Assert.Equal(256 * MiB, f.Owned);
    }

    [Fact]
    public void TargetIsTheToolstacksTotalNotOurOwnCount()
    {
        var (f, h, l, b) = Domain();
        f.Overhead = 2 * MiB;                      // e.g. frames Xen counts that we do not
        b.SetTargetKiB(48 * 1024);
        Run(b);
        Assert.Equal(48 * MiB, f.Owned + f.Overhead);
        b.SetTargetKiB(128 * 1024);
        Run(b);
        Assert.Equal(128 * MiB, f.Owned + f.Overhead);
        f.ReservationFails = true;                 // no answer from Xen: our own count
        b.SetTargetKiB(100 * 1024);
        Run(b);
        Assert.Equal(100 * MiB, f.Owned);
    }

    [Fact]
    public void RepeatedCyclesReturnToTheSameOwnedCount()
    {
        var (f, h, l, b) = Domain();
        ulong? low = null, high = null;
        for (int cycle = 0; cycle < 20; cycle++)
        {
            b.SetTargetKiB(200 * 1024);
            Run(b);
            Assert.Equal(200 * MiB, f.Owned);
            h.Grow(150UL << 20);                   // build 150 MB ...
            h.Live += 150UL << 20;
            h.Live -= 150UL << 20;                 // ... and drop it
            b.SetTargetKiB(48 * 1024);
            Run(b);
            Assert.Equal(BalloonState.Idle, b.State);
            low ??= f.Owned; high ??= f.Free;
            Assert.Equal(low, f.Owned);
            Assert.Equal(high, f.Free);
        }
        Assert.Equal(48 * MiB, low);
        Assert.Equal(136 * MiB + 19UL * 152 * MiB, f.Populated);   // first from 64 MiB, then from 48
        Assert.Equal(20UL * 152 * MiB, f.Returned);
        Assert.Equal(20, h.CollectCalls);
    }

    [Fact]
    public void NumbersPrintLikeRoom()
    {
        byte* b = stackalloc byte[64];
        Assert.Equal("0", Encoding.ASCII.GetString(b, Balloon.PutNum(b, 0, 0)));
        Assert.Equal("999", Encoding.ASCII.GetString(b, Balloon.PutNum(b, 0, 999)));
        Assert.Equal("49,152", Encoding.ASCII.GetString(b, Balloon.PutNum(b, 0, 49152)));
        Assert.Equal("1,000,000", Encoding.ASCII.GetString(b, Balloon.PutNum(b, 0, 1000000)));
        Assert.Equal("18,446,744,073,709,551,615", Encoding.ASCII.GetString(b, Balloon.PutNum(b, 0, ulong.MaxValue)));
    }
}
