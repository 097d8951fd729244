// Why: UDP input checks, socket delivery and its limits (queue depth, shared pool, socket
// count, ephemeral ports), the echo service answered inside Poll, and UdpSend's errors.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;

namespace LispVm.Tests.Net
{
    public unsafe class UdpTests
    {
        static (NetStack, FakeDevice) Ready(ushort echo = 7)
        {
            var (s, d) = Stack(echo: echo);
            Introduce(s, d, MacHost, IpHost);
            d.TakeSent();
            return (s, d);
        }

        [Fact]
        public void DatagramIsDeliveredWithItsSource()
        {
            var (s, d) = Ready();
            int sock = s.UdpOpen(5000);
            Assert.False(s.UdpReady(sock));
            Assert.Equal(NetError.WouldBlock, UdpReceive(s, sock).Item1);
            var data = Rand(100, 1);
            Assert.Empty(Feed(s, d, UdpFrame(IpHost, IpA, 4321, 5000, data)));
            Assert.True(s.UdpReady(sock));
            var (n, got, ip, port) = UdpReceive(s, sock);
            Assert.Equal(100, n);
            Assert.Equal(data, got);
            Assert.Equal(IpHost, ip);
            Assert.Equal(4321, port);
            Assert.False(s.UdpReady(sock));
            Assert.Equal(1, s.Stats.UdpIn);
            Assert.Equal(0, TotalDrops(s));
        }

        [Fact]
        public void ZeroChecksumMeansNoneAndEmptyPayloadIsFine()
        {
            var (s, d) = Ready();
            int sock = s.UdpOpen(5000);
            Feed(s, d, UdpFrame(IpHost, IpA, 1, 5000, new byte[] { 1, 2, 3 }, checksum: false));
            Feed(s, d, UdpFrame(IpHost, IpA, 1, 5000, Array.Empty<byte>()));
            Assert.Equal(new byte[] { 1, 2, 3 }, UdpReceive(s, sock).Item2);
            Assert.Equal(0, UdpReceive(s, sock).Item1);
        }

