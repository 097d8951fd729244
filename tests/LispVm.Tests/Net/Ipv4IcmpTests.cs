// Why: IPv4 input checks (version, IHL, total length, checksum, fragments, options,
// addresses) and ICMP echo, each malformed class asserting its own drop counter, the reply
// checked byte for byte against the reference checksum.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;

namespace LispVm.Tests.Net
{
    public unsafe class Ipv4IcmpTests
    {
        static (NetStack, FakeDevice) Ready()
        {
            var (s, d) = Stack();
            Introduce(s, d, MacHost, IpHost);
            d.TakeSent();
            return (s, d);
        }

        /// <summary>A ping frame with the IP header patched by edit (checksum redone unless keep).</summary>
        static byte[] PatchedPing(Action<byte[]> edit, bool fixChecksum = true)
        {
            var f = Ping(IpHost, IpA, 7, 9, Rand(32, 1));
            edit(f);
            if (fixChecksum)
            {
                int ihl = (f[14] & 0xF) * 4;
                if (ihl < 20) ihl = 20;
                if (14 + ihl > f.Length) ihl = f.Length - 14;
                Put16(f, 24, 0);
                Put16(f, 24, RefChecksum(f, 14, ihl));
            }
            return f;
        }

        [Fact]
        public void EchoRequestGetsExactReply()
        {
            var (s, d) = Ready();
            var data = Rand(56, 2);
            var reply = Assert.Single(Feed(s, d, Ping(IpHost, IpA, 0x1234, 0x0042, data)));
            Assert.Equal(MacHost, reply[0..6]);
            Assert.Equal(MacA, reply[6..12]);
            Assert.Equal(0x0800, Get16(reply, 12));
            Assert.Equal(14 + 20 + 8 + 56, reply.Length);
            Assert.Equal(0x45, reply[14]);
            Assert.Equal(20 + 8 + 56, Get16(reply, 16));
            Assert.Equal(0x4000, Get16(reply, 20));                 // DF, no fragment
            Assert.Equal(64, reply[22]);                             // TTL
            Assert.Equal(1, reply[23]);
            Assert.Equal(0, RefChecksum(reply, 14, 20));
            Assert.Equal(IpA, Get32(reply, 26));
            Assert.Equal(IpHost, Get32(reply, 30));
            Assert.Equal(IcmpMsg(0, 0, 0x1234, 0x0042, data), reply[34..]);   // type 0, same id/seq/data
            Assert.Equal(1, s.Stats.IcmpEchoIn);
            Assert.Equal(1, s.Stats.IcmpEchoOut);
            Assert.Equal(0, TotalDrops(s));
        }

        [Fact]
        public void EthernetPaddingIsIgnored()
        {
            var (s, d) = Ready();
            var f = Ping(IpHost, IpA, 1, 2, new byte[] { 1, 2 });
            var padded = f.Concat(new byte[60 - f.Length]).ToArray();
            var reply = Assert.Single(Feed(s, d, padded));
            Assert.Equal(IcmpMsg(0, 0, 1, 2, new byte[] { 1, 2 }), reply[34..]);
        }

        [Fact]
        public void IpIdentificationAdvances()
        {
            var (s, d) = Ready();
            var a = Assert.Single(Feed(s, d, Ping(IpHost, IpA, 1, 1, new byte[4])));
            var b = Assert.Single(Feed(s, d, Ping(IpHost, IpA, 1, 2, new byte[4])));
            Assert.NotEqual(Get16(a, 18), Get16(b, 18));
        }

        [Fact]
        public void PingFromUnknownHostResolvesFirst()
        {
            var (s, d) = Stack();
            var sent = Feed(s, d, Ping(IpHost, IpA, 1, 1, new byte[4]));
            Assert.Equal(0x0806, Get16(Assert.Single(sent), 12));
            var reply = Assert.Single(Feed(s, d, ArpReply(MacHost, IpHost, MacA, IpA)));
            Assert.Equal(IcmpMsg(0, 0, 1, 1, new byte[4]), reply[34..]);
        }

        public static IEnumerable<object[]> MalformedIp()
        {
            yield return new object[] { "version 6", (Action<byte[]>)(f => f[14] = 0x65), DropReason.IpMalformed };
            yield return new object[] { "ihl 4", (Action<byte[]>)(f => f[14] = 0x44), DropReason.IpMalformed };
            yield return new object[] { "ihl 0", (Action<byte[]>)(f => f[14] = 0x40), DropReason.IpMalformed };
            yield return new object[] { "ihl 15 > total", (Action<byte[]>)(f => { f[14] = 0x4F; Put16(f, 16, 40); }), DropReason.IpMalformed };
            yield return new object[] { "total < ihl", (Action<byte[]>)(f => Put16(f, 16, 19)), DropReason.IpMalformed };
            yield return new object[] { "total > frame", (Action<byte[]>)(f => Put16(f, 16, f.Length - 14 + 1)), DropReason.IpMalformed };
            yield return new object[] { "total 0", (Action<byte[]>)(f => Put16(f, 16, 0)), DropReason.IpMalformed };
            yield return new object[] { "MF", (Action<byte[]>)(f => Put16(f, 20, 0x2000)), DropReason.IpFragment };
            yield return new object[] { "offset", (Action<byte[]>)(f => Put16(f, 20, 0x0001)), DropReason.IpFragment };
            yield return new object[] { "last fragment", (Action<byte[]>)(f => Put16(f, 20, 0x00B9)), DropReason.IpFragment };
            yield return new object[] { "to another host", (Action<byte[]>)(f => Put32(f, 30, 0x0A000009)), DropReason.NotForUs };
            yield return new object[] { "from 0.0.0.0", (Action<byte[]>)(f => Put32(f, 26, 0)), DropReason.IpMalformed };
            yield return new object[] { "from 127.0.0.1", (Action<byte[]>)(f => Put32(f, 26, 0x7F000001)), DropReason.IpMalformed };
            yield return new object[] { "from multicast", (Action<byte[]>)(f => Put32(f, 26, 0xE0000001)), DropReason.IpMalformed };
            yield return new object[] { "from broadcast", (Action<byte[]>)(f => Put32(f, 26, 0x0A0000FF)), DropReason.IpMalformed };
            yield return new object[] { "from ourselves", (Action<byte[]>)(f => Put32(f, 26, IpA)), DropReason.IpMalformed };
            yield return new object[] { "sctp", (Action<byte[]>)(f => f[23] = 132), DropReason.IpProtocol };   // TCP (6) is served now
        }

