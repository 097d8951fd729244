// Why: `xl shutdown`/`xl reboot` must reach the kernel exactly as libxl expects: the
// request is read and cleared in one transaction, only for commands we carry out;
// suspend/unknown stay in place with one notice; the empty value is ignored; no watch
// event, no xenstore traffic. memory/target follows `xl mem-set` and survives garbage.
#nullable disable
using System.Text;
using XenPv.Shim.Io;
using XenPv.Xenbus;
using Xunit;

namespace XenPv.Tests;

public unsafe class XenControlTests
{
    private static (SharedPage, FakeXenstored, XenControl) Started(Action<FakeXenstored> setup = null)
    {
        var page = new SharedPage();
        var d = new FakeXenstored(page);
        setup?.Invoke(d);
        var ctl = new XenControl(new XenStore(page.P, d));
        Assert.Equal(XsError.Ok, ctl.Start());
        return (page, d, ctl);
    }

    private static string Notices(XenControl ctl)
    {
        var b = new byte[XenControl.NoticeMax];
        int n;
        fixed (byte* p = b) n = ctl.TakeNotices(p, b.Length);
        return Encoding.ASCII.GetString(b, 0, n);
    }

    private static string Key(FakeXenstored d, string k) => d.Store.TryGetValue(k, out var v) ? Encoding.ASCII.GetString(v) : "<absent>";

    [Fact]
    public void ToolstackPoweroffIsReportedOnceAndClearedInATransaction()
    {
        var (page, d, ctl) = Started();
        using var _ = page;
        Assert.Equal("1", Key(d, "control/feature-poweroff"));
        Assert.Equal("1", Key(d, "control/feature-reboot"));
        Assert.Equal(ShutdownRequest.None, ctl.Poll());         // initial watch event, key absent
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        d.ToolstackWrite("control/shutdown", "poweroff");
        d.TxIdsSeen.Clear();
        Assert.Equal(ShutdownRequest.Poweroff, ctl.Poll());
        Assert.Equal("", Key(d, "control/shutdown"));           // acknowledged
        Assert.Equal(new[] { 0u, 42u, 42u, 42u }, d.TxIdsSeen); // start; read, clear, end in one transaction (41 read the initial empty key)
        Assert.Contains(7u, d.TypesSeen);                        // TRANSACTION_END
        Assert.Equal(ShutdownRequest.None, ctl.Poll());         // our own clear fired the watch: empty value
        Assert.Equal("", Notices(ctl));                          // the empty value is ignored silently
        d.ToolstackWrite("control/shutdown", "reboot");
        Assert.Equal(ShutdownRequest.Reboot, ctl.Poll());
        Assert.Equal("", Key(d, "control/shutdown"));
    }

    [Theory]
    [InlineData("suspend", "suspend not supported")]
    [InlineData("explode\u0001", "unknown request")]
    public void UnsupportedRequestsStayInPlaceWithOneNotice(string value, string why)
    {
        var (page, d, ctl) = Started();
        using var _ = page;
        ctl.Poll();
        d.ToolstackWrite("control/shutdown", value);
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.Equal(value, Key(d, "control/shutdown"));         // not cleared: libxl sees we did not accept
        string n = Notices(ctl);
        Assert.Equal(1, n.Count(c => c == '\n'));
        Assert.Contains(why, n);
        Assert.Contains("'" + value.Replace('\u0001', '?') + "'", n);   // hostile bytes printed safely
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.Equal("", Notices(ctl));                          // one line, not one per poll
    }

    [Fact]
    public void EagainWhileClearingIsRetried()
    {
        var (page, d, ctl) = Started();
        using var _ = page;
        ctl.Poll();
        d.FailCommitsWithEagain = 2;                             // the toolstack wrote meanwhile
        d.ToolstackWrite("control/shutdown", "poweroff");
        Assert.Equal(ShutdownRequest.Poweroff, ctl.Poll());
        Assert.Equal("", Key(d, "control/shutdown"));
        Assert.Equal(2, ctl.Store.TransactionRetries);
    }

