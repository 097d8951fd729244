// Why: hostile input at volume. Seeded (deterministic) random and mutated frames must never
// crash the stack, every frame must end handled or in exactly one drop counter, and the
// stack must still answer a ping afterwards. An ARP storm must leave the cache bounded and
// keep the gateway we are using (ArpCache's policy).
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;

namespace LispVm.Tests.Net
{
    public unsafe class FuzzTests
    {
        static byte[] Mutate(Random r, byte[] good)
        {
            var f = (byte[])good.Clone();
            switch (r.Next(8))
            {
                case 6:   // IPv4 header fields changed with a correct header checksum
                case 7:
                    if (f.Length < 34 || Get16(f, 12) != 0x0800) break;
                    for (int k = r.Next(1, 3); k > 0; k--)
                    {
                        int at = 14 + r.Next(20);
                        if (at == 24 || at == 25) continue;
                        f[at] = r.Next(2) == 0 ? (byte)r.Next(256) : (byte)(f[at] ^ (1 << r.Next(8)));
                    }
                    int ihl = Math.Clamp((f[14] & 0xF) * 4, 20, f.Length - 14);
                    Put16(f, 24, 0);
                    Put16(f, 24, RefChecksum(f, 14, ihl));
                    break;
                case 0:   // flip a few bytes anywhere
                    for (int k = r.Next(1, 5); k > 0; k--) f[r.Next(f.Length)] = (byte)r.Next(256);
                    break;
                case 1:   // truncate
                    f = f[..r.Next(f.Length)];
                    break;
                case 2:   // flip bytes in the headers only (past the MACs)
                    for (int k = r.Next(1, 4); k > 0; k--) f[r.Next(12, Math.Min(f.Length, 50))] = (byte)r.Next(256);
                    break;
                case 3:   // grow with junk
                    f = f.Concat(Rand(r.Next(1, 200), r.Next())).ToArray();
                    break;
                case 4:   // random length fields (IP total, UDP length)
                    if (f.Length > 17) Put16(f, 16, r.Next(65536));
                    if (f.Length > 39) Put16(f, 38, r.Next(65536));
                    break;
                default:  // a single bit
                    int i = r.Next(f.Length);
                    f[i] ^= (byte)(1 << r.Next(8));
                    break;
            }
            return f;
        }

