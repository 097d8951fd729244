// Why: SlotRing is the shared request/response ring netfront will use. Checks the page
// geometry (netif tx/rx: 256 entries), the notify rule of RING_PUSH_REQUESTS_AND_CHECK_NOTIFY,
// u32 wraparound, the final check, and that a backend publishing more responses than
// requests breaks the ring instead of being trusted.
using XenPv.Shim.Io;
using Xunit;

namespace XenPv.Tests;

public unsafe class SlotRingTests
{
    private static uint U(SharedPage p, int o) => p[o];

    // The backend side: answers every published request with status = id.
    private static void Answer(SharedPage p, uint count)
    {
        uint rspProd = p[8];
        for (uint i = 0; i < count; i++, rspProd++)
        {
            var req = *(NetifTxRequest*)(p.P + 64 + (rspProd & 255) * 12);
            *(NetifTxResponse*)(p.P + 64 + (rspProd & 255) * 12) = new NetifTxResponse { id = req.id, status = (short)req.size };
        }
        p[8] = rspProd;
    }

    [Fact]
    public void NetifRingsHold256Entries()
    {
        Assert.Equal(256u, SlotRing<NetifTxRequest, NetifTxResponse>.EntriesPerPage());
        Assert.Equal(256u, SlotRing<NetifRxRequest, NetifRxResponse>.EntriesPerPage());
    }

    [Fact]
    public void RequestsGoOutAndResponsesComeBack()
    {
        using var page = new SharedPage();
        var ring = new SlotRing<NetifTxRequest, NetifTxResponse>(page.P, initialise: true);
        Assert.Equal(1u, U(page, 4));                              // req_event
        for (ushort i = 0; i < 10; i++) Assert.True(ring.Push(new NetifTxRequest { id = i, size = (ushort)(100 + i) }));
        Assert.Equal(0u, U(page, 0));                              // nothing published yet
        Assert.True(ring.Publish());                               // req_event 1 is in (0, 10]: notify
        Assert.Equal(10u, U(page, 0));
        Answer(page, 10);
        for (ushort i = 0; i < 10; i++)
        {
            Assert.True(ring.TryTake(out var rsp));
            Assert.Equal((i, (short)(100 + i)), (rsp.id, rsp.status));
        }
        Assert.False(ring.TryTake(out _));
        Assert.Equal(0u, ring.Outstanding);
    }

    [Fact]
    public void NotifyOnlyWhenTheBackendAskedForIt()
    {
        using var page = new SharedPage();
        var ring = new SlotRing<NetifTxRequest, NetifTxResponse>(page.P, initialise: true);
        ring.Push(default);
        Assert.True(ring.Publish());
        page[4] = 100;                                             // backend wants an event at request 100
        ring.Push(default);
        Assert.False(ring.Publish());                              // published 2: no event needed
    }

    [Fact]
    public void FullRingRefusesAndIndicesWrap()
    {
        using var page = new SharedPage();
        var ring = new SlotRing<NetifTxRequest, NetifTxResponse>(page.P, initialise: true);
        for (int round = 0; round < 20; round++)                   // 20 * 256 > 2^12; wrap checked below
        {
            for (int i = 0; i < 256; i++) Assert.True(ring.Push(new NetifTxRequest { id = (ushort)i }));
            Assert.True(ring.Full);
            Assert.False(ring.Push(default));
            ring.Publish();
            Answer(page, 256);
            for (int i = 0; i < 256; i++) Assert.True(ring.TryTake(out _));
        }
        Assert.Equal(20u * 256, U(page, 0));
        Assert.False(ring.Broken);
    }

    [Fact]
    public void FinalCheckArmsTheEventAndSeesARacingResponse()
    {
        using var page = new SharedPage();
        var ring = new SlotRing<NetifTxRequest, NetifTxResponse>(page.P, initialise: true);
        ring.Push(default);
        ring.Publish();
        Assert.False(ring.FinalCheckForResponses());
        Assert.Equal(1u, U(page, 12));                             // rsp_event = rsp_cons + 1
        Answer(page, 1);
        Assert.True(ring.FinalCheckForResponses());
    }

    [Fact]
    public void MoreResponsesThanRequestsBreaksTheRing()
    {
        using var page = new SharedPage();
        var ring = new SlotRing<NetifTxRequest, NetifTxResponse>(page.P, initialise: true);
        ring.Push(default);
        ring.Publish();
        page[8] = 5000;                                            // hostile rsp_prod
        Assert.False(ring.TryTake(out _));
        Assert.True(ring.Broken);
        Assert.False(ring.Push(default));
        Assert.False(ring.FinalCheckForResponses());
    }
}
