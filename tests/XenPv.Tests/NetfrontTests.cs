// Why: netfront against a fake netback (FakeNetback): the handshake writes exactly the keys
// netback reads, in one transaction, after the rx buffers are posted; frames go both ways
// byte for byte through granted pages; every class of hostile response is dropped and
// counted without crashing; `xl network-detach` closes the frontend and releases its
// grants (busy ones once the backend lets go); configuration errors fail with a reason.
#nullable disable
using XenPv.Netfront;
using XenPv.Shim;
using XenPv.Shim.Io;
using XenPv.Xenbus;
using Xunit;

namespace XenPv.Tests;

using Netfront = XenPv.Netfront.Netfront;

public unsafe class NetfrontTests
{
    private static FakeNetback Connected()
    {
        var b = new FakeNetback();
        Assert.Equal(NetfrontStatus.Ok, b.Start().Status);
        Assert.True(b.Nf.Connected);
        return b;
    }

    [Fact]
    public void HandshakeWritesTheKeysInOneTransactionAfterPostingRx()
    {
        using var b = Connected();
        var nf = b.Nf;
        // Refs come from the pool (never the toolstack's 0..7) and grant the right frames.
        uint tx = uint.Parse(b.Key("device/vif/0/tx-ring-ref")), rx = uint.Parse(b.Key("device/vif/0/rx-ring-ref"));
        Assert.True(tx >= 8 && rx >= 8 && tx != rx);
        Assert.Equal(FakeNetback.FrameBase + Netfront.TxRingPage, (ulong)b.Entry(tx)->frame);
        Assert.Equal(FakeNetback.FrameBase + Netfront.RxRingPage, (ulong)b.Entry(rx)->frame);
        Assert.Equal(GrantEntryV1.PermitAccess, b.Entry(tx)->flags);
        // The event channel was allocated for the backend's domain and registered.
        Assert.Single(b.Ops.Allocated);
        Assert.Equal(FakeNetback.Domid, b.Ops.Allocated[0].Remote);
        Assert.Equal(b.Ops.Allocated[0].Port.ToString(), b.Key("device/vif/0/event-channel"));
        Assert.Equal(b.Ops.Allocated[0].Port, nf.EventChannel);
        Assert.Equal(1, b.Events.Count);
        Assert.Equal("1", b.Key("device/vif/0/request-rx-copy"));
        Assert.Equal("1", b.Key("device/vif/0/feature-rx-notify"));
        Assert.Equal("1", b.Key("device/vif/0/feature-no-csum-offload"));
        Assert.Equal("0", b.Key("device/vif/0/feature-sg"));
        Assert.Equal("0", b.Key("device/vif/0/feature-gso-tcpv4"));
        Assert.Null(b.Key("device/vif/0/multi-queue-num-queues"));
        Assert.Equal("4", b.Key("device/vif/0/state"));
        // All in one committed transaction, state last.
        var keys = new[] { "tx-ring-ref", "rx-ring-ref", "event-channel", "request-rx-copy", "feature-rx-notify",
            "feature-no-csum-offload", "feature-sg", "feature-gso-tcpv4", "state" }.Select(k => "device/vif/0/" + k).ToList();
        Assert.Equal(keys, b.Xs.Written.Where(k => k.StartsWith("device/vif/0/")).ToList());
        Assert.Equal(1, b.Xs.TypesSeen.Count(t => t == (uint)XsType.TransactionStart));
        // Every rx buffer was posted before the frontend said Connected.
        Assert.Equal(Netfront.RxBuffers, b.RxPostedAtConnect);
        Assert.Equal(new[] { "4" }, b.FrontStates);
        byte* mac = stackalloc byte[6];
        nf.GetMac(mac);
        Assert.Equal(new byte[] { 0x00, 0x16, 0x3e, 0x0a, 0xbc, 0xde }, new ReadOnlySpan<byte>(mac, 6).ToArray());
        Assert.Equal(XenbusState.Connected, nf.BackendState);
        // 98 pages granted: 504 - 98 left.
        Assert.Equal(504 - Netfront.PagesNeeded, b.Grants.Free);
    }

