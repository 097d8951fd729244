// Why: netback's side of netfront over in-memory pages, so the driver is tested without Xen:
// a real GrantTable over a fake table page, a fake page map (frame FrameBase + i = page i of
// the buffer block), FakeXenstored holding the vif keys and playing the backend's state
// changes, fake event-channel hypercalls whose Poll advances time. It resolves every gref
// through the grant entry (permit, domid, read-only) like Xen would, answers tx requests,
// delivers rx frames, and can write any hostile response the tests ask for.
#nullable disable
using System.Runtime.InteropServices;
using System.Text;
using XenPv.Netfront;
using XenPv.Shim;
using XenPv.Shim.Io;
using XenPv.Xenbus;
using Xunit;

namespace XenPv.Tests;

using Netfront = XenPv.Netfront.Netfront;

public sealed unsafe class FakeNetback : IDisposable
{
    public const string BackendPath = "/local/domain/0/backend/vif/7/0";
    public const ushort Domid = 0;
    public const ulong FrameBase = 0x5000;
    public const int N = Netfront.PagesNeeded;

    public readonly SharedPage StorePage = new(), GrantPage = new(), SharedInfoPage = new();
    public readonly FakeXenstored Xs;
    public readonly XenStore Store;
    public readonly GrantTable Grants;
    public readonly EventOps Ops;
    public readonly EventRegistry Events;
    public readonly byte* Pages;
    public readonly ulong[] Frames;
    public Netfront Nf;

    public bool AutoConnect = true, AutoClose = true;
    // A restore gives the backend a new path (the new domid) and our pages new MFNs.
    public string Backend = BackendPath;
    public ulong FramesAt = FrameBase;
    public int RxPostedAtConnect = -1;
    public readonly List<string> FrontStates = new();
    public readonly List<byte[]> Sent = new();
    public int TxRequestsSeen;
    public uint TxReqCons, TxRspPvt, RxReqCons, RxRspPvt;
    public byte* TxRing, RxRing;

    public sealed class EventOps : IEventOps
    {
        public ulong Now;
        public int Polls, Sends;
        public uint NextPort = 20;
        public readonly List<(ushort Remote, uint Port)> Allocated = new();
        public readonly List<uint> Closed = new();
        public Action OnPoll;
        public XenError Send(uint port) { Sends++; return XenError.Ok; }
        public XenError Unmask(uint port) => XenError.Ok;
        public XenError Close(uint port) { Closed.Add(port); return XenError.Ok; }
        public XenError AllocUnbound(ushort remote, out uint port) { port = NextPort++; Allocated.Add((remote, port)); return XenError.Ok; }
        public XenError Poll(uint* ports, uint count, ulong deadline)
        {
            Polls++;
            Now = deadline > Now ? deadline : Now + 1_000_000;
            OnPoll?.Invoke();
            return XenError.Ok;
        }
        public ulong NowNs() => Now;
    }

    public FakeNetback(Action<FakeXenstored> setup = null)
    {
        Xs = new FakeXenstored(StorePage);
        Xs.Set("device/vif/0/backend", BackendPath);
        Xs.Set("device/vif/0/backend-id", "0");
        Xs.Set("device/vif/0/mac", "00:16:3e:0a:bc:de");
        Xs.Set("device/vif/0/state", "1");
        Xs.Set(BackendPath + "/state", "2");
        setup?.Invoke(Xs);
        Xs.OnGuestWrite = OnGuestWrite;
        Store = new XenStore(StorePage.P, Xs);
        Grants = new GrantTable((GrantEntryV1*)GrantPage.P, 512);
        Ops = new EventOps { OnPoll = () => Xs.Pump() };
        Events = new EventRegistry((SharedInfo*)SharedInfoPage.P, Ops, 8);
        Pages = (byte*)NativeMemory.AlignedAlloc((nuint)(4096 * N), 4096);
        NativeMemory.Clear(Pages, (nuint)(4096 * N));
        Frames = Enumerable.Range(0, N).Select(i => FrameBase + (ulong)i).ToArray();
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(Pages);
        StorePage.Dispose();
        GrantPage.Dispose();
        SharedInfoPage.Dispose();
    }

    public Netfront Start()
    {
        fixed (ulong* f = Frames) Nf = Netfront.Start(Store, Events, Grants, Pages, f, N);
        return Nf;
    }

    public string Key(string k) => Xs.Store.TryGetValue(k, out var v) ? Encoding.ASCII.GetString(v) : null;

