// Why: issue 17's corruption hunt (gap 1): netback maps a tx buffer and reads it whenever it
// likes until it sends the tx response, so nothing may rewrite a buffer handed to it before
// its response: not netfront reusing a slot, not the stack's retransmit path, not a view of
// the TCP send ring. This runs the real NetStack over the real Netfront against a fake
// netback that answers tx LATE (
// each one only after a random delay, out of order, while the stack has moved on: sent more,
// retransmitted, reused answered slots) and takes each frame's bytes at completion
// time, as a mapping would, checking them against a snapshot taken when the request was
// published. A peer NetStack behind it receives 1 MiB sent by the guest and compares it byte
// for byte. The same with every request answered at once is the control.
#nullable disable
using LispVm.Net;
using XenPv.Netfront;
using XenPv.Shim.Io;
using Xunit;

namespace XenPv.Tests;

public unsafe class NetfrontLateTxTests
{
    /// <summary>Netfront as the stack's device, as LispVm.Kernel's XenNetDevice does it.</summary>
    sealed class FrontDevice : INetDevice
    {
        readonly XenPv.Netfront.Netfront nf;
        public FrontDevice(XenPv.Netfront.Netfront nf) { this.nf = nf; }
        public void GetMac(byte* mac) { nf.GetMac(mac); }
        public int Mtu => 1500;
        public bool Transmit(byte* frame, int length) { return nf.Transmit(frame, length); }
        public int Receive(byte* buf, int max) { nf.Poll(); return nf.Receive(buf, max); }
    }

    /// <summary>The peer's NIC: frames to the guest wait in ToGuest, frames from it in Queue.</summary>
    sealed class PeerDevice : INetDevice
    {
        public readonly Queue<byte[]> Queue = new(), ToGuest = new();
        public void GetMac(byte* mac) { byte[] m = { 0x02, 0, 0, 0, 0, 0x01 }; for (int i = 0; i < 6; i++) mac[i] = m[i]; }
        public int Mtu => 1500;
        public bool Transmit(byte* frame, int length) { ToGuest.Enqueue(new ReadOnlySpan<byte>(frame, length).ToArray()); return true; }
        public int Receive(byte* buf, int max)
        {
            if (Queue.Count == 0) return 0;
            byte[] f = Queue.Dequeue();
            if (f.Length > max) return 0;
            for (int i = 0; i < f.Length; i++) buf[i] = f[i];
            return f.Length;
        }
    }

    sealed class Rig : IDisposable
    {
        public readonly FakeNetback B = new();
        public readonly NetStack Guest, Peer;
        public readonly PeerDevice PeerDev = new();
        public readonly List<(ushort id, uint gref, ushort off, byte[] snap, int due)> Pending = new();
        public int MaxDelay;                   // backend rounds a request may wait (0: answer at once)
        public int Rewritten, Completed, MaxPending, OutOfOrder;
        int round;
        public ulong Now = 1_000_000_000;
        readonly Random rng = new(17);

        public Rig(int maxDelay)
        {
            MaxDelay = maxDelay;
            Assert.Equal(NetfrontStatus.Ok, B.Start().Status);
            Guest = new NetStack(new FrontDevice(B.Nf), new NetConfig { Ip = 0x0A000002, PrefixLength = 24 }, new SeededEntropy(3));
            Peer = new NetStack(PeerDev, new NetConfig { Ip = 0x0A000001, PrefixLength = 24 }, new SeededEntropy(4));
        }

        public void Dispose() => B.Dispose();

