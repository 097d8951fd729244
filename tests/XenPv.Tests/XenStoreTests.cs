// Why: the xenstore client streams 16-byte-header messages through 1 KiB rings, matches
// replies by id, queues watch events that arrive in between, and never hangs or overruns
// on a broken daemon. A fake xenstored on the other side of a SharedPage checks it.
using System.Text;
using XenPv.Shim.Io;
using XenPv.Xenbus;
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
    public void PipelinedRequestsAllGoOutBeforeAnyReplyIsRead()
    {
        // Issue 20: XenControl.Start's five requests cost one round trip, not five.
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        d.Store["memory/static-max"] = Encoding.ASCII.GetBytes("16384");
        uint w = xs.SendWrite("data/a", "1");
        uint r = xs.SendRead("memory/static-max");
        uint missing = xs.SendRead("no/such/key");
        uint watch = xs.SendWatch("control/shutdown", "tok");
        Assert.True(w != 0 && r != 0 && missing != 0 && watch != 0);
        Assert.Equal(new[] { (uint)XsType.Write, (uint)XsType.Read, (uint)XsType.Read, (uint)XsType.Watch }, d.TypesSeen);
        Assert.Equal(0, d.Waits);                       // nothing waited for a reply yet
        Assert.Equal(XsError.Ok, xs.AwaitStatus(w));
        var buf = new byte[32];
        fixed (byte* b = buf)
        {
            int n = xs.AwaitRead(r, b, buf.Length);
            Assert.Equal("16384", Encoding.ASCII.GetString(buf, 0, n));
            Assert.Equal((int)XsError.ENOENT, xs.AwaitRead(missing, b, buf.Length));
        }
        Assert.Equal(XsError.Ok, xs.AwaitWatch(watch, "tok"));
        Assert.Equal("1", Encoding.ASCII.GetString(d.Store["data/a"]));
        Assert.True(xs.TakeWatch("tok"));               // the watch's first event
        Assert.Equal(0, xs.DroppedReplies);
    }

    [Fact]
    public void PipelinedRequestOnADeadConnectionFailsAtOnce()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page) { ForceLength = 99999 };
        var xs = new XenStore(page.P, d);
        uint w = xs.SendWrite("data/a", "1");
        Assert.Equal(XsError.Protocol, xs.AwaitStatus(w));      // impossible length: dead
        Assert.Equal(0u, xs.SendRead("data/a"));
        Assert.Equal(0u, xs.SendWatch("control/shutdown", "tok"));
        Assert.Equal(XsError.Dead, xs.AwaitWatch(0, "tok"));
        Assert.Equal(-1, xs.Watches.Find("tok"));              // not left registered
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
    public void WatchEventsAreDispatchedByTokenAcrossReplies()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        Assert.Equal(XsError.Ok, xs.Watch("control/shutdown", "shut"));
        Assert.Equal(XsError.Ok, xs.Watch("memory/target", "target"));
        Assert.True(xs.TakeWatch("shut"));                          // the initial events
        Assert.True(xs.TakeWatch("target"));
        Assert.False(xs.TakeWatch("shut"));
        d.Store["domid"] = Encoding.ASCII.GetBytes("3");
        d.EventBeforeReply = true;                                  // fires "shut" ahead of the reply
        Assert.Equal("3", ReadKey(xs, "domid", out _));
        Assert.False(xs.TakeWatch("target"));                       // only the token that fired
        Assert.True(xs.TakeWatch("shut"));
        d.ToolstackWrite("memory/target", "65536");
        Assert.False(xs.TakeWatch("shut"));
        Assert.True(xs.TakeWatch("target"));
        Assert.False(xs.TakeWatch("nosuch"));
    }

    [Fact]
    public void SeveralEventsForOnePendingTokenAreOne()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        Assert.Equal(XsError.Ok, xs.Watch("memory/target", "target"));
        for (int i = 0; i < 50; i++) d.ToolstackWrite("memory/target", (1000 + i).ToString());   // more than the ring holds
        Assert.True(xs.TakeWatch("target"));
        Assert.False(xs.TakeWatch("target"));
        Assert.True(xs.Watches.Coalesced >= 10, $"coalesced {xs.Watches.Coalesced}");
        Assert.False(xs.IsDead);
        Assert.Equal("1049", ReadKey(xs, "memory/target", out _));
    }

    [Fact]
    public void EventsForUnknownTokensAreDropped()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        Assert.Equal(XsError.Ok, xs.Watch("memory/target", "target"));
        xs.TakeWatch("target");
        d.Watches.Add(("control/shutdown", "someone-else"));         // a token we never registered
        d.ToolstackWrite("control/shutdown", "poweroff");
        Assert.False(xs.TakeWatch("target"));
        Assert.Equal(1, xs.Watches.Unknown);
    }

    [Fact]
    public void UnwatchStopsEventsAndFreesTheSlot()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        Assert.Equal(XsError.Ok, xs.Watch("device/vif/0/state", "vif"));
        Assert.Equal(XsError.EEXIST, xs.Watch("other", "vif"));
        Assert.Equal(XsError.Ok, xs.Unwatch("vif"));
        Assert.Empty(d.Watches);
        Assert.Contains(5u, d.TypesSeen);                            // XS_UNWATCH went out
        Assert.False(xs.TakeWatch("vif"));                           // the initial event was dropped too
        Assert.Equal(XsError.ENOENT, xs.Unwatch("vif"));
        for (int i = 0; i < XsWatches.MaxWatches; i++) Assert.Equal(XsError.Ok, xs.Watch("k" + i, "t" + i));
        Assert.Equal(XsError.ENOSPC, xs.Watch("one/more", "t-extra"));
    }

    [Fact]
    public void RmRemovesTheKeyAndItsChildren()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        d.Store["data/a"] = new byte[] { 1 };
        d.Store["data/a/b"] = new byte[] { 2 };
        d.Store["data/c"] = new byte[] { 3 };
        Assert.Equal(XsError.Ok, xs.Remove("data/a"));
        Assert.Equal(new[] { "data/c" }, d.Store.Keys.ToArray());
        Assert.Equal(XsError.ENOENT, xs.Remove("data/a"));
    }

    private sealed class WriteBody : IXsTransaction
    {
        public int Runs;
        public XsError Body(XenStore xs) { Runs++; return xs.Write("device/vif/0/state", "4"); }
    }

    [Fact]
    public void TransactionHelperRetriesOnEagainThenGivesUp()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page) { FailCommitsWithEagain = 2 };
        var xs = new XenStore(page.P, d);
        var body = new WriteBody();
        Assert.Equal(XsError.Ok, xs.Transaction(body));
        Assert.Equal(3, body.Runs);
        Assert.Equal(2, xs.TransactionRetries);
        Assert.Equal("4", Encoding.ASCII.GetString(d.Store["device/vif/0/state"]));

        d.FailCommitsWithEagain = 1000;                              // another writer always wins
        body.Runs = 0;
        Assert.Equal(XsError.EAGAIN, xs.Transaction(body));
        Assert.Equal(XenStore.MaxTransactionAttempts, body.Runs);
        Assert.False(xs.InTransaction);
    }

    [Fact]
    public void TimeoutMidReplyKillsTheConnectionAndLaterCallsFailFast()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page) { StallAfterBytes = 10 };   // 10 of the 16 header bytes
        d.Store["domid"] = Encoding.ASCII.GetBytes("7");
        var xs = new XenStore(page.P, d) { TimeoutNs = 100_000_000 };
        ReadKey(xs, "domid", out int r);
        Assert.Equal((int)XsError.Timeout, r);
        Assert.True(xs.IsDead);
        int waits = d.Waits;
        uint reqProd = page[RingLayout.Xenstore.OutProdOffset];
        ReadKey(xs, "domid", out r);
        Assert.Equal((int)XsError.Dead, r);
        Assert.Equal(XsError.Dead, xs.Write("a", "b"));
        Assert.Equal(waits, d.Waits);                                 // no waiting, no traffic
        Assert.Equal(reqProd, page[RingLayout.Xenstore.OutProdOffset]);
    }

    [Fact]
    public void TimeoutBeforeAnyReplyByteKeepsTheConnection()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page) { StallAfterBytes = 0 };
        d.Store["domid"] = Encoding.ASCII.GetBytes("7");
        var xs = new XenStore(page.P, d) { TimeoutNs = 100_000_000 };
        ReadKey(xs, "domid", out int r);
        Assert.Equal((int)XsError.Timeout, r);
        Assert.False(xs.IsDead);
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
        Assert.True(xs.IsDead);                                      // cannot find the next header any more
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
        Assert.True(xs.TakeWatch("tok"));                            // streamed, matched, no hang
        Assert.False(xs.IsDead);
        d.Store["domid"] = Encoding.ASCII.GetBytes("1");
        Assert.Equal("1", ReadKey(xs, "domid", out _));              // still in sync
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
