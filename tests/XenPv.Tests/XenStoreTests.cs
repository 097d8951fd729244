// Why: the xenstore client streams 16-byte-header messages through 1 KiB rings, matches
// replies by id, queues watch events that arrive in between, and never hangs or overruns
// on a broken daemon. A fake xenstored on the other side of a SharedPage checks it.
using System.Text;
using XenPv.Console;
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class XenStoreTests
{
    private static string ReadKey(XenStore xs, string path, out int r)
    {
        var buf = new byte[8192];
        fixed (byte* p = buf) r = xs.Read(path, p, buf.Length);
        return r < 0 ? "" : Encoding.ASCII.GetString(buf, 0, r);
    }

    [Fact]
    public void WriteThenReadBack()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        Assert.Equal(XsError.Ok, xs.Write("data/greeting", "hello"));
        Assert.Equal("hello", Encoding.ASCII.GetString(d.Store["data/greeting"]));   // no trailing NUL stored
        Assert.Equal("hello", ReadKey(xs, "data/greeting", out int r));
        Assert.Equal(5, r);
    }

    [Fact]
    public void MissingKeyIsENOENT()
    {
        using var page = new SharedPage();
        var xs = new XenStore(page.P, new FakeXenstored(page));
        ReadKey(xs, "no/such/key", out int r);
        Assert.Equal((int)XsError.ENOENT, r);
    }

    [Fact]
    public void MessagesLargerThanTheRingAreStreamed()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        var big = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 600).Select(i => (char)('a' + i % 26))) + new string('z', 1400));
        fixed (byte* p = big) Assert.Equal(XsError.Ok, xs.Write("data/big", p, big.Length));
        Assert.Equal(big, d.Store["data/big"]);
        Assert.Equal(Encoding.ASCII.GetString(big), ReadKey(xs, "data/big", out int r));
        Assert.Equal(2000, r);
    }

    [Fact]
    public void OverQuotaValueIsE2bigAndTheStreamStaysInSync()
    {
        // Real xenstored (lab, Xen 4.17) answers a 3000-byte value with E2BIG (quota-maxsize 2048).
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        d.Store["domid"] = Encoding.ASCII.GetBytes("1");
        var xs = new XenStore(page.P, d);
        var huge = new byte[3000];
        fixed (byte* p = huge) Assert.Equal(XsError.E2BIG, xs.Write("data/huge", p, huge.Length));
        Assert.Equal("1", ReadKey(xs, "domid", out _));
    }

    [Fact]
    public void WatchEventsAreQueuedAcrossReplies()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        Assert.Equal(XsError.Ok, xs.Watch("control/shutdown", "tok"));
        var ev = new byte[256];
        int n;
        fixed (byte* p = ev) n = xs.NextWatchEvent(p, 256);
        Assert.Equal("control/shutdown\0tok\0", Encoding.ASCII.GetString(ev, 0, n));  // the initial event
        d.Store["memory/target"] = Encoding.ASCII.GetBytes("65536");
        d.EventBeforeReply = true;
        Assert.Equal("65536", ReadKey(xs, "memory/target", out _));   // the event overtook the reply
        Assert.Equal(1, xs.PendingWatchEvents);
        Assert.Equal(XsError.Ok, xs.Write("control/shutdown", "poweroff"));
        Assert.Equal(2, xs.PendingWatchEvents);
        fixed (byte* p = ev) Assert.True(xs.NextWatchEvent(p, 256) > 0);
        fixed (byte* p = ev) n = xs.NextWatchEvent(p, 256);
        Assert.Equal("control/shutdown\0tok\0", Encoding.ASCII.GetString(ev, 0, n));
        fixed (byte* p = ev) Assert.Equal(0, xs.NextWatchEvent(p, 256));
    }

    [Fact]
    public void SilentDaemonTimesOutWithBoundedWaits()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page) { Silent = true };
        var xs = new XenStore(page.P, d) { TimeoutNs = 100_000_000 };    // 100 ms
        ReadKey(xs, "domid", out int r);
        Assert.Equal((int)XsError.Timeout, r);
        Assert.InRange(d.Waits, 1, 11);                                  // 10 ms slices, absolute deadlines
        Assert.Equal(100_000_000ul, d.Now);
    }

    [Fact]
    public void ImpossibleReplyLengthIsAProtocolErrorNotAnOverrun()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page) { ForceLength = 100_000 };
        d.Store["domid"] = Encoding.ASCII.GetBytes("7");
        var xs = new XenStore(page.P, d);
        ReadKey(xs, "domid", out int r);
        Assert.Equal((int)XsError.Protocol, r);
    }

    [Fact]
    public void BadPathCharactersAreRejectedBeforeSending()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        ReadKey(xs, "bad\0path", out int r);
        Assert.Equal((int)XsError.EINVAL, r);
        Assert.Equal(0u, page[RingLayout.Xenstore.OutProdOffset]);
    }

    [Fact]
    public void WatchEventLargerThanTheRingIsStillDelivered()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        string longPath = "data/" + new string('k', 1500);
        Assert.Equal(XsError.Ok, xs.Watch(longPath, "tok"));        // the initial event: 1500+ bytes
        var ev = new byte[600];
        int n;
        fixed (byte* p = ev) n = xs.NextWatchEvent(p, 600);
        Assert.Equal(XenStore.EventSlot - 4, n);                     // kept truncated, not lost, no hang
        Assert.StartsWith("data/kkk", Encoding.ASCII.GetString(ev, 0, n));
    }

    [Fact]
    public void TransactionsCommitTogetherAndReportEagain()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        Assert.Equal(XsError.Ok, xs.StartTransaction());
        Assert.True(xs.InTransaction);
        Assert.Equal(XsError.EBUSY, xs.StartTransaction());
        Assert.Equal(XsError.Ok, xs.Write("device/vif/0/tx-ring-ref", "8"));
        Assert.Equal(XsError.Ok, xs.Write("device/vif/0/state", "4"));
        Assert.False(d.Store.ContainsKey("device/vif/0/state"));     // not visible before commit
        Assert.Equal(XsError.Ok, xs.EndTransaction(commit: true));
        Assert.False(xs.InTransaction);
        Assert.Equal("4", Encoding.ASCII.GetString(d.Store["device/vif/0/state"]));
        Assert.Contains(41u, d.TxIdsSeen);                           // requests carried the tx id

        d.FailNextCommitWithEagain = true;
        Assert.Equal(XsError.Ok, xs.StartTransaction());
        Assert.Equal(XsError.Ok, xs.Write("device/vif/0/state", "5"));
        Assert.Equal(XsError.EAGAIN, xs.EndTransaction(commit: true));
        Assert.False(xs.InTransaction);
        Assert.Equal("4", Encoding.ASCII.GetString(d.Store["device/vif/0/state"]));
        Assert.Equal(42u, d.TxIdsSeen[^1]);                          // END carries the transaction id
    }

    [Fact]
    public void DirectoryListsChildren()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        d.Store["device/vif/0/mac"] = new byte[1];
        d.Store["device/vif/1/mac"] = new byte[1];
        var buf = new byte[256];
        int n;
        fixed (byte* p = buf) n = xs.Directory("device/vif", p, 256);
        Assert.Equal("0\01\0", Encoding.ASCII.GetString(buf, 0, n));
    }
}
