// Why: Ethernet filtering and ARP (RFC 826): answers, learning policy, resolution with its
// bounded queue, retries and expiry, announcements, and each malformed class with its
// drop counter.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;

namespace LispVm.Tests.Net
{
    public unsafe class EthernetArpTests
    {
        [Fact]
        public void RequestForUsIsAnsweredAndSenderLearned()
        {
            var (s, d) = Stack();
            var sent = Feed(s, d, ArpRequest(MacHost, IpHost, IpA));
            var r = Assert.Single(sent);
            Assert.Equal(60, r.Length);                         // padded to the Ethernet minimum
            Assert.Equal(MacHost, r[0..6]);
            Assert.Equal(MacA, r[6..12]);
            Assert.Equal(0x0806, Get16(r, 12));
            Assert.Equal(ArpPacket(2, MacA, IpA, MacHost, IpHost), r[14..42]);
            Assert.Equal(1, s.Stats.ArpRequestsIn);
            Assert.Equal(1, s.Stats.ArpRepliesOut);
            var e = Assert.Single(ArpTable(s));
            Assert.Equal(IpHost, e.ip);
            Assert.Equal(MacHost, e.mac);
            Assert.Equal(1, s.Stats.RxHandled);
            Assert.Equal(0, TotalDrops(s));
            AssertAccounted(s);
        }

        [Fact]
        public void UnicastRequestToOurMacIsAnsweredToo()
        {
            var (s, d) = Stack();
            Assert.Single(Feed(s, d, ArpRequest(MacHost, IpHost, IpA, ethDst: MacA)));
        }

        [Fact]
        public void RequestForAnotherAddressIsNotForUsAndNotLearned()
        {
            var (s, d) = Stack();
            Assert.Empty(Feed(s, d, ArpRequest(MacHost, IpHost, 0x0A000009)));
            Assert.Equal(1, Drops(s, DropReason.NotForUs));
            Assert.Empty(ArpTable(s));
            AssertAccounted(s);
        }

        [Fact]
        public void FramesToOtherMacsAreNotForUs()
        {
            var (s, d) = Stack();
            Feed(s, d, ArpRequest(MacHost, IpHost, IpA, ethDst: MacB));
            Feed(s, d, ArpRequest(MacHost, IpHost, IpA, ethDst: new byte[] { 0x01, 0, 0x5e, 0, 0, 1 }));
            Feed(s, d, Ping(IpHost, IpA, 1, 1, new byte[4], dstMac: MacB));
            Assert.Equal(3, Drops(s, DropReason.NotForUs));
            Assert.Empty(d.Sent);
            AssertAccounted(s);
        }

        [Theory]
        [InlineData(0x86DD)]
        [InlineData(0x8100)]
        [InlineData(0x0050)]
        [InlineData(0x0000)]
        public void UnknownEtherTypeIsCounted(int type)
        {
            var (s, d) = Stack();
            Assert.Empty(Feed(s, d, Eth(MacA, MacHost, type, new byte[46])));
            Assert.Equal(1, Drops(s, DropReason.BadEtherType));
            AssertAccounted(s);
        }

        [Theory]
        [InlineData(0, 0, 6)]      // htype = 6 (IEEE 802)
        [InlineData(2, 0, 0x86)]   // ptype = 0x86DD
        [InlineData(4, 0, 8)]      // hlen = 8
        [InlineData(5, 0, 16)]     // plen = 16
        [InlineData(7, 0, 3)]      // op = 3
        [InlineData(7, 0, 0)]      // op = 0
        [InlineData(6, 0, 1)]      // op = 0x0101
        [InlineData(8, 0, 0x01)]   // sender MAC multicast
        public void BadArpFieldsAreMalformed(int offset, int unused, int value)
        {
            var (s, d) = Stack();
            var f = ArpRequest(MacHost, IpHost, IpA);
            f[14 + offset] = (byte)value;
            _ = unused;
            Assert.Empty(Feed(s, d, f));
            Assert.Equal(1, Drops(s, DropReason.ArpMalformed));
            Assert.Empty(ArpTable(s));
            AssertAccounted(s);
        }