    private void OnGuestWrite(string path, string value)
    {
        if (path != "device/vif/0/state") return;
        FrontStates.Add(value);
        if (value == "4")
        {
            MapRings();
            RxPostedAtConnect = (int)(*(uint*)RxRing - RxReqCons);
            if (AutoConnect) Xs.Set(Backend + "/state", "4");
        }
        if (value == "6" && AutoClose) Xs.Set(Backend + "/state", "6");
    }

    // The toolstack or netback changes the backend's state (xl network-detach: 5, then 6).
    public void SetBackendState(int s) => Xs.ToolstackWrite(Backend + "/state", s.ToString());

    public GrantEntryV1* Entry(uint gref) => (GrantEntryV1*)GrantPage.P + gref;

    // What Xen checks before the backend may touch a frame through gref.
    public byte* PageOf(uint gref, bool write)
    {
        Assert.InRange(gref, (uint)GrantTable.ReservedEntries, 511u);
        var e = *Entry(gref);
        Assert.NotEqual(0, e.flags & GrantEntryV1.PermitAccess);
        Assert.Equal(Domid, e.domid);
        if (write) Assert.Equal(0, e.flags & GrantEntryV1.ReadOnly);
        ulong idx = e.frame - FramesAt;
        Assert.InRange(idx, 0ul, (ulong)N - 1);
        return Pages + idx * 4096;
    }

    public void MapRings()
    {
        TxRing = PageOf(uint.Parse(Key("device/vif/0/tx-ring-ref")), true);
        RxRing = PageOf(uint.Parse(Key("device/vif/0/rx-ring-ref")), true);
    }

    private static uint U(byte* ring, int off) => Volatile.Read(ref *(uint*)(ring + off));

    public uint RxReqProd => U(RxRing, 0);
    public uint RxRspProd { get => U(RxRing, 8); set => *(uint*)(RxRing + 8) = value; }
    public uint TxRspProd { get => U(TxRing, 8); set => *(uint*)(TxRing + 8) = value; }

    // Answers every tx request published so far; returns how many.
    public int ProcessTx(short status = NetifTxResponse.RspOkay)
    {
        uint prod = U(TxRing, 0);
        int n = 0;
        while (TxReqCons != prod)
        {
            var q = *(NetifTxRequest*)(TxRing + 64 + (TxReqCons & 255) * 12);
            TxReqCons++;
            TxRequestsSeen++;
            Assert.True(q.offset + q.size <= 4096, $"tx request crosses the page: {q.offset}+{q.size}");
            Assert.Equal(0, q.flags);
            byte* p = PageOf(q.gref, false) + q.offset;
            Sent.Add(new ReadOnlySpan<byte>(p, q.size).ToArray());
            PutTx(new NetifTxResponse { id = q.id, status = status });
            n++;
        }
        TxRspProd = TxRspPvt;
        return n;
    }

    public void PutTx(NetifTxResponse r) => *(NetifTxResponse*)(TxRing + 64 + (TxRspPvt++ & 255) * 12) = r;

    // Takes the next rx request, or null when the guest has none posted.
    public NetifRxRequest? TakeRxRequest()
    {
        if (RxReqCons == RxReqProd) return null;
        return *(NetifRxRequest*)(RxRing + 64 + (RxReqCons++ & 255) * 8);
    }

    public void PutRx(NetifRxResponse r) => *(NetifRxResponse*)(RxRing + 64 + (RxRspPvt++ & 255) * 8) = r;
    public void PublishRx() => RxRspProd = RxRspPvt;

    // netback with request-rx-copy: copies the frame into the posted buffer, answers it.
    public bool Deliver(byte[] frame, ushort offset = 0, bool publish = true)
    {
        var q = TakeRxRequest();
        if (q == null) return false;
        byte* p = PageOf(q.Value.gref, true);
        for (int i = 0; i < frame.Length; i++) p[offset + i] = frame[i];
        PutRx(new NetifRxResponse { id = q.Value.id, offset = offset, flags = 0, status = (short)frame.Length });
        if (publish) PublishRx();
        return true;
    }

    public byte[] Receive(int max = 2048)
    {
        var buf = new byte[max];
        int n;
        fixed (byte* b = buf) n = Nf.Receive(b, max);
        return buf[..n];
    }

    public bool Transmit(byte[] frame)
    {
        fixed (byte* f = frame) return Nf.Transmit(f, frame.Length);
    }

    public static byte[] Frame(int length, int seed)
    {
        var f = new byte[length];
        for (int i = 0; i < length; i++) f[i] = (byte)(seed * 31 + i * 7);
        return f;
    }
}
