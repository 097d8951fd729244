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
    private sealed class FakeXenstored : IEventPort
    {
        private readonly SharedPage page;
        private static readonly RingLayout L = RingLayout.Xenstore;
        public readonly Dictionary<string, byte[]> Store = new();
        public readonly List<string> Watches = new();
        private readonly List<byte> fromGuest = new();
        private readonly Queue<byte> toGuest = new();
        public ulong Now;
        public int Waits;
        public bool Silent;                 // never answers
        public bool EventBeforeReply;       // a watch event overtakes the next reply
        public uint? ForceLength;           // corrupt the next reply's length
        public Func<string, string?>? OnWrite;

        public FakeXenstored(SharedPage page) { this.page = page; }

        public void Notify() => Pump();
        public void ClearPending() { }
        public bool IsPending => false;
        public ulong NowNs() => Now;
        public void WaitUntil(ulong deadline) { Waits++; Now = deadline; Pump(); }

        private void Reply(uint type, uint id, byte[] payload)
        {
            var h = new byte[16];
            BitConverter.GetBytes(type).CopyTo(h, 0);
            BitConverter.GetBytes(id).CopyTo(h, 4);
            BitConverter.GetBytes(ForceLength ?? (uint)payload.Length).CopyTo(h, 12);
            ForceLength = null;
            foreach (var b in h) toGuest.Enqueue(b);
            foreach (var b in payload) toGuest.Enqueue(b);
        }

        private void Event(string path, string token) => Reply(15, 0, Encoding.ASCII.GetBytes(path + "\0" + token + "\0"));

        public void Pump()
        {
            if (Silent) { page.Consume(L); return; }
            fromGuest.AddRange(page.Consume(L));
            while (fromGuest.Count >= 16)
            {
                var a = fromGuest.ToArray();
                uint type = BitConverter.ToUInt32(a, 0), id = BitConverter.ToUInt32(a, 4), len = BitConverter.ToUInt32(a, 12);
                if (a.Length < 16 + len) break;
                var payload = a[16..(16 + (int)len)];
                fromGuest.RemoveRange(0, 16 + (int)len);
                int nul = Array.IndexOf(payload, (byte)0);
                string path = Encoding.ASCII.GetString(payload, 0, nul < 0 ? payload.Length : nul);
                if (EventBeforeReply && Watches.Count > 0) { Event(Watches[0], "tok"); EventBeforeReply = false; }
                switch (type)
                {
                    case 2: // READ
                        if (Store.TryGetValue(path, out var v)) Reply(2, id, v); else Reply(16, id, Encoding.ASCII.GetBytes("ENOENT\0"));
                        break;
                    case 11: // WRITE
                        Store[path] = payload[(nul + 1)..];
                        Reply(11, id, Encoding.ASCII.GetBytes("OK\0"));
                        if (Watches.Contains(path)) Event(path, "tok");
                        break;
                    case 4: // WATCH: reply, then the initial event
                        Watches.Add(path);
                        Reply(4, id, Encoding.ASCII.GetBytes("OK\0"));
                        Event(path, "tok");
                        break;
                    default:
                        Reply(16, id, Encoding.ASCII.GetBytes("EINVAL\0"));
                        break;
                }
            }
            // Push replies as far as the 1 KiB rsp ring allows (the rest on later pumps).
            uint prod = page[L.InProdOffset], cons = page[L.InConsOffset];
            while (toGuest.Count > 0 && prod - cons < (uint)L.InSize)
                page.P[L.InOffset + (int)(prod++ & (uint)(L.InSize - 1))] = toGuest.Dequeue();
            page[L.InProdOffset] = prod;
        }
    }

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
        var big = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 600).Select(i => (char)('a' + i % 26))) + new string('z', 2400));
        fixed (byte* p = big) Assert.Equal(XsError.Ok, xs.Write("data/big", p, big.Length));
        Assert.Equal(big, d.Store["data/big"]);
        Assert.Equal(Encoding.ASCII.GetString(big), ReadKey(xs, "data/big", out int r));
        Assert.Equal(3000, r);
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
}