    [Fact]
    public void TheTransactionIsRetriedOnEagain()
    {
        using var b = new FakeNetback(d => d.FailCommitsWithEagain = 2);
        Assert.Equal(NetfrontStatus.Ok, b.Start().Status);
        Assert.Equal(2, b.Store.TransactionRetries);
        Assert.Equal("4", b.Key("device/vif/0/state"));
    }

    [Theory]
    [InlineData("00:16:3e:0a:bc")]
    [InlineData("00:16:3e:0a:bc:de:ff")]
    [InlineData("00-16-3e-0a-bc-de")]
    [InlineData("00:16:3e:0a:bc:dg")]
    [InlineData("0:16:3e:0a:bc:def")]
    [InlineData("")]
    public void ABadMacFailsBeforeAnythingIsTaken(string mac)
    {
        using var b = new FakeNetback(d => d.Set("device/vif/0/mac", mac));
        Assert.Equal(NetfrontStatus.BadMac, b.Start().Status);
        Assert.False(b.Nf.Connected);
        Assert.Empty(b.Ops.Allocated);
        Assert.Equal(504, b.Grants.Free);
        Assert.False(b.Nf.PagesGranted);
        Assert.Equal("1", b.Key("device/vif/0/state"));
    }

    [Fact]
    public void MacParsing()
    {
        byte* m = stackalloc byte[6];
        foreach (var (s, ok) in new[] { ("AA:bb:0C:d1:E2:ff", true), ("aa:bb:cc:dd:ee:ff\0", true), ("aa:bb:cc:dd:ee:f", false), ("aa:bb:cc:dd:ee:ff:", false), ("aa;bb:cc:dd:ee:ff", false) })
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(s);
            fixed (byte* p = bytes) Assert.Equal(ok, Netfront.ParseMac(p, bytes.Length, m));
        }
    }

    [Fact]
    public void NoVifMeansNoDeviceWithAHint()
    {
        using var b = new FakeNetback(d => d.Store.Remove("device/vif/0/backend"));
        Assert.Equal(NetfrontStatus.NoDevice, b.Start().Status);
        Assert.Contains("vif=", Netfront.Describe(NetfrontStatus.NoDevice));
        Assert.Empty(b.Ops.Allocated);
    }

    [Theory]
    [InlineData("backend", "relative/path")]
    [InlineData("backend", "/with space")]
    [InlineData("backend-id", "zero")]
    [InlineData("backend-id", "32752")]          // DOMID_SELF is no backend
    public void ABadBackendIsRefused(string key, string value)
    {
        using var b = new FakeNetback(d => d.Set("device/vif/0/" + key, value));
        Assert.Equal(NetfrontStatus.NoBackend, b.Start().Status);
        Assert.Empty(b.Ops.Allocated);
    }

    [Fact]
    public void ABackendThatNeverConnectsTimesOutInBoundedTime()
    {
        using var b = new FakeNetback();
        b.AutoConnect = false;
        Assert.Equal(NetfrontStatus.Timeout, b.Start().Status);
        Assert.True(b.Ops.Now >= Netfront.ConnectTimeoutNs);
        Assert.InRange(b.Ops.Polls, 1, Netfront.MaxWaitTurns);
        Assert.False(b.Nf.Connected);
    }

    [Fact]
    public void ABackendAlreadyClosingIsRefused()
    {
        using var b = new FakeNetback(d => d.Set(FakeNetback.BackendPath + "/state", "5"));
        Assert.Equal(NetfrontStatus.BackendFailed, b.Start().Status);
        Assert.Empty(b.Ops.Allocated);
    }

    [Fact]
    public void NotEnoughPagesIsNoFrames()
    {
        using var b = new FakeNetback();
        fixed (ulong* f = b.Frames) b.Nf = Netfront.Start(b.Store, b.Events, b.Grants, b.Pages, f, Netfront.PagesNeeded - 1);
        Assert.Equal(NetfrontStatus.NoFrames, b.Nf.Status);
    }

    [Fact]
    public void GrantTableFullReleasesWhatItTook()
    {
        using var b = new FakeNetback();
        var held = new List<int>();
        while (b.Grants.Free > 50) held.Add(b.Grants.Grant(0, 1, true));
        Assert.Equal(NetfrontStatus.NoGrants, b.Start().Status);
        Assert.Equal(50, b.Grants.Free);                           // everything it took went back
        Assert.Single(b.Ops.Closed);                               // and the channel is closed
        Assert.False(b.Nf.PagesGranted);
    }

    [Fact]
    public void FramesRoundTripBothWays()
    {
        using var b = Connected();
        // 1000 frames each way: the rings wrap several times, buffers are reposted, tx slots reused.
        for (int i = 0; i < 1000; i++)
        {
            int len = 14 + (i * 97) % (Netfront.MaxFrame - 13);
            var f = FakeNetback.Frame(len, i);
            Assert.True(b.Deliver(f, offset: (ushort)(i % 3 == 0 ? 0 : 64)));
            Assert.Equal(f, b.Receive());
            Assert.Empty(b.Receive());
            var t = FakeNetback.Frame(Netfront.MaxFrame - (i % 500), i + 7);
            Assert.True(b.Transmit(t));
            Assert.Equal(1, b.ProcessTx());
            Assert.Equal(t, b.Sent[^1]);
            b.Nf.Poll();
        }
        Assert.Equal(1000, b.Nf.Stats.RxFrames);
        Assert.Equal(1000, b.Nf.Stats.TxFrames);
        Assert.Equal(0, b.Nf.Stats.RxDropped);
        Assert.Equal(0, b.Nf.Stats.TxBadId);
        Assert.Equal(Netfront.RxBuffers, b.Nf.RxPosted);
        Assert.Equal(0, b.Nf.TxInFlight);
    }

    [Fact]
    public void TxFillsEverySlotThenReportsBusyUntilCompletions()
    {
        using var b = Connected();
        for (int i = 0; i < Netfront.TxSlots; i++) Assert.True(b.Transmit(FakeNetback.Frame(Netfront.MaxFrame, i)));
        Assert.False(b.Transmit(FakeNetback.Frame(60, 1)));
        Assert.Equal(1, b.Nf.Stats.TxBusy);
        Assert.Equal(Netfront.TxSlots, b.ProcessTx());
        // Each slot's data arrived intact: no two slots overlap in a page.
        for (int i = 0; i < Netfront.TxSlots; i++) Assert.Equal(FakeNetback.Frame(Netfront.MaxFrame, i), b.Sent[i]);
        Assert.True(b.Transmit(FakeNetback.Frame(60, 1)));
        Assert.False(b.Transmit(FakeNetback.Frame(13, 1)));
        Assert.False(b.Transmit(FakeNetback.Frame(Netfront.MaxFrame + 1, 1)));
        Assert.Equal(2, b.Nf.Stats.TxBadLength);
    }

    [Fact]
    public void TheTxBuilderNeverCrossesAPage()
    {
        for (int id = -1; id <= Netfront.TxSlots; id++)
            for (int len = 0; len <= 4200; len++)
            {
                bool ok = Netfront.BuildTxRequest(id, len, 99, out var q);
                bool valid = id >= 0 && id < Netfront.TxSlots && len >= Netfront.MinFrame && len <= Netfront.MaxFrame;
                Assert.Equal(valid, ok);
                if (!ok) continue;
                Assert.True(q.offset + q.size <= 4096);
                Assert.True(q.offset % Netfront.TxSlotBytes == 0 && q.size <= Netfront.TxSlotBytes);   // inside its own half
                Assert.Equal((ushort)id, q.id);
                Assert.Equal(99u, q.gref);
            }
    }

    // One hostile rx response of each class: dropped, counted, and the next good frame still arrives.
    [Theory]
    [InlineData("id-out-of-range")]
    [InlineData("id-not-outstanding")]
    [InlineData("status-zero")]
    [InlineData("status-error")]
    [InlineData("offset-past-page")]
    [InlineData("more-data")]
    [InlineData("extra-info")]
    [InlineData("too-long")]
    public void HostileRxResponsesAreDroppedAndCounted(string kind)
    {
        using var b = Connected();
        var q = b.TakeRxRequest().Value;
        var r = new NetifRxResponse { id = q.id, offset = 0, flags = 0, status = 100 };
        switch (kind)
        {
            case "id-out-of-range": r.id = 1000; break;
            case "id-not-outstanding":
                // Dropped first (the id is free until the next refill), then answered again.
                b.PutRx(new NetifRxResponse { id = q.id, status = -1 });
                q = b.TakeRxRequest().Value;
                break;
            case "status-zero": r.status = 0; break;
            case "status-error": r.status = -1; break;
            case "offset-past-page": r.offset = 4000; r.status = 200; break;
            case "more-data": r.flags = NetifRxResponse.FlagMoreData; break;
            case "extra-info": r.flags = NetifRxResponse.FlagExtraInfo; break;
            case "too-long": r.status = 1600; break;
        }
        long framesBefore = b.Nf.Stats.RxFrames;
        b.PutRx(r);
        b.PublishRx();
        Assert.Empty(b.Receive());
        var s = b.Nf.Stats;
        long counted = kind switch
        {
            "id-out-of-range" or "id-not-outstanding" => s.RxBadId,
            "status-zero" or "status-error" => s.RxError,
            "offset-past-page" => s.RxBadOffset,
            "more-data" or "extra-info" => s.RxBadFlags,
            _ => s.RxTooLong,
        };
        Assert.Equal(1, counted);
        Assert.Equal(kind == "id-not-outstanding" ? 2 : 1, s.RxDropped);
        Assert.Equal(framesBefore, s.RxFrames);
        Assert.True(b.Nf.Connected);
        var good = FakeNetback.Frame(90, 5);
        Assert.True(b.Deliver(good));
        Assert.Equal(good, b.Receive());
    }

    [Fact]
    public void RspProdJumpingPastTheRequestsBreaksTheRingNotTheGuest()
    {
        using var b = Connected();
        b.RxRspProd = b.RxRspPvt + 5000;
        Assert.Empty(b.Receive());
        Assert.False(b.Nf.Connected);
        Assert.True(b.Nf.RingsBroken);
        Assert.Equal(1, b.Nf.Stats.RingBroken);
        Assert.False(b.Transmit(FakeNetback.Frame(60, 1)));
        Assert.Empty(b.Receive());
        b.Nf.Poll();
        Assert.Equal(1, b.Nf.Stats.RingBroken);
    }

    [Fact]
    public void HostileTxCompletionsAreCountedAndSlotsComeBack()
    {
        using var b = Connected();
        Assert.True(b.Transmit(FakeNetback.Frame(60, 1)));
        Assert.True(b.Transmit(FakeNetback.Frame(60, 2)));
        // The backend answers both requests with garbage ids: nothing outstanding afterwards.
        b.TxReqCons += 2;
        b.PutTx(new NetifTxResponse { id = 999, status = 0 });
        b.PutTx(new NetifTxResponse { id = 63, status = 0 });         // a slot not in flight
        b.TxRspProd = b.TxRspPvt;
        b.Nf.Poll();
        Assert.Equal(2, b.Nf.Stats.TxBadId);
        Assert.Equal(2, b.Nf.Stats.TxReclaimed);                         // the ring drained: both ids free again
        Assert.Equal(0, b.Nf.TxInFlight);
        Assert.True(b.Transmit(FakeNetback.Frame(60, 3)));
        Assert.Equal(1, b.ProcessTx(NetifTxResponse.RspError));
        b.Nf.Poll();
        Assert.Equal(1, b.Nf.Stats.TxError);
        Assert.Equal(0, b.Nf.TxInFlight);
    }

    [Fact]
    public void LostRxIdsAreRepostedOnceTheRingDrains()
    {
        using var b = Connected();
        // Answer every posted buffer with an unknown id: all 64 ids are lost, the ring drains.
        for (int i = 0; i < Netfront.RxBuffers; i++)
        {
            b.TakeRxRequest();
            b.PutRx(new NetifRxResponse { id = 500, status = 60 });
        }
        b.PublishRx();
        Assert.Empty(b.Receive());
        Assert.Equal(Netfront.RxBuffers, b.Nf.Stats.RxBadId);
        Assert.Equal(Netfront.RxBuffers, b.Nf.Stats.RxReclaimed);
        Assert.Equal(Netfront.RxBuffers, b.Nf.RxPosted);
        var f = FakeNetback.Frame(77, 9);
        Assert.True(b.Deliver(f));
        Assert.Equal(f, b.Receive());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(2026)]
    public void FuzzedResponsesNeverCrashAndEverySlotIsAccountedFor(int seed)
    {
        using var b = Connected();
        var rng = new Random(seed);
        long published = 0;
        bool jumped = false;
        for (int step = 0; step < 3000; step++)
        {
            switch (rng.Next(6))
            {
                case 0:
                case 1:
                {
                    // A random response for a posted request (or for none at all).
                    var q = b.TakeRxRequest();
                    if (q == null) break;
                    var r = new NetifRxResponse
                    {
                        id = rng.Next(4) == 0 ? (ushort)rng.Next(65536) : q.Value.id,
                        offset = rng.Next(3) == 0 ? (ushort)rng.Next(65536) : (ushort)rng.Next(2600),
                        flags = rng.Next(4) == 0 ? (ushort)rng.Next(65536) : (ushort)0,
                        status = rng.Next(4) == 0 ? (short)rng.Next(-32768, 32768) : (short)rng.Next(1, 1515),
                    };
                    b.PutRx(r);
                    b.PublishRx();
                    published++;
                    break;
                }
                case 2:
                    var got = b.Receive(rng.Next(3) == 0 ? rng.Next(0, 2000) : 2048);
                    Assert.InRange(got.Length, 0, Netfront.MaxFrame);
                    break;
                case 3:
                    b.Transmit(FakeNetback.Frame(rng.Next(0, 1600), step));
                    break;
                case 4:
                {
                    // Random tx completions for what was sent, sometimes with garbage.
                    uint prod = *(uint*)b.TxRing;
                    while (b.TxReqCons != prod)
                    {
                        var q = *(NetifTxRequest*)(b.TxRing + 64 + (b.TxReqCons & 255) * 12);
                        Assert.True(q.offset + q.size <= 4096);
                        b.TxReqCons++;
                        b.PutTx(new NetifTxResponse { id = rng.Next(5) == 0 ? (ushort)rng.Next(65536) : q.id, status = (short)rng.Next(-2, 2) });
                    }
                    b.TxRspProd = b.TxRspPvt;
                    b.Nf.Poll();
                    break;
                }
                case 5:
                    if (rng.Next(200) == 0) { b.RxRspProd = b.RxRspPvt + (uint)rng.Next(300, 100000); jumped = true; }
                    b.Nf.Poll();
                    break;
            }
            Assert.InRange(b.Nf.RxPosted, 0, Netfront.RxBuffers);
            Assert.InRange(b.Nf.TxInFlight, 0, Netfront.TxSlots);
            if (jumped) break;
        }
        // Drain: every response the backend published was delivered or dropped with a reason.
        while (b.Receive().Length > 0) { }
        var s = b.Nf.Stats;
        if (!jumped) Assert.Equal(published, s.RxFrames + s.RxDropped);
        else Assert.Equal(1, s.RingBroken);
        Assert.True(s.RxFrames > 0 && s.RxDropped > 0 && s.TxFrames > 0);
        Assert.Equal(!jumped, b.Nf.Connected);
    }

    [Fact]
    public void NetworkDetachClosesTheFrontendAndReleasesGrants()
    {
        using var b = Connected();
        b.AutoClose = false;
        var f = FakeNetback.Frame(60, 1);
        b.SetBackendState(5);                          // xl network-detach: netback goes Closing
        b.Nf.Poll();
        Assert.Equal(new[] { "4", "5", "6" }, b.FrontStates);   // we went Closing then Closed
        Assert.Equal(XenbusState.Closed, b.Nf.FrontState);
        Assert.False(b.Nf.Connected);
        Assert.Equal(NetfrontStatus.Closed, b.Nf.Status);
        Assert.False(b.Transmit(f));
        Assert.True(b.Deliver(f));                     // whatever it still writes is ignored
        Assert.Empty(b.Receive());
        // The backend still has the rings mapped: grants are kept until it is Closed.
        Assert.True(b.Nf.PagesGranted);
        Assert.Equal(504 - Netfront.PagesNeeded, b.Grants.Free);
        uint txRef = uint.Parse(b.Key("device/vif/0/tx-ring-ref"));
        b.Entry(txRef)->flags |= GrantEntryV1.Reading | GrantEntryV1.Writing;    // still mapped
        b.SetBackendState(6);
        b.Nf.Poll();
        Assert.Single(b.Ops.Closed);
        Assert.Equal(0, b.Events.Count);
        Assert.Equal(1, b.Grants.Deferred);            // the busy ring ref waits
        Assert.Equal(503, b.Grants.Free);
        Assert.True(b.Nf.PagesGranted);
        b.Nf.Poll();
        Assert.Equal(1, b.Grants.Deferred);            // still busy: retried, not forced
        b.Entry(txRef)->flags &= unchecked((ushort)~(GrantEntryV1.Reading | GrantEntryV1.Writing));
        b.Nf.Poll();
        Assert.Equal(0, b.Grants.Deferred);
        Assert.Equal(504, b.Grants.Free);
        Assert.False(b.Nf.PagesGranted);
        Assert.Equal(0, b.Entry(txRef)->flags);
    }

    [Fact]
    public void BackendVanishingCountsAsClosed()
    {
        using var b = Connected();
        b.Xs.Remove("device/vif/0");                   // the toolstack tore both ends down
        b.Xs.Remove(FakeNetback.BackendPath);
        b.Xs.Pump();
        b.Nf.Poll();
        Assert.Equal(XenbusState.Closed, b.Nf.FrontState);
        Assert.Null(b.Key("device/vif/0/state"));     // no stray key written back
        Assert.False(b.Nf.Connected);
        Assert.False(b.Nf.PagesGranted);
        Assert.Equal(504, b.Grants.Free);
    }

    [Fact]
    public void PollIsQuietWhenIdle()
    {
        using var b = Connected();
        b.Nf.Poll();                                   // reads the state once for the watch event of our own connect
        int types = b.Xs.TypesSeen.Count, sends = b.Ops.Sends;
        for (int i = 0; i < 100; i++) { b.Nf.Poll(); Assert.Empty(b.Receive()); }
        Assert.Equal(types, b.Xs.TypesSeen.Count);     // no xenstore traffic
        Assert.Equal(sends, b.Ops.Sends);              // no needless notifications
        Assert.False(b.Nf.HasWork);
        Assert.True(b.Deliver(FakeNetback.Frame(60, 1)));
        Assert.True(b.Nf.HasWork);
    }

    [Fact]
    public void StatsNamesMatchTheCounters()
    {
        Assert.Equal(NetfrontStats.Count, NetfrontStats.Names.Length);
        Assert.Equal(NetfrontStats.Names.Length, NetfrontStats.Names.Distinct().Count());
        var s = new NetfrontStats { RxBadId = 3, TxReclaimed = 5 };
        Assert.Equal(3, s.Get(Array.IndexOf(NetfrontStats.Names, "rx-bad-id")));
        Assert.Equal(5, s.Get(Array.IndexOf(NetfrontStats.Names, "tx-reclaimed")));
    }
}