    [Fact]
    public void ACommitWhoseReplyNeverCameStillCarriesTheRequestOut()
    {
        // CI's density run: xenstored applied the clear, the reply came after our 5 s, and the
        // next transaction read the empty key: the guest stayed up with control/shutdown = ''.
        var (page, d, ctl) = Started();
        using var _ = page;
        ctl.Poll();
        d.LoseNextCommitReply = true;
        d.ToolstackWrite("control/shutdown", "poweroff");
        Assert.Equal(ShutdownRequest.None, ctl.Poll());          // timed out: outcome unknown
        Assert.Equal("", Key(d, "control/shutdown"));            // ... but xenstored applied it
        Assert.Contains("no reply from xenstore; the request is kept", Notices(ctl));
        Assert.True(ctl.HasWork);                                // retried on the next Poll
        Assert.Equal(ShutdownRequest.Poweroff, ctl.Poll());
        Assert.Equal(ShutdownRequest.None, ctl.Poll());          // once
        d.ToolstackWrite("control/shutdown", "");                 // an empty key alone is still nothing
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
    }

    [Fact]
    public void ALateTransactionStartReplyIsEndedBeforeTheNextTransaction()
    {
        // The reply to TRANSACTION_START came after our 5 s: xenstored holds a transaction
        // nobody would end (its quota is 10 per domain). The next transaction aborts it first.
        var (page, d, ctl) = Started();
        using var _ = page;
        ctl.Poll();
        d.HoldReplyType = 6;
        d.ToolstackWrite("control/shutdown", "poweroff");
        Assert.Equal(ShutdownRequest.None, ctl.Poll());          // START unanswered
        d.ReleaseHeld();                                          // ... answered late
        Assert.Equal(ShutdownRequest.Poweroff, ctl.Poll());
        Assert.Empty(d.OpenTransactions);
        Assert.Equal(1, ctl.Store.OrphansEnded);
        Assert.Equal("", Key(d, "control/shutdown"));
    }

    [Fact]
    public void AnUnansweredCommitThatWasNotAppliedIsRedoneFromTheKey()
    {
        var (page, d, ctl) = Started();
        using var _ = page;
        ctl.Poll();
        d.ToolstackWrite("control/shutdown", "reboot");
        d.Silent = true;                                         // nothing answered: no commit applied
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        d.Silent = false;
        Assert.Equal("reboot", Key(d, "control/shutdown"));
        Assert.Equal(ShutdownRequest.Reboot, ctl.Poll());
        Assert.Equal("", Key(d, "control/shutdown"));
    }

    [Fact]
    public void PollWithoutEventsDoesNoXenstoreTraffic()
    {
        var (page, d, ctl) = Started();
        using var _ = page;
        ctl.Poll();
        Assert.False(ctl.HasWork);
        uint reqProd = page[RingLayout.Xenstore.OutProdOffset];
        for (int i = 0; i < 10; i++) Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.Equal(reqProd, page[RingLayout.Xenstore.OutProdOffset]);
        d.ToolstackWrite("control/shutdown", "poweroff");
        Assert.True(ctl.HasWork);                                // ring bytes: memory reads only
        Assert.Equal(reqProd, page[RingLayout.Xenstore.OutProdOffset]);
    }

    [Theory]
    [InlineData("poweroff", ShutdownRequest.Poweroff)]
    [InlineData("reboot", ShutdownRequest.Reboot)]
    [InlineData("suspend", ShutdownRequest.Suspend)]
    [InlineData("halt", ShutdownRequest.Halt)]
    [InlineData("", ShutdownRequest.None)]
    [InlineData("poweroff\0", ShutdownRequest.Poweroff)]
    [InlineData("explode", ShutdownRequest.Unknown)]
    public void ParsesTheValuesLibxlWrites(string value, ShutdownRequest expected)
    {
        byte[] b = Encoding.ASCII.GetBytes(value);
        fixed (byte* p = b) Assert.Equal(expected, XenControl.Parse(p, b.Length));
    }

