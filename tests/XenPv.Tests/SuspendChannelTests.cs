// Why: libxl's suspend event channel must be published the way xc_suspend_evtchn_init
// expects (a decimal port under device/suspend/event-channel, unbound for Dom0), a
// notification must be one suspend request, and after a resume in a new domain the old port
// must never be closed (its number may be somebody else's) while a fresh one is published.
#nullable disable
using System.Text;
using XenPv.Shim;
using XenPv.Xenbus;
using Xunit;

namespace XenPv.Tests;

public unsafe class SuspendChannelTests
{
    private sealed class Ops : IEventOps
    {
        public readonly List<string> Calls = new();
        public uint NextPort = 40;
        public XenError Send(uint port) { Calls.Add($"send {port}"); return XenError.Ok; }
        public XenError Unmask(uint port) { Calls.Add($"unmask {port}"); return XenError.Ok; }
        public XenError Close(uint port) { Calls.Add($"close {port}"); return XenError.Ok; }
        public XenError AllocUnbound(ushort remote, out uint port) { port = NextPort++; Calls.Add($"alloc {remote} -> {port}"); return XenError.Ok; }
        public XenError Poll(uint* ports, uint count, ulong deadline) => XenError.Ok;
        public ulong NowNs() => 0;
    }

    private static void Raise(SharedPage page, uint port) =>
        ((SharedInfo*)page.P)->evtchn_pending[(int)(port >> 6)] |= 1UL << (int)(port & 63);

    private static string Key(FakeXenstored d, string k) => d.Store.TryGetValue(k, out var v) ? Encoding.ASCII.GetString(v) : "<absent>";

    [Fact]
    public void PublishedForDom0AnEventIsOneRequestAndANewDomainGetsANewPort()
    {
        using var shared = new SharedPage();
        using var storePage = new SharedPage();
        var d = new FakeXenstored(storePage);
        var ops = new Ops();
        var reg = new EventRegistry((SharedInfo*)shared.P, ops, 8);
        var ch = new SuspendChannel(reg, new XenStore(storePage.P, d));

        Assert.True(ch.Publish());
        Assert.Equal("40", Key(d, SuspendChannel.Path));
        Assert.Equal("alloc 0 -> 40", ops.Calls[0]);             // unbound for the toolstack's domain
        Assert.False(ch.TakeRequest());

        Raise(shared, 40);
        Assert.Equal(1, reg.Dispatch());
        Assert.True(ch.TakeRequest());
        Assert.False(ch.TakeRequest());                           // one notification, one request

        ch.Forget();                                              // resumed in a new domain
        Assert.DoesNotContain("close 40", ops.Calls);
        Raise(shared, 40);
        Assert.Equal(0, reg.Dispatch());                          // no longer ours
        Assert.False(ch.TakeRequest());

        Assert.True(ch.Publish());
        Assert.Equal("41", Key(d, SuspendChannel.Path));
        Assert.Equal(1, reg.Count);
    }

    [Fact]
    public void AWriteThatFailsLeavesNoPortBehind()
    {
        using var shared = new SharedPage();
        using var storePage = new SharedPage();
        var d = new FakeXenstored(storePage) { Silent = true };
        var ops = new Ops();
        var reg = new EventRegistry((SharedInfo*)shared.P, ops, 8);
        var ch = new SuspendChannel(reg, new XenStore(storePage.P, d) { TimeoutNs = 1_000_000 });
        Assert.False(ch.Publish());
        Assert.False(ch.Published);
        Assert.Contains("close 40", ops.Calls);
        Assert.Equal(0, reg.Count);
    }
}
