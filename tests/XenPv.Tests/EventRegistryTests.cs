// Why: every device shares one event loop: registered ports are polled together in ONE
// SCHEDOP_poll, pending bits are test-and-cleared and dispatched to the right handler,
// masked or foreign ports do not count, and the table is bounded (SCHEDOP_poll: 128).
// A fake shared_info page plays Xen's side; a fake IEventOps records the hypercalls.
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class EventRegistryTests
{
    private sealed class FakeOps : IEventOps
    {
        public readonly List<string> Calls = new();
        public readonly List<uint[]> Polls = new();
        public ulong LastDeadline;
        public uint NextPort = 40;
        public XenError Send(uint port) { Calls.Add($"send {port}"); return XenError.Ok; }
        public XenError Unmask(uint port) { Calls.Add($"unmask {port}"); return XenError.Ok; }
        public XenError Close(uint port) { Calls.Add($"close {port}"); return XenError.Ok; }
        public XenError AllocUnbound(ushort remote, out uint port) { port = NextPort++; Calls.Add($"alloc {remote}"); return XenError.Ok; }
        public XenError Poll(uint* ports, uint count, ulong deadline)
        {
            var a = new uint[count];
            for (int i = 0; i < count; i++) a[i] = ports[i];
            Polls.Add(a);
            LastDeadline = deadline;
            return XenError.Ok;
        }
        public ulong NowNs() => 0;
    }

    private sealed class Recorder : IEventHandler
    {
        public readonly List<uint> Seen = new();
        public void OnEvent(uint port) => Seen.Add(port);
    }

    private static SharedInfo* Shared(SharedPage page) => (SharedInfo*)page.P;

    private static void Raise(SharedPage page, uint port) => Shared(page)->evtchn_pending[(int)(port >> 6)] |= 1UL << (int)(port & 63);

    [Fact]
    public void OnePollServesEveryRegisteredPort()
    {
        using var page = new SharedPage();
        var ops = new FakeOps();
        var reg = new EventRegistry(Shared(page), ops, 8);
        reg.Register(2, null);
        reg.Register(1, null);
        reg.Register(70, null);
        reg.Wait(123_000);
        Assert.Single(ops.Polls);
        Assert.Equal(new uint[] { 2, 1, 70 }, ops.Polls[0]);
        Assert.Equal(123_000ul, ops.LastDeadline);                   // absolute, passed through
    }

    [Fact]
    public void DispatchTestsAndClearsAndRunsTheRightHandler()
    {
        using var page = new SharedPage();
        var ops = new FakeOps();
        var reg = new EventRegistry(Shared(page), ops, 8);
        var console = new Recorder();
        var store = new Recorder();
        reg.Register(2, console);
        reg.Register(65, store);
        Raise(page, 65);
        Raise(page, 3);                                               // not ours: untouched
        Assert.Equal(1, reg.Dispatch());
        Assert.Empty(console.Seen);
        Assert.Equal(new uint[] { 65 }, store.Seen);
        Assert.Equal(0UL, Shared(page)->evtchn_pending[1]);
        Assert.Equal(1UL << 3, Shared(page)->evtchn_pending[0]);
        Assert.Equal(0, reg.Dispatch());                              // cleared: once per event
    }

    [Fact]
    public void AnyPendingSeesOnlyRegisteredUnmaskedPortsWithoutHypercalls()
    {
        using var page = new SharedPage();
        var ops = new FakeOps();
        var reg = new EventRegistry(Shared(page), ops, 8);
        reg.Register(5, null);
        Assert.False(reg.AnyPending());
        Raise(page, 6);
        Assert.False(reg.AnyPending());                               // someone else's port
        Raise(page, 5);
        Shared(page)->evtchn_mask[0] = 1UL << 5;
        Assert.False(reg.AnyPending());                               // masked
        Shared(page)->evtchn_mask[0] = 0;
        Assert.True(reg.AnyPending());
        Assert.Empty(ops.Calls);
        Assert.Empty(ops.Polls);
    }

    [Fact]
    public void CapacityIsBoundedAndDuplicatesOrBadPortsAreRefused()
    {
        using var page = new SharedPage();
        var reg = new EventRegistry(Shared(page), new FakeOps(), 2);
        Assert.NotNull(reg.Register(1, null));
        Assert.Null(reg.Register(1, null));                           // already there
        Assert.Null(reg.Register(4096, null));                        // beyond evtchn_pending
        Assert.NotNull(reg.Register(2, null));
        Assert.Null(reg.Register(3, null));                           // full
        Assert.Equal(EventRegistry.MaxPollPorts, new EventRegistry(Shared(page), new FakeOps(), 1000).Capacity);
    }

    [Fact]
    public void AllocUnboundRegistersAndCloseForgets()
    {
        using var page = new SharedPage();
        var ops = new FakeOps();
        var reg = new EventRegistry(Shared(page), ops, 4);
        var net = new Recorder();
        EventPort p = reg.AllocUnbound(0, net, out XenError err);
        Assert.Equal(XenError.Ok, err);
        Assert.Equal(40u, p.Port);
        Assert.Equal(XenError.Ok, reg.Unmask(p));
        p.Notify();
        Raise(page, 40);
        Assert.True(p.IsPending);
        reg.Dispatch();
        Assert.Equal(new uint[] { 40 }, net.Seen);
        Assert.Equal(XenError.Ok, reg.Close(p));
        Assert.Equal(new[] { "alloc 0", "unmask 40", "send 40", "close 40" }, ops.Calls);
        Assert.Equal(0, reg.Count);
        Raise(page, 40);
        Assert.False(reg.AnyPending());
        Assert.Equal(XenError.EINVAL, reg.Wait(0));                   // nothing to wait on: no hypercall
        Assert.Empty(ops.Polls);
    }

    [Fact]
    public void AllocUnboundIntoAFullTableClosesThePortAgain()
    {
        using var page = new SharedPage();
        var ops = new FakeOps();
        var reg = new EventRegistry(Shared(page), ops, 1);
        reg.Register(1, null);
        Assert.Null(reg.AllocUnbound(0, null, out XenError err));
        Assert.Equal(XenError.ENOSPC, err);
        Assert.Equal(new[] { "alloc 0", "close 40" }, ops.Calls);
    }

    [Fact]
    public void UnregisteredSlotIsReused()
    {
        using var page = new SharedPage();
        var ops = new FakeOps();
        var reg = new EventRegistry(Shared(page), ops, 1);
        EventPort a = reg.Register(7, new Recorder());
        reg.Unregister(a);
        EventPort b = reg.Register(9, null);
        Assert.Same(a, b);                                           // no allocation after boot
        reg.Wait(1);
        Assert.Equal(new uint[] { 9 }, ops.Polls[0]);
    }
    [Fact]
    public void ResumeRebindsSlotsToNewPortsAndUnmasksThem()
    {
        using var page = new SharedPage();
        var ops = new FakeOps();
        var reg = new EventRegistry(Shared(page), ops, 8);
        var console = new Recorder();
        var store = new Recorder();
        EventPort c = reg.Register(2, console), x = reg.Register(3, store), net = reg.Register(5, null);
        // The restore: netfront's channel is gone (forgotten locally, never closed), the
        // toolstack's channels have new numbers, every port is masked.
        reg.Unregister(net);
        reg.Park(c);
        reg.Park(x);
        EventPort other = reg.Register(7, null);                      // parked slots stay theirs
        Assert.NotNull(other);
        Assert.NotSame(c, other);
        Assert.NotSame(x, other);
        Assert.True(reg.Rebind(x, 5));                                // the old netfront number, reused
        Assert.True(reg.Rebind(c, 2));                                // the old console number: swap is fine
        Assert.True(reg.Rebind(c, 3));                                // and again: the old xenstore number
        Assert.False(reg.Rebind(c, 5));                               // taken by another slot
        Assert.False(reg.Rebind(c, 4096));                            // out of range
        Assert.Equal(3u, c.Port);
        Assert.Equal(5u, x.Port);
        Assert.DoesNotContain(ops.Calls, k => k.StartsWith("close"));
        for (int w = 0; w < 64; w++) Shared(page)->evtchn_mask[w] = ~0UL;
        Assert.Equal(0, reg.UnmaskAll());
        Assert.Equal(new[] { "unmask 3", "unmask 5", "unmask 7" }, ops.Calls.Where(k => k.StartsWith("unmask")).OrderBy(k => k).ToArray());
        // Handlers follow their slot; the old numbers are not watched any more.
        Raise(page, 5);
        Raise(page, 2);
        reg.Dispatch();
        Assert.Equal(new uint[] { 5 }, store.Seen);
        Assert.Empty(console.Seen);
        reg.Wait(1);
        Assert.Equal(new uint[] { 3, 5, 7 }, ops.Polls[^1].OrderBy(p => p).ToArray());
    }
}