        [Fact]
        public void SenderClaimingOurAddressIsDropped()
        {
            var (s, d) = Stack();
            Assert.Empty(Feed(s, d, ArpRequest(MacHost, IpA, IpA)));
            Assert.Equal(1, Drops(s, DropReason.ArpMalformed));
        }

        [Fact]
        public void TruncatedArpAtEveryLength()
        {
            var full = ArpRequest(MacHost, IpHost, IpA);    // 42 bytes, unpadded
            for (int n = 1; n < full.Length; n++)   // 0 is "no frame" at the device
            {
                var (s, d) = Stack();
                Assert.Empty(Feed(s, d, full[..n]));
                var expect = n < 14 ? DropReason.TooShort : DropReason.ArpMalformed;
                Assert.Equal(1, Drops(s, expect));
                Assert.Equal(1, TotalDrops(s));
                AssertAccounted(s);
            }
        }

        [Fact]
        public void OffSubnetAndSpecialSendersAreAnsweredButNotLearned()
        {
            var (s, d) = Stack();
            Assert.Single(Feed(s, d, ArpRequest(MacHost, 0x0A000103, IpA)));   // 10.0.1.3: off /24
            Assert.Single(Feed(s, d, ArpRequest(MacHost, 0, IpA)));            // RFC 5227 probe
            Assert.Single(Feed(s, d, ArpRequest(MacHost, 0x0A0000FF, IpA)));   // subnet broadcast
            Assert.Empty(ArpTable(s));
        }

        [Fact]
        public void AnnounceSendsGratuitousRequest()
        {
            var (s, d) = Stack();
            s.Announce();
            var f = Assert.Single(d.TakeSent());
            Assert.Equal(Bcast, f[0..6]);
            Assert.Equal(ArpPacket(1, MacA, IpA, null, IpA), f[14..42]);
            Assert.Equal(1, s.Stats.ArpRequestsOut);
        }

        [Fact]
        public void UnconfiguredStackIsSilent()
        {
            var d = new FakeDevice(MacA);
            var s = new NetStack(d, default(NetConfig));
            s.Announce();
            Feed(s, d, ArpRequest(MacHost, IpHost, IpA));
            Feed(s, d, Ping(IpHost, IpA, 1, 1, new byte[8]));
            Assert.Empty(d.Sent);
            Assert.Equal(2, Drops(s, DropReason.NotForUs));
            Assert.Equal(NetError.NoNetwork, s.UdpOpen(5000));
            AssertAccounted(s);
        }

        [Fact]
        public void SendResolvesNextHopThenFlushesQueuedPacket()
        {
            var (s, d) = Stack();
            int sock = s.UdpOpen(5000);
            Assert.Equal(3, UdpSend(s, sock, IpHost, 9, new byte[] { 1, 2, 3 }));
            var req = Assert.Single(d.TakeSent());
            Assert.Equal(Bcast, req[0..6]);
            Assert.Equal(ArpPacket(1, MacA, IpA, null, IpHost), req[14..42]);
            var sent = Feed(s, d, ArpReply(MacHost, IpHost, MacA, IpA));
            var u = Assert.Single(sent);
            Assert.Equal(MacHost, u[0..6]);
            Assert.Equal(0x0800, Get16(u, 12));
            Assert.Equal(UdpDgram(IpA, IpHost, 5000, 9, new byte[] { 1, 2, 3 }), u[34..]);
            Assert.Equal(IpHost, Assert.Single(ArpTable(s)).ip);
            // Now cached: the next datagram goes straight out.
            UdpSend(s, sock, IpHost, 9, new byte[] { 4 });
            Assert.Equal(MacHost, Assert.Single(d.TakeSent())[0..6]);
            Assert.Equal(1, s.Stats.ArpRequestsOut);
            Assert.Equal(0, TotalDrops(s));
        }