        // netback: takes newly published requests (snapshot), answers the old ones (reading
        // the page now), hands their bytes to the peer; delivers the peer's frames.
        public void Backend()
        {
            round++;
            uint prod = *(uint*)B.TxRing;
            while (B.TxReqCons != prod)
            {
                var q = *(NetifTxRequest*)(B.TxRing + 64 + (B.TxReqCons & 255) * 12);
                B.TxReqCons++;
                Assert.Equal(0, q.flags);          // checksums complete: no csum_blank, no data_validated
                Assert.True(q.offset + q.size <= 4096);
                byte* p = B.PageOf(q.gref, false) + q.offset;
                int due = round + (MaxDelay == 0 ? 0 : rng.Next(MaxDelay + 1));
                Pending.Add((q.id, q.gref, q.offset, new ReadOnlySpan<byte>(p, q.size).ToArray(), due));
            }
            if (Pending.Count > MaxPending) MaxPending = Pending.Count;
            bool any = false;
            for (int k = 0; k < Pending.Count; k++)
            {
                var (id, gref, off, snap, due) = Pending[k];
                if (due > round) continue;
                if (k > 0) OutOfOrder++;
                Pending.RemoveAt(k--);
                byte* p = B.PageOf(gref, false) + off;
                byte[] now = new ReadOnlySpan<byte>(p, snap.Length).ToArray();
                if (!now.AsSpan().SequenceEqual(snap)) Rewritten++;
                PeerDev.Queue.Enqueue(now);        // what a mapping reads: the page as it is now
                B.PutTx(new NetifTxResponse { id = id, status = NetifTxResponse.RspOkay });
                Completed++;
                any = true;
            }
            if (any) B.TxRspProd = B.TxRspPvt;
            while (PeerDev.ToGuest.Count > 0 && B.Deliver(PeerDev.ToGuest.Peek())) PeerDev.ToGuest.Dequeue();
        }

        public void Step()
        {
            Now += 200_000;
            Guest.Poll(Now);
            Backend();
            Peer.Poll(Now);
            Backend();
        }
    }

    static byte Pattern(long i) => (byte)((i * 7 + (i >> 9) * 13) & 0xFF);

    [Theory]
    [InlineData(0)]           // the control: every request answered in the round it came
    [InlineData(30)]          // up to 3 ms late, out of order
    [InlineData(3000)]        // up to 300 ms: past the RTO, so retransmissions meet held slots
    public void A_megabyte_from_the_guest_arrives_intact_while_netback_answers_tx_late(int maxDelay)
    {
        using var r = new Rig(maxDelay);
        const int Total = 1 << 20;
        int l = r.Peer.TcpListen(4005, 4);
        int c = r.Guest.TcpConnect(0x0A000001, 4005);
        Assert.True(l >= 0 && c >= 0);
        int pc = -1;
        long sent = 0, got = 0, bad = -1;
        byte[] chunk = new byte[3000], rbuf = new byte[16384];
        for (int step = 0; step < 2_000_000 && got < Total; step++)
        {
            r.Step();
            if (pc < 0) { pc = r.Peer.TcpAccept(l); continue; }
            if (sent < Total)
            {
                // Odd-sized writes, so segment and ring boundaries fall everywhere.
                int n = (int)Math.Min(Total - sent, 1 + (step * 37) % chunk.Length);
                for (int i = 0; i < n; i++) chunk[i] = Pattern(sent + i);
                int k;
                fixed (byte* p = chunk) k = r.Guest.TcpSend(c, p, n);
                Assert.True(k >= 0, "TcpSend " + k);
                sent += k;
            }
            int m;
            fixed (byte* p = rbuf) m = r.Peer.TcpReceive(pc, p, rbuf.Length);
            for (int i = 0; i < m; i++) if (bad < 0 && rbuf[i] != Pattern(got + i)) bad = got + i;
            if (m > 0) got += m;
        }
        Assert.Equal(-1, bad);
        Assert.Equal(Total, got);
        Assert.Equal(0, r.Rewritten);                      // no buffer changed before its response
        Assert.True(r.Completed > Total / 1460);
        Assert.Equal(0, r.B.Nf.Stats.TxBadId);
        if (maxDelay > 0)
        {
            Assert.True(r.MaxPending >= 8, $"the backend held {r.MaxPending} requests at most");
            Assert.True(r.OutOfOrder > 100, $"{r.OutOfOrder} answers out of order");
        }
        if (maxDelay >= 3000) Assert.True(r.Guest.Stats.TcpRetransmits > 0, "retransmissions while slots were held");
    }
}
