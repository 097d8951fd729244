// Why: Xen system time = system_time + scaled TSC delta; a wrong scale makes every
// SCHEDOP_poll deadline wrong (busy loop or oversleep). Checks the 32.32 scaling, the
// shift, and the version protocol through a fake rdtsc.
using System.Runtime.InteropServices;
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class XenTimeTests
{
    [Fact]
    public void ScaleDeltaIsA32Dot32Multiply()
    {
        Assert.Equal(1000ul, XenTime.ScaleDelta(2000, 0x80000000, 0));      // x 0.5
        Assert.Equal(4000ul, XenTime.ScaleDelta(2000, 0x80000000, 2));      // << 2 then x 0.5
        Assert.Equal(250ul, XenTime.ScaleDelta(2000, 0x80000000, -2));      // >> 2 then x 0.5
        // Large deltas do not overflow: 2^40 ticks at 1/3 ns each.
        ulong d = 1UL << 40;
        Assert.Equal((ulong)((System.Numerics.BigInteger)d * 0x55555555 >> 32), XenTime.ScaleDelta(d, 0x55555555, 0));
    }

    private static ulong fakeTsc;

    [UnmanagedCallersOnly]
    private static ulong FakeRdtsc() => fakeTsc;

    [Fact]
    public void NowNsReadsAStableRecord()
    {
        var t = new VcpuTimeInfo { version = 2, tsc_timestamp = 1000, system_time = 5_000_000, tsc_to_system_mul = 0x80000000, tsc_shift = 1 };
        fakeTsc = 1600;
        var saved = XenTime.Rdtsc;
        XenTime.Rdtsc = &FakeRdtsc;
        try
        {
            Assert.Equal(5_000_000ul + 600ul, XenTime.NowNs(&t)); // (600 << 1) * 0.5
        }
        finally { XenTime.Rdtsc = saved; }
    }

    [Fact]
    public void TscBeforeTheRecordCountsBackwards()
    {
        var t = new VcpuTimeInfo { version = 4, tsc_timestamp = 10_000, system_time = 5_000_000, tsc_to_system_mul = 0x80000000, tsc_shift = 0 };
        Assert.Equal(5_000_000ul + 500ul, XenTime.TscToNs(&t, 11_000));   // after the stamp
        Assert.Equal(5_000_000ul - 500ul, XenTime.TscToNs(&t, 9_000));    // before: not a wrapped huge value
        Assert.Equal(4_995_000ul, XenTime.TscToNs(&t, 0));
    }
    // Wall clock = shared_info's wc (the wall time at system time 0) + system time now.
    [Fact]
    public void WallNsAddsSystemTimeToTheWallClockAtBoot()
    {
        var s = (SharedInfo*)NativeMemory.AllocZeroed((nuint)sizeof(SharedInfo));
        var saved = XenTime.Rdtsc;
        try
        {
            XenTime.Rdtsc = null;                           // NowNs = system_time
            s->vcpu_info0.time.version = 2;
            s->vcpu_info0.time.system_time = 7_000_000_123;
            s->wc_version = 4; s->wc_sec = 1_700_000_000; s->wc_nsec = 900_000_000; s->wc_sec_hi = 0;
            Assert.Equal(1_700_000_000L * 1_000_000_000 + 900_000_000 + 7_000_000_123, XenTime.WallNs(s));
            s->wc_sec_hi = 1;                               // seconds past 2106 use the high word
            Assert.Equal(((1L << 32) + 1_700_000_000) * 1_000_000_000 + 900_000_000 + 7_000_000_123, XenTime.WallNs(s));
            s->wc_sec_hi = 0; s->wc_nsec = 2_000_000_000;   // hostile nsec is ignored, not added
            Assert.Equal(1_700_000_000L * 1_000_000_000 + 7_000_000_123, XenTime.WallNs(s));
        }
        finally { XenTime.Rdtsc = saved; NativeMemory.Free(s); }
    }
    // A record Xen never finishes writing (odd version) must not hang the guest.
    [Fact]
    public void AnOddVersionForeverStillAnswers()
    {
        var t = new VcpuTimeInfo { version = 3, tsc_timestamp = 1000, system_time = 5_000_000, tsc_to_system_mul = 0x80000000, tsc_shift = 0 };
        Assert.Equal(5_000_500ul, XenTime.TscToNs(&t, 2000));
    }
}