        [Fact]
        public void BadChecksumAndLengthsAreCounted()
        {
            var (s, d) = Ready();
            int sock = s.UdpOpen(5000);
            var f = UdpFrame(IpHost, IpA, 1, 5000, new byte[] { 1, 2, 3, 4 });
            f[^1] ^= 0x10;
            Feed(s, d, f);                                                     // payload changed
            var g = UdpFrame(IpHost, IpA, 1, 5000, new byte[] { 1, 2, 3, 4 });
            Put16(g, 34 + 4, 13);                                              // ulen > IP payload
            Feed(s, d, g);
            var h = UdpFrame(IpHost, IpA, 1, 5000, new byte[] { 1, 2, 3, 4 }, checksum: false);
            Put16(h, 34 + 4, 7);                                               // ulen < 8
            Feed(s, d, h);
            Feed(s, d, Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 17, new byte[7])));   // < header
            Assert.Equal(1, Drops(s, DropReason.UdpBadChecksum));
            Assert.Equal(3, Drops(s, DropReason.UdpMalformed));
            Assert.False(s.UdpReady(sock));
            AssertAccounted(s);
        }

        [Fact]
        public void ShorterUdpLengthTrimsPayload()
        {
            var (s, d) = Ready();
            int sock = s.UdpOpen(5000);
            var h = UdpFrame(IpHost, IpA, 1, 5000, new byte[] { 1, 2, 3, 4 }, checksum: false);
            Put16(h, 34 + 4, 10);
            Feed(s, d, h);
            Assert.Equal(new byte[] { 1, 2 }, UdpReceive(s, sock).Item2);
        }

        [Fact]
        public void NoSocketIsCounted()
        {
            var (s, d) = Ready();
            Assert.Empty(Feed(s, d, UdpFrame(IpHost, IpA, 1, 6000, new byte[4])));
            Assert.Equal(1, Drops(s, DropReason.UdpNoSocket));
            AssertAccounted(s);
        }

        [Fact]
        public void QueueDepthAndPoolAreBounded()
        {
            var (s, d) = Ready();
            int a = s.UdpOpen(5000), b = s.UdpOpen(5001), c = s.UdpOpen(5002);
            for (int i = 0; i < 40; i++) Feed(s, d, UdpFrame(IpHost, IpA, 1, 5000, new[] { (byte)i }));
            Assert.Equal(8, Drops(s, DropReason.UdpQueueFull));
            for (int i = 0; i < 40; i++) Feed(s, d, UdpFrame(IpHost, IpA, 1, 5001, new[] { (byte)i }));
            Assert.Equal(16, Drops(s, DropReason.UdpQueueFull));
            Feed(s, d, UdpFrame(IpHost, IpA, 1, 5002, new byte[1]));          // pool (64) exhausted
            Assert.Equal(17, Drops(s, DropReason.UdpQueueFull));
            Assert.False(s.UdpReady(c));
            for (int i = 0; i < 32; i++) Assert.Equal(new[] { (byte)i }, UdpReceive(s, a).Item2);   // FIFO
            Assert.Equal(NetError.WouldBlock, UdpReceive(s, a).Item1);
            Feed(s, d, UdpFrame(IpHost, IpA, 1, 5002, new byte[1]));          // room again
            Assert.True(s.UdpReady(c));
            Assert.Equal(0, s.UdpClose(b));                                    // frees b's queue
            Assert.Equal(NetError.BadSocket, UdpReceive(s, b).Item1);
            AssertAccounted(s);
        }

        [Fact]
        public void OversizeDatagramFromAJumboFrameIsTooLong()
        {
            var (s, d) = Ready();
            int sock = s.UdpOpen(5000);
            Feed(s, d, UdpFrame(IpHost, IpA, 1, 5000, new byte[NetStack.MaxUdpPayload + 1]));   // a 1515-byte frame
            Assert.Equal(1, Drops(s, DropReason.TooLong));
            Assert.False(s.UdpReady(sock));
            Feed(s, d, UdpFrame(IpHost, IpA, 1, 5000, new byte[NetStack.MaxUdpPayload]));
            Assert.Equal(NetStack.MaxUdpPayload, UdpReceive(s, sock).Item1);
            AssertAccounted(s);
        }

        [Fact]
        public void ReceiveTruncatesToMax()
        {
            var (s, d) = Ready();
            int sock = s.UdpOpen(5000);
            Feed(s, d, UdpFrame(IpHost, IpA, 1, 5000, new byte[] { 1, 2, 3, 4, 5 }));
            var (n, got, _, _) = UdpReceive(s, sock, 3);
            Assert.Equal(3, n);
            Assert.Equal(new byte[] { 1, 2, 3 }, got);
            Assert.False(s.UdpReady(sock));
        }

        [Fact]
        public void SubnetAndLimitedBroadcastReachSockets()
        {
            var (s, d) = Ready();
            int sock = s.UdpOpen(5000);
            Feed(s, d, UdpFrame(IpHost, 0x0A0000FF, 1, 5000, new byte[] { 1 }, dstMac: Bcast));
            Feed(s, d, UdpFrame(IpHost, 0xFFFFFFFF, 1, 5000, new byte[] { 2 }, dstMac: Bcast));
            Assert.Equal(new byte[] { 1 }, UdpReceive(s, sock).Item2);
            Assert.Equal(new byte[] { 2 }, UdpReceive(s, sock).Item2);
        }

        [Fact]
        public void EchoServiceAnswersInsidePoll()
        {
            var (s, d) = Ready();
            var data = Rand(300, 8);
            var r = Assert.Single(Feed(s, d, UdpFrame(IpHost, IpA, 40000, 7, data)));
            Assert.Equal(MacHost, r[0..6]);
            Assert.Equal(IpA, Get32(r, 26));
            Assert.Equal(IpHost, Get32(r, 30));
            Assert.Equal(0, RefChecksum(r, 14, 20));
            Assert.Equal(UdpDgram(IpA, IpHost, 7, 40000, data), r[34..]);   // reference checksum too
            Assert.Equal(1, s.Stats.UdpOut);
            Assert.Equal(NetError.PortInUse, s.UdpOpen(7));
            // Not for broadcasts, not to port 0.
            Assert.Empty(Feed(s, d, UdpFrame(IpHost, 0xFFFFFFFF, 40000, 7, data, dstMac: Bcast)));
            Assert.Empty(Feed(s, d, UdpFrame(IpHost, IpA, 0, 7, data)));
            Assert.Equal(2, Drops(s, DropReason.UdpNoSocket));
            AssertAccounted(s);
        }

        [Fact]
        public void OpenErrorsAndEphemeralPorts()
        {
            var (s, _) = Ready();
            Assert.Equal(NetError.BadPort, s.UdpOpen(-1));
            Assert.Equal(NetError.BadPort, s.UdpOpen(65536));
            int a = s.UdpOpen(5000);
            Assert.Equal(NetError.PortInUse, s.UdpOpen(5000));
            var ports = new HashSet<int> { 5000 };
            for (int i = 1; i < NetStack.MaxUdpSockets; i++)
            {
                int k = s.UdpOpen(0);
                Assert.True(k >= 0);
                int p = s.UdpLocalPort(k);
                Assert.InRange(p, 49152, 65535);
                Assert.True(ports.Add(p));
            }
            Assert.Equal(NetError.NoSockets, s.UdpOpen(0));
            Assert.Equal(NetError.NoSockets, s.UdpOpen(6000));
            Assert.Equal(0, s.UdpClose(a));
            Assert.Equal(NetError.BadSocket, s.UdpClose(a));
            Assert.Equal(NetError.BadSocket, s.UdpLocalPort(a));
            Assert.Equal(NetError.BadSocket, s.UdpClose(99));
            Assert.Equal(NetError.BadSocket, s.UdpLocalPort(-1));
            Assert.False(s.UdpReady(99));
            Assert.True(s.UdpOpen(5000) >= 0);
        }

        [Fact]
        public void SendErrors()
        {
            var (s, d) = Ready();
            int sock = s.UdpOpen(0);
            Assert.Equal(NetError.BadSocket, UdpSend(s, 5, IpHost, 9, new byte[1]));
            Assert.Equal(NetError.TooLong, UdpSend(s, sock, IpHost, 9, new byte[NetStack.MaxUdpPayload + 1]));
            Assert.Equal(NetError.BadPort, UdpSend(s, sock, IpHost, 0, new byte[1]));
            Assert.Equal(NetError.BadPort, UdpSend(s, sock, IpHost, 65536, new byte[1]));
            Assert.Equal(NetError.NoRoute, UdpSend(s, sock, 0, 9, new byte[1]));
            Assert.Equal(NetError.NoRoute, UdpSend(s, sock, 0xE0000001, 9, new byte[1]));
            Assert.Empty(d.Sent);
            Assert.Equal(NetStack.MaxUdpPayload, UdpSend(s, sock, IpHost, 9, new byte[NetStack.MaxUdpPayload]));
            Assert.Equal(1514, Assert.Single(d.TakeSent()).Length);
        }

        [Fact]
        public void BroadcastSendNeedsNoArp()
        {
            var (s, d) = Stack();
            int sock = s.UdpOpen(68);
            UdpSend(s, sock, 0xFFFFFFFF, 67, new byte[] { 1 });
            var f = Assert.Single(d.TakeSent());
            Assert.Equal(Bcast, f[0..6]);
            Assert.Equal(0xFFFFFFFFu, Get32(f, 30));
        }

        [Fact]
        public void SendToOurselvesIsDeliveredLocally()
        {
            var (s, d) = Stack();
            int a = s.UdpOpen(5000), b = s.UdpOpen(0);
            Assert.Equal(2, UdpSend(s, b, IpA, 5000, new byte[] { 8, 9 }));
            Assert.Empty(d.Sent);
            var (n, got, ip, port) = UdpReceive(s, a);
            Assert.Equal(new byte[] { 8, 9 }, got);
            Assert.Equal(IpA, ip);
            Assert.Equal(s.UdpLocalPort(b), port);
        }
    }
}
