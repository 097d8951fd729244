// Why: ByteRing is the code that faces another domain's writes. Besides the normal
// stream behaviour these tests play a hostile or buggy backend: impossible indices
// (prod - cons > size), free-running u32 indices wrapping past 2^32, a closed layout.
using System.Text;
using XenPv.Shim.Io;
using Xunit;

namespace XenPv.Tests;

public unsafe class ByteRingTests
{
    private static readonly RingLayout Con = RingLayout.Console;

    private static int Write(ref ByteRing r, string s)
    {
        byte[] b = Encoding.ASCII.GetBytes(s);
        fixed (byte* p = b) return r.Write(p, b.Length);
    }

    private static string Read(ref ByteRing r, int max = 4096)
    {
        byte[] b = new byte[max];
        int n;
        fixed (byte* p = b) n = r.Read(p, max);
        return Encoding.ASCII.GetString(b, 0, n);
    }

    [Fact]
    public void WriteThenBackendConsumes()
    {
        using var page = new SharedPage();
        var ring = new ByteRing(page.P, Con);
        Assert.Equal(5, Write(ref ring, "hello"));
        Assert.Equal(5u, page[Con.OutProdOffset]);
        Assert.Equal("hello", Encoding.ASCII.GetString(page.Consume(Con)));
    }

    [Fact]
    public void BackendProducesThenRead()
    {
        using var page = new SharedPage();
        var ring = new ByteRing(page.P, Con);
        page.Produce(Con, Encoding.ASCII.GetBytes("abc\r"));
        Assert.Equal(4, ring.InAvailable);
        Assert.Equal("ab", Read(ref ring, 2));
        Assert.Equal("c\r", Read(ref ring));
        Assert.Equal("", Read(ref ring));
        Assert.Equal(4u, page[Con.InConsOffset]);
    }

    [Fact]
    public void FullRingAcceptsOnlyWhatFits()
    {
        using var page = new SharedPage();
        var ring = new ByteRing(page.P, Con);
        string big = new string('x', 3000);
        Assert.Equal(2048, Write(ref ring, big));
        Assert.Equal(0, Write(ref ring, "more"));
        page.Consume(Con, 100);
        Assert.Equal(100, Write(ref ring, big));
        Assert.Equal(0, ring.Resets);
    }

    [Fact]
    public void IndicesWrapPastTwoToThe32()
    {
        using var page = new SharedPage();
        uint start = 0xFFFFFFF0;
        page[Con.OutProdOffset] = start; page[Con.OutConsOffset] = start;
        page[Con.InProdOffset] = start; page[Con.InConsOffset] = start;
        var ring = new ByteRing(page.P, Con);
        string s = "0123456789abcdefghijklmnopqrstuv"; // 32 bytes: crosses the wrap
        Assert.Equal(32, Write(ref ring, s));
        Assert.Equal(start + 32, page[Con.OutProdOffset]);   // wrapped to 0x10
        Assert.Equal(0x10u, page[Con.OutProdOffset]);
        Assert.Equal(s, Encoding.ASCII.GetString(page.Consume(Con)));
        page.Produce(Con, Encoding.ASCII.GetBytes(s));
        Assert.Equal(32, ring.InAvailable);
        Assert.Equal(s, Read(ref ring));
        Assert.Equal(0, ring.Resets);
    }

    [Fact]
    public void HostileInProducerIsDroppedNotTrusted()
    {
        using var page = new SharedPage();
        var ring = new ByteRing(page.P, Con);
        page[Con.InProdOffset] = 5000;           // 5000 - 0 > 1024: impossible
        Assert.Equal(0, ring.InAvailable);
        Assert.Equal("", Read(ref ring));
        Assert.Equal(1, ring.Resets);
        Assert.Equal(5000u, page[Con.InConsOffset]); // resynchronised: cons = prod
        page.Produce(Con, Encoding.ASCII.GetBytes("ok"));
        Assert.Equal("ok", Read(ref ring));
    }

    [Fact]
    public void ProducerBehindConsumerIsHostileToo()
    {
        using var page = new SharedPage();
        var ring = new ByteRing(page.P, Con);
        page[Con.InConsOffset] = 10;
        page[Con.InProdOffset] = 9;              // prod - cons = 0xFFFFFFFF
        Assert.Equal("", Read(ref ring));
        Assert.Equal(1, ring.Resets);
    }

    [Fact]
    public void HostileOutConsumerResetsAndKeepsWorking()
    {
        using var page = new SharedPage();
        var ring = new ByteRing(page.P, Con);
        Write(ref ring, "abc");
        page[Con.OutConsOffset] = 0x80000000;    // prod - cons > 2048
        Assert.Equal(4, Write(ref ring, "next"));
        Assert.Equal(1, ring.Resets);
        Assert.Equal("next", Encoding.ASCII.GetString(page.Consume(Con)));
    }

    [Fact]
    public void InvalidLayoutGivesAClosedRing()
    {
        using var page = new SharedPage();
        var bad = new RingLayout(0, 1000, 1024, 2048, 3072, 3076, 3080, 3084); // 1000 not a power of two
        Assert.False(bad.IsValid);
        var ring = new ByteRing(page.P, bad);
        Assert.False(ring.IsOpen);
        Assert.Equal(0, Write(ref ring, "x"));
        Assert.Equal("", Read(ref ring));
        var outside = new RingLayout(0, 1024, 3584, 1024, 3072, 3076, 3080, 3084); // out array past the page
        Assert.False(outside.IsValid);
    }

    [Fact]
    public void XenstoreLayoutUsesReqForOutputAndRspForInput()
    {
        using var page = new SharedPage();
        var xs = RingLayout.Xenstore;
        var ring = new ByteRing(page.P, xs);
        Write(ref ring, "req");
        Assert.Equal((byte)'r', page.P[0]);           // req[] at 0
        Assert.Equal(3u, page[2052]);                 // req_prod
        page.Produce(xs, Encoding.ASCII.GetBytes("rsp"));
        Assert.Equal((byte)'r', page.P[1024]);        // rsp[] at 1024
        Assert.Equal("rsp", Read(ref ring));
        Assert.Equal(3u, page[2056]);                 // rsp_cons
    }
}