        [Fact]
        public void OffSubnetGoesViaGatewayAndNoGatewayIsNoRoute()
        {
            var (s, d) = Stack();
            int sock = s.UdpOpen(0);
            UdpSend(s, sock, IpFar, 53, new byte[] { 9 });
            Assert.Equal(IpGw, Get32(Assert.Single(d.TakeSent()), 14 + 24));   // ARP for the gateway
            var u = Assert.Single(Feed(s, d, ArpReply(MacGw, IpGw, MacA, IpA)));
            Assert.Equal(MacGw, u[0..6]);
            Assert.Equal(IpFar, Get32(u, 14 + 16));

            var (s2, d2) = Stack(gw: 0);
            int sock2 = s2.UdpOpen(0);
            Assert.Equal(NetError.NoRoute, UdpSend(s2, sock2, IpFar, 53, new byte[] { 9 }));
            Assert.Empty(d2.Sent);
            Assert.Equal(1, Drops(s2, DropReason.TxNoRoute));
        }

        [Fact]
        public void UnansweredResolutionRetriesThreeTimesThenDrops()
        {
            var (s, d) = Stack();
            s.Poll(10 * Sec);
            int sock = s.UdpOpen(0);
            UdpSend(s, sock, IpHost, 9, new byte[] { 1 });
            Assert.Single(d.TakeSent());
            s.Poll(10 * Sec + Sec / 2);
            Assert.Empty(d.TakeSent());
            s.Poll(11 * Sec);
            Assert.Single(d.TakeSent());
            s.Poll(12 * Sec);
            Assert.Single(d.TakeSent());
            Assert.Equal(3, s.Stats.ArpRequestsOut);
            Assert.Equal(0, Drops(s, DropReason.ArpUnresolved));
            s.Poll(13 * Sec);
            Assert.Empty(d.TakeSent());
            Assert.Equal(1, Drops(s, DropReason.ArpUnresolved));
            // A late reply sends nothing (the packet is gone) and is not learned (unsolicited).
            Assert.Empty(Feed(s, d, ArpReply(MacHost, IpHost, MacA, IpA), 14 * Sec));
            Assert.Empty(ArpTable(s));
            AssertAccounted(s);
        }

        [Fact]
        public void PendingQueueIsBounded()
        {
            var (s, d) = Stack();
            s.Poll(Sec);
            int sock = s.UdpOpen(0);
            for (uint k = 0; k < 5; k++) UdpSend(s, sock, 0x0A000010 + k, 9, new byte[] { (byte)k });
            Assert.Equal(4, d.TakeSent().Count);                       // 4 addresses asked
            Assert.Equal(1, Drops(s, DropReason.ArpQueueFull));        // the 5th had no room
            UdpSend(s, sock, 0x0A000010, 9, new byte[] { 77 });        // replaces the older one
            Assert.Empty(d.TakeSent());
            Assert.Equal(2, Drops(s, DropReason.ArpQueueFull));
            var u = Assert.Single(Feed(s, d, ArpReply(MacHost, 0x0A000010, MacA, IpA)));
            Assert.Equal(77, u[^1]);
        }

        [Fact]
        public void AnnouncementFromAnAddressBeingResolvedCompletesIt()
        {
            var (s, d) = Stack();
            int sock = s.UdpOpen(0);
            UdpSend(s, sock, IpHost, 9, new byte[] { 5 });
            d.TakeSent();
            var u = Assert.Single(Feed(s, d, ArpRequest(MacHost, IpHost, IpHost)));   // gratuitous
            Assert.Equal(MacHost, u[0..6]);
            Assert.Equal(5, u[^1]);
            Assert.Equal(IpHost, Assert.Single(ArpTable(s)).ip);
            AssertAccounted(s);
        }

        [Fact]
        public void EntriesExpireAfterSixtySeconds()
        {
            var (s, d) = Stack();
            Introduce(s, d, MacHost, IpHost, Sec);
            int sock = s.UdpOpen(0);
            s.Poll(60 * Sec);
            Assert.Equal(59000, Assert.Single(ArpTable(s)).age);
            UdpSend(s, sock, IpHost, 9, new byte[] { 1 });
            Assert.Equal(0x0800, Get16(Assert.Single(d.TakeSent()), 12));   // still cached
            s.Poll(61 * Sec);
            Assert.Empty(ArpTable(s));
            UdpSend(s, sock, IpHost, 9, new byte[] { 1 });
            Assert.Equal(0x0806, Get16(Assert.Single(d.TakeSent()), 12));   // asks again
        }