    [Fact]
    public void MemoryTargetFollowsXlMemSetAndStaticMaxIsReadOnce()
    {
        var (page, d, ctl) = Started(d =>
        {
            d.Store["memory/target"] = Encoding.ASCII.GetBytes("65536");
            d.Store["memory/static-max"] = Encoding.ASCII.GetBytes("262144");
        });
        using var _ = page;
        Assert.Equal(262144ul, ctl.StaticMaxKiB);
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.Equal(65536ul, ctl.MemoryTargetKiB);
        Assert.True(ctl.TargetChanged);
        ctl.TargetChanged = false;
        d.ToolstackWrite("memory/target", "49152");                 // xl mem-set 48m
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.Equal(49152ul, ctl.MemoryTargetKiB);
        Assert.True(ctl.TargetChanged);
        Assert.Equal("<absent>", Key(d, "control/shutdown"));      // a target event is not a shutdown
        d.ToolstackWrite("control/shutdown", "poweroff");
        Assert.Equal(ShutdownRequest.Poweroff, ctl.Poll());         // both watches coexist
    }

    [Theory]
    [InlineData("")]
    [InlineData("-4096")]
    [InlineData("+4096")]
    [InlineData("4096k")]
    [InlineData("40 96")]
    [InlineData("0x1000")]
    [InlineData("17592186044417")]          // 2^44 + 1 KiB
    [InlineData("99999999999999999999999")] // would overflow a u64
    public void HostileTargetsAreIgnoredWithANotice(string value)
    {
        var (page, d, ctl) = Started(d => d.Store["memory/target"] = Encoding.ASCII.GetBytes("65536"));
        using var _ = page;
        ctl.Poll();
        ctl.TargetChanged = false;
        Notices(ctl);
        d.ToolstackWrite("memory/target", value);
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.Equal(65536ul, ctl.MemoryTargetKiB);
        Assert.False(ctl.TargetChanged);
        Assert.Equal(1, ctl.TargetRejects);
        string n = Notices(ctl);
        Assert.StartsWith("memory/target: ignoring '", n);
        Assert.EndsWith("(not a KiB count)\n", n);
    }

    [Theory]
    [InlineData("0", 0ul)]
    [InlineData("17592186044416", 17592186044416ul)]   // 2^44 exactly
    [InlineData("1048576\0", 1048576ul)]
    public void ValidKiBCountsParse(string value, ulong kib)
    {
        byte[] b = Encoding.ASCII.GetBytes(value);
        ulong got;
        bool ok;
        fixed (byte* p = b) ok = XenControl.ParseKiB(p, b.Length, out got);
        Assert.True(ok);
        Assert.Equal(kib, got);
    }

    [Fact]
    public void GarbledStaticMaxIsZeroWithANotice()
    {
        var (page, d, ctl) = Started(d => d.Store["memory/static-max"] = Encoding.ASCII.GetBytes("lots"));
        using var _ = page;
        Assert.Equal(0ul, ctl.StaticMaxKiB);
        Assert.Contains("memory/static-max: ignoring 'lots'", Notices(ctl));
    }

    [Fact]
    public void DeadXenstoreMakesPollANoOp()
    {
        var (page, d, ctl) = Started();
        using var _ = page;
        ctl.Poll();
        d.ToolstackWrite("control/shutdown", "poweroff");
        d.StallAfterBytes = 5;                                   // the reply to TRANSACTION_START stops mid-header
        ctl.Store.TimeoutNs = 50_000_000;
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.True(ctl.Store.IsDead);
        int waits = d.Waits;
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.False(ctl.HasWork && d.Waits != waits);          // fails fast, no more waiting
    }
}