        [Theory]
        [MemberData(nameof(MalformedIp))]
        public void MalformedIpIsCounted(string name, Action<byte[]> edit, DropReason why)
        {
            var (s, d) = Ready();
            Assert.Empty(Feed(s, d, PatchedPing(edit)));
            Assert.True(Drops(s, why) == 1, name);
            Assert.Equal(1, TotalDrops(s));
            AssertAccounted(s);
        }

        [Fact]
        public void BadHeaderChecksum()
        {
            var (s, d) = Ready();
            Assert.Empty(Feed(s, d, PatchedPing(f => f[24] ^= 0x40, fixChecksum: false)));
            Assert.Empty(Feed(s, d, PatchedPing(f => f[22] = 1, fixChecksum: false)));   // TTL changed, checksum not
            Assert.Equal(2, Drops(s, DropReason.IpBadChecksum));
            AssertAccounted(s);
        }

        [Fact]
        public void OptionsAreDropped()
        {
            var (s, d) = Ready();
            var f = Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 1, IcmpMsg(8, 0, 1, 1, new byte[4]), options: new byte[] { 1, 1, 1, 0 }));
            Assert.Empty(Feed(s, d, f));
            Assert.Equal(1, Drops(s, DropReason.IpOptions));
        }

        [Fact]
        public void TruncatedPingAtEveryLength()
        {
            var full = Ping(IpHost, IpA, 3, 4, Rand(20, 9));
            for (int n = 1; n < full.Length; n++)   // 0 is "no frame" at the device
            {
                var (s, d) = Ready();
                Assert.Empty(Feed(s, d, full[..n]));
                var expect = n < 14 ? DropReason.TooShort : DropReason.IpMalformed;
                Assert.True(Drops(s, expect) == 1, "length " + n);
                Assert.Equal(1, TotalDrops(s));
                AssertAccounted(s);
            }
        }

        [Fact]
        public void IcmpChecksLengthChecksumAndType()
        {
            var (s, d) = Ready();
            var bad = IcmpMsg(8, 0, 1, 1, new byte[8]); bad[9] ^= 1;
            Feed(s, d, Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 1, bad)));
            Feed(s, d, Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 1, new byte[] { 8, 0, 0xF7, 0xFF, 0, 0, 0 })));
            Feed(s, d, Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 1, IcmpMsg(13, 0, 1, 1, new byte[12]))));  // timestamp
            Feed(s, d, Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 1, IcmpMsg(0, 0, 1, 1, new byte[4]))));    // a reply
            Feed(s, d, Eth(MacA, MacHost, 0x0800, IpPacket(IpHost, IpA, 1, IcmpMsg(8, 1, 1, 1, new byte[4]))));    // echo, code 1
            Assert.Empty(d.Sent);
            Assert.Equal(1, Drops(s, DropReason.IcmpBadChecksum));
            Assert.Equal(1, Drops(s, DropReason.IcmpMalformed));
            Assert.Equal(3, Drops(s, DropReason.IcmpUnsupported));
            AssertAccounted(s);
        }

        [Fact]
        public void BroadcastPingsAreNotAnswered()
        {
            var (s, d) = Ready();
            Assert.Empty(Feed(s, d, Ping(IpHost, 0xFFFFFFFF, 1, 1, new byte[4], dstMac: Bcast)));
            Assert.Empty(Feed(s, d, Ping(IpHost, 0x0A0000FF, 1, 1, new byte[4], dstMac: Bcast)));
            Assert.Equal(2, Drops(s, DropReason.IcmpBroadcast));
            Assert.Equal(2, s.Stats.IcmpEchoIn);
            Assert.Equal(0, s.Stats.IcmpEchoOut);
            AssertAccounted(s);
        }

        [Fact]
        public void LargestPingIsAnsweredAndLargerPacketsAreTooLongForTheMtu()
        {
            var (s, d) = Ready();
            var reply = Assert.Single(Feed(s, d, Ping(IpHost, IpA, 1, 1, Rand(1472, 4))));
            Assert.Equal(1514, reply.Length);
            var (s2, d2) = Stack();
            d2.MtuValue = 576;
            var s3 = new NetStack(d2, s2.Config);
            Introduce(s3, d2, MacHost, IpHost);
            d2.TakeSent();
            Assert.Empty(Feed(s3, d2, Ping(IpHost, IpA, 1, 1, Rand(1000, 4))));
            Assert.Equal(1, Drops(s3, DropReason.TxTooLong));
            AssertAccounted(s3);
        }
    }
}