        [Fact]
        public void RandomAndMutatedFramesAreAllAccounted()
        {
            var (s, d) = Stack();
            int sock = s.UdpOpen(5000);
            s.UdpOpen(5001);
            var r = new Random(20261207);
            // TCP: a listener with backlog 1 and one accepted connection from host port 4000.
            int listener = s.TcpListen(80, 1);
            Introduce(s, d, MacHost, IpHost);
            var synAck = TcpKit.Parse(Feed(s, d, TcpKit.Frame(TcpKit.Segment(IpHost, IpA, 4000, 80, 100, 0, TcpKit.S, 65535))).Single());
            Feed(s, d, TcpKit.Frame(TcpKit.Segment(IpHost, IpA, 4000, 80, 101, synAck.Seq + 1, TcpKit.A, 65535)));
            Assert.True(s.TcpAccept(listener) >= 0);
            uint una = synAck.Seq + 1;
            byte[] Tcp(int sport, int dport, uint seq, uint ack, int flags, int dataLen = 0, int? off = null, bool bad = false)
                => TcpKit.Frame(TcpKit.Segment(IpHost, IpA, sport, dport, seq, ack, flags, 65535, Rand(dataLen, dataLen), null, off, bad));
            var tcpGoods = new List<byte[]>
            {
                Tcp(5000, 80, 7, 0, TcpKit.S),                                   // new SYNs: backlog 1
                Tcp(5001, 80, 7, 0, TcpKit.S),
                Tcp(4000, 82, 7, 0, TcpKit.S),                                   // closed port
                Tcp(4000, 80, 101, una, TcpKit.A, 100),                          // in order
                Tcp(4000, 80, 101 + 900000, una, TcpKit.A, 100),                 // out of window
                Tcp(4000, 80, 101, una + 100000, TcpKit.A),                      // ACK of unsent data
                Tcp(4000, 80, 101 + 5, 0, TcpKit.R),                             // inexact RST
                Tcp(4000, 80, 101, 0, 0, 10),                                    // no ACK flag
                Tcp(5002, 80, 7, 0, TcpKit.R),                                   // RST to a listener
                Tcp(5003, 80, 7, 0, TcpKit.F),                                   // FIN alone to a listener
                Tcp(4000, 80, 101, una, TcpKit.A, 0, off: 4),                    // bad data offset
                Tcp(4000, 80, 101, una, TcpKit.A, 10, bad: true),                // bad checksum
            };
            for (int k = 1; k <= 12; k++) tcpGoods.Add(Tcp(4000, 80, 101 + (uint)(1000 * k), una, TcpKit.A, 100));   // holes
            var goods = new[]
            {
                ArpRequest(MacHost, IpHost, IpA),
                ArpReply(MacHost, IpHost, MacA, IpA),
                Ping(IpHost, IpA, 1, 1, Rand(40, 1)),
                UdpFrame(IpHost, IpA, 1234, 5000, Rand(100, 2)),
                UdpFrame(IpHost, IpA, 1234, 7, Rand(20, 3)),
                UdpFrame(IpHost, 0x0A0000FF, 1234, 5001, Rand(20, 4), dstMac: Bcast),
                Ping(IpHost, IpA, 1, 1, Rand(1472, 5)),
                UdpFrame(IpHost, IpA, 1234, 6000, Rand(10, 6)),
                Ping(IpHost, 0xFFFFFFFF, 1, 1, Rand(8, 7), dstMac: Bcast),
                Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 1, new byte[] { 8, 0, 0xF7, 0xFF })),
                Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 1, IcmpMsg(3, 3, 0, 0, Rand(28, 8)))),
            }.Concat(tcpGoods).ToArray();
            const int Frames = 20000;
            ulong now = Sec;
            int fed = (int)s.Stats.RxPackets;                 // the TCP set-up frames above
            for (int i = 0; i < Frames; i++)
            {
                byte[] f;
                int kind = r.Next(10);
                if (kind < 2) f = Rand(r.Next(0, NetStack.BufferSize + 1), r.Next());
                else if (kind < 3)
                {
                    // random bytes behind a valid Ethernet header to us
                    f = Rand(r.Next(14, 200), r.Next());
                    Array.Copy(MacA, f, 6);
                    Put16(f, 12, r.Next(2) == 0 ? 0x0800 : 0x0806);
                }
                else f = Mutate(r, goods[r.Next(goods.Length)]);
                // The device drops oversize frames itself, and length 0 means "nothing waiting".
                if (f.Length > NetStack.BufferSize || f.Length == 0) continue;
                d.RxQueue.Enqueue(f);
                fed++;
                if (r.Next(8) == 0)
                {
                    now += (ulong)r.Next(0, 400) * 1000000UL;
                    s.Poll(now);
                    if (r.Next(4) == 0) UdpReceive(s, sock);
                    if (r.Next(50) == 0) UdpSend(s, sock, (uint)r.Next(0x0A000001, 0x0A0000FF), 9, new byte[8]);
                    d.Sent.Clear();
                }
            }
            while (s.Poll(now)) { }
            Assert.Equal(fed, s.Stats.RxPackets);
            AssertAccounted(s);
            Assert.True(s.Stats.RxHandled > 1000, "handled " + s.Stats.RxHandled);
            string missed = "";
            for (int k = 0; k < (int)DropReason.Count; k++)
                if (!NetStats.IsTransmitReason((DropReason)k) && k != (int)DropReason.TooLong && s.Stats.Drops[k] == 0) missed += NetStats.DropNames[k] + " ";
            Assert.True(missed == "", "never hit: " + missed);   // too-long: only a lying device
            Assert.True(ArpTable(s).Count <= NetStack.ArpCacheSize);

            // Still alive: a clean ping from a fresh host is answered.
            for (int k = 0; k < 5; k++) { now += 2 * Sec; s.Poll(now); }   // let pending resolutions fail
            d.Sent.Clear();
            var sent = Feed(s, d, ArpRequest(MacB, IpB, IpA), now);
            Assert.Single(sent);
            var reply = Assert.Single(Feed(s, d, Ping(IpB, IpA, 99, 98, new byte[] { 1, 2, 3 }, srcMac: MacB), now));
            Assert.Equal(MacB, reply[0..6]);
            Assert.Equal(IcmpMsg(0, 0, 99, 98, new byte[] { 1, 2, 3 }), reply[34..]);
        }

        [Fact]
        public void ArpStormKeepsCacheBoundedAndGatewayResolved()
        {
            var (s, d) = Stack();
            int sock = s.UdpOpen(0);
            ulong now = Sec;
            s.Poll(now);
            UdpSend(s, sock, IpFar, 53, new byte[] { 1 });
            Feed(s, d, ArpReply(MacGw, IpGw, MacA, IpA), now);   // gateway resolved and used
            d.Sent.Clear();
            long requestsBefore = s.Stats.ArpRequestsOut;
            var r = new Random(826);
            for (int i = 0; i < 5000; i++)
            {
                var mac = new byte[] { 0x02, 0x55, (byte)(i >> 16), (byte)(i >> 8), (byte)i, (byte)r.Next(256) };
                uint ip = 0x0A000003u + (uint)(i % 250);                  // 10.0.0.3 .. 10.0.0.252
                var f = r.Next(3) == 0 ? ArpReply(mac, ip, MacA, IpA) : ArpRequest(mac, ip, IpA);
                d.RxQueue.Enqueue(f);
                if (i % 64 == 63) { now += Sec / 100; s.Poll(now); d.Sent.Clear(); }
                if (i % 1000 == 999)
                {
                    UdpSend(s, sock, IpFar, 53, new byte[] { 2 });   // we keep using the gateway
                    Assert.Equal(MacGw, Assert.Single(d.TakeSent())[0..6]);
                }
            }
            while (s.Poll(now)) { }
            d.Sent.Clear();
            var table = ArpTable(s);
            Assert.Equal(NetStack.ArpCacheSize, table.Count);            // full, never more
            Assert.Contains(table, e => e.ip == IpGw && e.mac.SequenceEqual(MacGw));
            UdpSend(s, sock, IpFar, 53, new byte[] { 3 });
            Assert.Equal(MacGw, Assert.Single(d.TakeSent())[0..6]);
            Assert.Equal(requestsBefore, s.Stats.ArpRequestsOut);
            AssertAccounted(s);
        }
    }
}
