// Why: two real stacks on one in-memory segment (plus a scripted host for ping, which the
// stack does not originate): ARP resolution both ways, UDP both ways, the echo service and
// ping, with every frame accounted for on both sides.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;

namespace LispVm.Tests.Net
{
    public unsafe class EndToEndTests
    {
        sealed class Segment
        {
            public readonly FakeDevice DevA = new FakeDevice(MacA), DevB = new FakeDevice(MacB), DevHost = new FakeDevice(MacHost);
            public readonly NetStack A, B;
            public ulong Now = Sec;

            public Segment()
            {
                var hub = new Hub();
                hub.Attach(DevA); hub.Attach(DevB); hub.Attach(DevHost);
                A = new NetStack(DevA, Config(IpA, echo: 0));
                B = new NetStack(DevB, Config(IpB, echo: 7));
            }

            /// <summary>Polls both stacks until the segment is quiet.</summary>
            public void Settle()
            {
                for (int i = 0; i < 20; i++)
                {
                    bool a = A.Poll(Now), b = B.Poll(Now);
                    if (!a && !b) return;
                }
            }
        }

        [Fact]
        public void UdpBothWaysWithArpResolution()
        {
            var w = new Segment();
            w.A.Announce(); w.B.Announce();
            w.Settle();
            int sa = w.A.UdpOpen(1111), sb = w.B.UdpOpen(2222);
            Assert.Equal(5, UdpSend(w.A, sa, IpB, 2222, new byte[] { 1, 2, 3, 4, 5 }));
            w.Settle();
            var (n, got, ip, port) = UdpReceive(w.B, sb);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, got);
            Assert.Equal(IpA, ip);
            Assert.Equal(1111, port);
            // B answers to where it came from: B learned A from A's request, so no ARP needed.
            long reqB = w.B.Stats.ArpRequestsOut;
            Assert.Equal(3, UdpSend(w.B, sb, ip, port, new byte[] { 9, 8, 7 }));
            w.Settle();
            Assert.Equal(reqB, w.B.Stats.ArpRequestsOut);
            var back = UdpReceive(w.A, sa);
            Assert.Equal(new byte[] { 9, 8, 7 }, back.Item2);
            Assert.Equal(IpB, back.Item3);
            Assert.Equal(2222, back.Item4);
            Assert.Equal(1, w.A.Stats.ArpRequestsOut - 1);   // the announcement + one resolution
            Assert.Equal(0, Drops(w.A, DropReason.ArpUnresolved) + Drops(w.B, DropReason.ArpUnresolved));
            Assert.Contains(ArpTable(w.A), e => e.ip == IpB && e.mac.SequenceEqual(MacB));
            Assert.Contains(ArpTable(w.B), e => e.ip == IpA && e.mac.SequenceEqual(MacA));
            AssertAccounted(w.A);
            AssertAccounted(w.B);
        }

        [Fact]
        public void EchoServiceOfOneStackAnswersTheOther()
        {
            var w = new Segment();
            int sa = w.A.UdpOpen(0);
            var data = Rand(1000, 3);
            UdpSend(w.A, sa, IpB, 7, data);
            w.Settle();
            var (n, got, ip, port) = UdpReceive(w.A, sa);
            Assert.Equal(data, got);
            Assert.Equal(IpB, ip);
            Assert.Equal(7, port);
            Assert.Equal(1, w.B.Stats.UdpOut);
            Assert.Equal(w.A.Stats.TxPackets, w.B.Stats.RxPackets - 0);   // B sees every frame A sent
            AssertAccounted(w.A);
            AssertAccounted(w.B);
        }

        [Fact]
        public void HostPingsBothStacks()
        {
            var w = new Segment();
            foreach (var (stack, ip, mac) in new[] { (w.A, IpA, MacA), (w.B, IpB, MacB) })
            {
                w.DevHost.Transmit(ArpRequest(MacHost, IpHost, ip));
                w.Settle();
                var arpReply = w.DevHost.RxQueue.Last(f => Get16(f, 12) == 0x0806 && f[6..12].SequenceEqual(mac));
                Assert.Equal(ArpPacket(2, mac, ip, MacHost, IpHost), arpReply[14..42]);
                w.DevHost.RxQueue.Clear();
                var data = Rand(64, (int)ip);
                w.DevHost.Transmit(Ping(IpHost, ip, 77, 5, data, dstMac: mac));
                w.Settle();
                var reply = Assert.Single(w.DevHost.RxQueue);
                w.DevHost.RxQueue.Clear();
                Assert.Equal(MacHost, reply[0..6]);
                Assert.Equal(ip, Get32(reply, 26));
                Assert.Equal(IcmpMsg(0, 0, 77, 5, data), reply[34..]);
                Assert.Equal(1, stack.Stats.IcmpEchoOut);
            }
            AssertAccounted(w.A);
            AssertAccounted(w.B);
        }
    }

    static class FakeDeviceExtensions
    {
        public static unsafe bool Transmit(this FakeDevice d, byte[] f)
        {
            fixed (byte* p = f) return d.Transmit(p, f.Length);
        }
    }
}