        [Fact]
        public void GratuitousArpUpdatesOnlyKnownEntries()
        {
            var (s, d) = Stack();
            Introduce(s, d, MacHost, IpHost);
            var newMac = new byte[] { 0x02, 0, 0, 0, 0, 0x44 };
            Assert.Empty(Feed(s, d, ArpRequest(newMac, IpHost, IpHost)));   // gratuitous: updates
            Assert.Equal(newMac, Assert.Single(ArpTable(s)).mac);
            Assert.Empty(Feed(s, d, ArpRequest(MacB, IpB, IpB)));            // unknown: not learned
            Assert.Single(ArpTable(s));
            Assert.Equal(1, Drops(s, DropReason.NotForUs));
            Assert.Equal(2, s.Stats.RxHandled);
            AssertAccounted(s);
        }

        [Fact]
        public void DropNamesAreInStepWithReasons()
        {
            Assert.Equal((int)DropReason.Count, NetStats.DropNames.Length);
            Assert.Equal(NetStats.DropNames.Length, NetStats.DropNames.Distinct().Count());
            Assert.Equal("arp-unresolved", NetStats.DropNames[(int)DropReason.ArpUnresolved]);
            Assert.Equal("tx-too-long", NetStats.DropNames[(int)DropReason.TxTooLong]);
            Assert.Equal("udp-queue-full", NetStats.DropNames[(int)DropReason.UdpQueueFull]);
        }

        [Fact]
        public void UsedEntriesSurviveUnsolicitedLearning()
        {
            var (s, d) = Stack();
            int sock = s.UdpOpen(0);
            Introduce(s, d, MacHost, IpHost);
            UdpSend(s, sock, IpHost, 9, new byte[1]);                  // used: now protected
            for (uint k = 0; k < 200; k++)
                Introduce(s, d, new byte[] { 2, 9, 9, 9, 0, (byte)k }, 0x0A000010 + (k % 200), Sec + k);
            var t = ArpTable(s);
            Assert.Equal(NetStack.ArpCacheSize, t.Count);
            Assert.Contains(t, e => e.ip == IpHost);
            // The newest unsolicited senders are the ones kept.
            Assert.Contains(t, e => e.ip == 0x0A000010 + 199);
            Assert.DoesNotContain(t, e => e.ip == 0x0A000010);
        }

        [Fact]
        public void OversizeFrameReportIsTooLong()
        {
            var (s, d) = Stack();
            d.ReportLength = 5000;
            Feed(s, d, ArpRequest(MacHost, IpHost, IpA));
            Assert.Equal(1, Drops(s, DropReason.TooLong));
            Assert.Empty(d.Sent);
            AssertAccounted(s);
        }

        [Fact]
        public void BusyDeviceIsCounted()
        {
            var (s, d) = Stack();
            d.Busy = true;
            Feed(s, d, ArpRequest(MacHost, IpHost, IpA));
            Assert.Equal(1, Drops(s, DropReason.TxDeviceBusy));
            Assert.Equal(0, s.Stats.TxPackets);
            Assert.Equal(0, s.Stats.ArpRepliesOut);
        }

        [Fact]
        public void PollHandlesABoundedBatch()
        {
            var (s, d) = Stack();
            for (int i = 0; i < 100; i++) d.RxQueue.Enqueue(Eth(MacA, MacHost, 0x86DD, new byte[46]));
            Assert.True(s.Poll(Sec));
            Assert.Equal(NetStack.RxBatch, s.Stats.RxPackets);
            Assert.True(s.Poll(Sec));
            Assert.Equal(100, s.Stats.RxPackets);
            Assert.False(s.Poll(Sec));
            Assert.Equal(100 * 60, s.Stats.RxBytes);
        }
    }
}
