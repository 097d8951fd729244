// Why: the xenbus and netfront half of save/restore, on the fakes: `suspend` in
// control/shutdown is acknowledged (cleared in a transaction) only when the platform can
// suspend; after a resume in a new domain the xenstore client drops what the ring held for
// the old connection, forgets its transaction, revives a dead connection and registers
// every watch again (string and byte paths); netfront stops its data path while quiesced,
// goes on unchanged after a cancel, and after a resume renegotiates from Initialising with
// the new backend, a new event channel and its pages' new frames, then carries frames.
#nullable disable
using System.Text;
using XenPv.Netfront;
using XenPv.Shim;
using XenPv.Shim.Io;
using XenPv.Xenbus;
using Xunit;

namespace XenPv.Tests;

using Netfront = XenPv.Netfront.Netfront;

public unsafe class ResumeTests
{
    static string Key(FakeXenstored d, string k) => d.Store.TryGetValue(k, out var v) ? Encoding.ASCII.GetString(v) : "<absent>";

    [Fact]
    public void SuspendIsAcknowledgedByClearingTheKeyWhenEnabled()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var ctl = new XenControl(new XenStore(page.P, d)) { SuspendEnabled = true };
        Assert.Equal(XsError.Ok, ctl.Start());
        Assert.Equal(ShutdownRequest.None, ctl.Poll());
        d.ToolstackWrite("control/shutdown", "suspend");
        d.TxIdsSeen.Clear();
        Assert.Equal(ShutdownRequest.Suspend, ctl.Poll());
        Assert.Equal("", Key(d, "control/shutdown"));                // libxl's sign that we accepted
        Assert.Equal(3, d.TxIdsSeen.Count(t => t != 0));              // read, clear, end in the transaction
        Assert.False(ctl.HasNotices);
        Assert.Equal(ShutdownRequest.None, ctl.Poll());               // our own clear: ignored
    }

    [Fact]
    public void ResumeDropsStaleInputAndRegistersEveryWatchAgain()
    {
        using var page = new SharedPage();
        var d = new FakeXenstored(page);
        var xs = new XenStore(page.P, d);
        Assert.Equal(XsError.Ok, xs.Watch("control/shutdown", "tok/a"));
        byte[] bp = Encoding.ASCII.GetBytes("/local/domain/0/backend/vif/7/0/state");
        fixed (byte* p = bp) Assert.Equal(XsError.Ok, xs.Watch(p, bp.Length, "tok/b"));
        Assert.True(xs.TakeWatch("tok/a"));
        Assert.True(xs.TakeWatch("tok/b"));
        Assert.Equal(XsError.Ok, xs.StartTransaction());
        // Suspended mid-transaction with a stale event in the ring; the new domain's
        // xenstored knows no watch of ours and no transaction.
        d.ToolstackWrite("control/shutdown", "x");
        page.Produce(RingLayout.Xenstore, new byte[] { 2, 0, 0, 0, 0xEE, 0xEE, 0xEE, 0xEE });   // half a stale reply
        d.Watches.Clear();
        d.OpenTx = 0;
        xs.State = XsConnection.Dead;                                // even a dead connection comes back
        Assert.True(xs.HasInput);
        Assert.Equal(0, xs.Resume());
        Assert.False(xs.InTransaction);
        Assert.False(xs.IsDead);
        Assert.Contains(("control/shutdown", "tok/a"), d.Watches);
        Assert.Contains(("/local/domain/0/backend/vif/7/0/state", "tok/b"), d.Watches);
        Assert.True(xs.TakeWatch("tok/a"));                           // the first event of the new watch
        Assert.True(xs.TakeWatch("tok/b"));
        Assert.False(xs.TakeWatch("tok/a"));
        d.ToolstackWrite("control/shutdown", "y");
        Assert.True(xs.TakeWatch("tok/a"));                           // and later ones
        byte* v = stackalloc byte[8];
        Assert.Equal(1, xs.Read("control/shutdown", v, 8));           // requests work, no transaction id
        Assert.Equal(0u, d.TxIdsSeen[^1]);
        Assert.Equal(1, xs.Resumes);
    }

    static FakeNetback Connected()
    {
        var b = new FakeNetback();
        Assert.Equal(NetfrontStatus.Ok, b.Start().Status);
        Assert.True(b.Nf.Connected);
        return b;
    }

    [Fact]
    public void QuiescedNetfrontCarriesNothingAndACancelGoesOn()
    {
        using var b = Connected();
        int written = b.Xs.Written.Count;
        b.Nf.Quiesce();
        Assert.False(b.Nf.Connected);
        Assert.False(b.Transmit(FakeNetback.Frame(60, 1)));
        Assert.True(b.Deliver(FakeNetback.Frame(80, 2)));
        Assert.Empty(b.Receive());
        b.SetBackendState(4);                                        // a watch event: not followed while quiesced
        b.Nf.Poll();
        Assert.False(b.Nf.HasWork);
        b.Nf.Unquiesce();                                            // xl save -c: same domain, same grants
        Assert.True(b.Nf.Connected);
        Assert.Equal(FakeNetback.Frame(80, 2), b.Receive());
        Assert.True(b.Transmit(FakeNetback.Frame(60, 1)));
        Assert.Equal(1, b.ProcessTx());
        Assert.Equal(written, b.Xs.Written.Count);                    // no renegotiation
        Assert.Equal(0, b.Nf.Reconnects);
    }

    [Fact]
    public void ResumeRenegotiatesWithTheNewBackendAndNewFrames()
    {
        using var b = Connected();
        uint oldPort = b.Nf.EventChannel;
        Assert.True(b.Transmit(FakeNetback.Frame(60, 3)));            // in flight at the suspend: lost
        b.Nf.Quiesce();

        // The restore: a new domain (domid 9), xenstore tree rewritten by libxl, the backend
        // waits in InitWait, the grant table is new and empty, our pages moved.
        const string newBackend = "/local/domain/0/backend/vif/9/0";
        foreach (var k in b.Xs.Store.Keys.Where(k => k.StartsWith("device/vif/0/") || k.StartsWith(FakeNetback.BackendPath)).ToList()) b.Xs.Store.Remove(k);
        b.Xs.Store["device/vif/0/backend"] = Encoding.ASCII.GetBytes(newBackend);
        b.Xs.Store["device/vif/0/backend-id"] = Encoding.ASCII.GetBytes("0");
        b.Xs.Store["device/vif/0/mac"] = Encoding.ASCII.GetBytes("00:16:3e:0a:bc:de");
        b.Xs.Store["device/vif/0/state"] = Encoding.ASCII.GetBytes("1");
        b.Xs.Store[newBackend + "/state"] = Encoding.ASCII.GetBytes("2");
        b.Xs.Watches.Clear();
        b.Backend = newBackend;
        for (int i = 0; i < 4096; i++) b.GrantPage.P[i] = 0;
        b.Grants.ResetAfterResume();
        b.FramesAt = 0x9000;
        b.TxReqCons = b.TxRspPvt = b.RxReqCons = b.RxRspPvt = 0;
        b.FrontStates.Clear();
        var newFrames = Enumerable.Range(0, FakeNetback.N).Select(i => 0x9000UL + (ulong)i).ToArray();

        b.Nf.ForgetChannel();                                        // before the platform rebinds others
        Assert.Equal(0, b.Events.Count);
        Assert.Equal(0, b.Store.Resume());
        NetfrontStatus s;
        fixed (ulong* f = newFrames) s = b.Nf.Reconnect(f, FakeNetback.N);
        Assert.Equal(NetfrontStatus.Ok, s);
        Assert.True(b.Nf.Connected);
        Assert.Equal(1, b.Nf.Reconnects);
        Assert.DoesNotContain(oldPort, b.Ops.Closed);                // never closed: not ours any more
        Assert.NotEqual(oldPort, b.Nf.EventChannel);
        Assert.Equal(b.Nf.EventChannel.ToString(), b.Key("device/vif/0/event-channel"));
        Assert.Equal(1, b.Events.Count);
        Assert.Equal(new[] { "4" }, b.FrontStates);                   // from Initialising, like boot
        Assert.Equal(Netfront.RxBuffers, b.RxPostedAtConnect);
        uint tx = uint.Parse(b.Key("device/vif/0/tx-ring-ref"));
        Assert.Equal(0x9000UL + Netfront.TxRingPage, (ulong)b.Entry(tx)->frame);   // the new MFNs are granted
        Assert.Contains((newBackend + "/state", Netfront.Token), b.Xs.Watches);
        Assert.DoesNotContain(b.Xs.Watches, w => w.Path.StartsWith(FakeNetback.BackendPath));
        Assert.Equal(504 - Netfront.PagesNeeded, b.Grants.Free);
        // Frames flow both ways on the new rings.
        Assert.True(b.Transmit(FakeNetback.Frame(100, 4)));
        Assert.Equal(1, b.ProcessTx());
        Assert.Equal(FakeNetback.Frame(100, 4), b.Sent[^1]);
        Assert.True(b.Deliver(FakeNetback.Frame(90, 5)));
        Assert.Equal(FakeNetback.Frame(90, 5), b.Receive());
    }
}
