// Why: `xl shutdown` must reach the kernel: the watch on control/shutdown fires, Poll()
// returns the request once and acknowledges by clearing the key; no request, no reads.
using System.Text;
using XenPv.Console;
using Xunit;

namespace XenPv.Tests;

public unsafe class XenControlTests
{
    [Fact]
    public void ToolstackPoweroffIsReportedOnceAndAcknowledged()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var ctl = new XenControl(new XenStore(page.P, d));
        Assert.Equal(XsError.Ok, ctl.Start());
        Assert.Equal("1", Encoding.ASCII.GetString(d.Store["control/feature-poweroff"]));
        Assert.Equal(ShutdownRequest.None, ctl.Poll());         // initial watch event, key absent
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        d.ToolstackWrite("control/shutdown", "poweroff");
        Assert.Equal(ShutdownRequest.Poweroff, ctl.Poll());
        Assert.Equal("", Encoding.ASCII.GetString(d.Store["control/shutdown"]));   // acknowledged
        Assert.Equal(ShutdownRequest.None, ctl.Poll());         // our own ack fired the watch: empty value
        d.ToolstackWrite("control/shutdown", "reboot");
        Assert.Equal(ShutdownRequest.Reboot, ctl.Poll());
    }

    [Fact]
    public void PollWithoutEventsDoesNoXenstoreTraffic()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var ctl = new XenControl(new XenStore(page.P, d));
        ctl.Start();
        ctl.Poll();
        uint reqProd = page[RingLayout.Xenstore.OutProdOffset];
        for (int i = 0; i < 10; i++) Assert.Equal(ShutdownRequest.None, ctl.Poll());
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
    public void MemoryTargetFollowsXlMemSet()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        d.Store["memory/target"] = Encoding.ASCII.GetBytes("65536");
        var ctl = new XenControl(new XenStore(page.P, d));
        ctl.Start();
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.Equal(65536ul, ctl.MemoryTargetKiB);
        Assert.True(ctl.TargetChanged);
        ctl.TargetChanged = false;
        d.ToolstackWrite("memory/target", "49152");                 // xl mem-set 48m
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        Assert.Equal(49152ul, ctl.MemoryTargetKiB);
        Assert.True(ctl.TargetChanged);
        Assert.False(d.Store.ContainsKey("control/shutdown") && d.Store["control/shutdown"].Length > 0);
        d.ToolstackWrite("memory/target", "garbage");
        ctl.Poll();
        Assert.Equal(49152ul, ctl.MemoryTargetKiB);                 // a bad value is ignored
        d.ToolstackWrite("control/shutdown", "poweroff");
        Assert.Equal(ShutdownRequest.Poweroff, ctl.Poll());         // both watches coexist
    }
}
