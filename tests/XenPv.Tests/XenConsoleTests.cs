// Why: the console driver's promises: output batched with one notification per flush,
// a full ring makes it wait on the port (never spin, never drop) until the backend
// drains, input is read without blocking and WaitForInput does clear -> check -> poll.
using System.Text;
using XenPv.Console;
using XenPv.Shim.Io;
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class XenConsoleTests
{
    // Plays xenconsoled: each wait consumes up to DrainPerWait bytes of output.
    private sealed class FakeBackend : IEventPort
    {
        public readonly SharedPage Page;
        public int Notifies, Clears, Waits, DrainPerWait = 512;
        public ulong Now = 1000, LastDeadline;
        public readonly List<byte> Received = new();
        public List<string> Log = new();
        public FakeBackend(SharedPage page) { Page = page; }
        public void Notify() { Notifies++; Log.Add("notify"); }
        public void ClearPending() { Clears++; Log.Add("clear"); }
        public bool IsPending => false;
        public ulong NowNs() => Now;
        public void WaitUntil(ulong deadline)
        {
            Waits++; LastDeadline = deadline; Log.Add("wait");
            Received.AddRange(Page.Consume(RingLayout.Console, DrainPerWait));
        }
    }

    private static void Write(XenConsole c, string s)
    {
        byte[] b = Encoding.ASCII.GetBytes(s);
        fixed (byte* p = b) c.Write(p, b.Length);
    }

    [Fact]
    public void OutputIsBatchedOneNotificationPerFlush()
    {
        using var page = new SharedPage();
        var be = new FakeBackend(page);
        var con = new XenConsole(page.P, be);
        for (int i = 0; i < 20; i++) Write(con, $"line {i}\r\n");
        Assert.Equal(0, be.Notifies);                 // nothing sent before the flush
        Assert.Equal(0u, page[RingLayout.Console.OutProdOffset]);
        con.Flush();
        Assert.Equal(1, be.Notifies);
        con.Flush();                                  // nothing buffered: no event
        Assert.Equal(1, be.Notifies);
        string got = Encoding.ASCII.GetString(page.Consume(RingLayout.Console));
        Assert.StartsWith("line 0\r\nline 1\r\n", got);
        Assert.EndsWith("line 19\r\n", got);
    }

    [Fact]
    public void FullRingWaitsOnThePortAndDropsNothing()
    {
        using var page = new SharedPage();
        var be = new FakeBackend(page) { DrainPerWait = 700 };
        var con = new XenConsole(page.P, be);
        var sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) sb.Append($"{i:D5}\r\n");   // 7000 bytes > ring + buffer
        Write(con, sb.ToString());
        con.Flush();
        be.Received.AddRange(page.Consume(RingLayout.Console));
        Assert.Equal(sb.ToString(), Encoding.ASCII.GetString(be.Received.ToArray()));
        Assert.True(be.Waits > 0, "a full ring must wait on the event channel");
        Assert.Equal(be.Waits, con.FullWaits);
        Assert.Equal(be.Now + XenConsole.FullWaitNs, be.LastDeadline); // absolute deadline
        Assert.Equal(0, con.RingResets);
    }

    [Fact]
    public void EchoNeverWaitsKeepsOrderAndDropsWhatDoesNotFit()
    {
        using var page = new SharedPage();
        var be = new DeadBackend();
        var con = new XenConsole(page.P, be);
        Write(con, "result\r\n");                               // buffered output goes first
        byte[] echo = Encoding.ASCII.GetBytes(new string('e', 3000));
        int took;
        fixed (byte* p = echo) took = con.WriteNoWait(p, echo.Length);
        Assert.Equal(0, be.Waits);                              // a dead backend: still no wait
        Assert.Equal(2048 - 8, took);                           // the 2 KiB ring is full
        Assert.Equal(3000 - took, con.EchoDropped);
        Assert.Equal(0, con.Buffered);
        string got = Encoding.ASCII.GetString(page.Consume(RingLayout.Console));
        Assert.Equal("result\r\n" + new string('e', took), got);
        fixed (byte* p = echo) took = con.WriteNoWait(p, 5);    // room again
        Assert.Equal(5, took);
    }

    [Fact]
    public void BoundedFlushGivesUpOnADeadBackend()
    {
        using var page = new SharedPage();
        var be = new DeadBackend();
        var con = new XenConsole(page.P, be);
        Write(con, new string('p', 3000));                    // more than the 2 KiB ring
        Assert.False(con.Flush(be.Now + 50_000_000));          // 50 ms budget
        Assert.InRange(be.Waits, 1, 6);                        // 10 ms slices, then give up
        Assert.Equal(0, con.Buffered);
        Assert.Equal(2048u, page[RingLayout.Console.OutProdOffset]);   // what fitted is still published
    }

    // A backend that never consumes; time moves to each wait's deadline (or not at all).
    private sealed class DeadBackend : IEventPort
    {
        public ulong Now = 5_000;
        public int Waits;
        public bool ClockStuck;
        public void Notify() { }
        public void ClearPending() { }
        public bool IsPending => false;
        public ulong NowNs() => Now;
        public void WaitUntil(ulong deadline) { Waits++; if (!ClockStuck) Now = deadline; }
    }

    [Fact]
    public void PanicDeadlineBoundsEveryFlushIncludingTheOneWriteMakes()
    {
        using var page = new SharedPage();
        var be = new DeadBackend();
        var con = new XenConsole(page.P, be);
        con.GiveUpAtNs = be.Now + 30_000_000;                  // the panic path began: 30 ms
        // 3 buffers' worth: Write flushes by itself when its 4 KiB buffer is full.
        Write(con, new string('r', 3 * XenConsole.BufferSize));
        con.Flush();
        Assert.InRange(be.Waits, 1, 4);                        // 10 ms slices, then give up
        Assert.True(be.Now <= con.GiveUpAtNs);
        Assert.Equal(0, con.Buffered);
    }

    [Fact]
    public void BoundedFlushEndsEvenIfTheClockStandsStill()
    {
        using var page = new SharedPage();
        var be = new DeadBackend { ClockStuck = true };
        var con = new XenConsole(page.P, be);
        Write(con, new string('s', 3000));
        Assert.False(con.Flush(be.Now + 50_000_000));
        Assert.Equal(XenConsole.MaxBoundedWaits, be.Waits);
        Assert.Equal(0, con.Buffered);
    }

    [Fact]
    public void ReadIsNonBlockingAndNotifiesWhenItConsumed()
    {
        using var page = new SharedPage();
        var be = new FakeBackend(page);
        var con = new XenConsole(page.P, be);
        byte[] buf = new byte[64];
        fixed (byte* p = buf)
        {
            Assert.Equal(0, con.Read(p, 64));
            Assert.Equal(0, be.Notifies);
            page.Produce(RingLayout.Console, Encoding.ASCII.GetBytes("halt\r"));
            Assert.Equal(5, con.Read(p, 64));
        }
        Assert.Equal("halt\r", Encoding.ASCII.GetString(buf, 0, 5));
        Assert.Equal(1, be.Notifies);
    }

    [Fact]
    public void WaitForInputClearsThenChecksThenPolls()
    {
        using var page = new SharedPage();
        var be = new FakeBackend(page);
        var con = new XenConsole(page.P, be);
        con.WaitForInput(5000);
        Assert.Equal(new[] { "clear", "wait" }, be.Log);
        Assert.Equal(5000ul, be.LastDeadline);
        be.Log.Clear();
        page.Produce(RingLayout.Console, new byte[] { (byte)'x' });
        con.WaitForInput(6000);                       // input already there: no sleep
        Assert.Equal(new[] { "clear" }, be.Log);
    }
    // Issue 14: Ctrl-C typed while the output waits on a ring nobody drains (a stuck
    // backend). Without the watch the flush would wait for ever; with it the waiting output
    // is dropped and the Ctrl-C stays in the input for the poller; other input does not stop it.
    [Fact]
    public void CtrlCTypedWhileOutputIsBlockedEndsTheWait()
    {
        using var page = new SharedPage();
        var be = new FakeBackend(page) { DrainPerWait = 0 };
        var con = new XenConsole(page.P, be) { WatchCtrlC = true };
        page.Produce(RingLayout.Console, Encoding.ASCII.GetBytes("abc"));
        Write(con, new string('x', 3000));           // the output ring holds 2048: 952 bytes wait
        var flush = Task.Run(() => con.Flush());
        Thread.Sleep(500);
        Assert.False(flush.IsCompleted, "the flush ended with only plain input typed");
        page.Produce(RingLayout.Console, new byte[] { 0x03 });
        Assert.True(flush.Wait(5000), "Ctrl-C did not end the blocked flush");
        Assert.Equal(952, con.CtrlCDropped);
        byte* b = stackalloc byte[8];
        int n = con.Read(b, 8);
        Assert.Equal(4, n);                          // "abc" and the Ctrl-C, still there to read
        Assert.Equal(0x03, b[3]);
    }
}
