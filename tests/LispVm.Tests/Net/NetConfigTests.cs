// Why: the boot trusts NetConfig.Parse for the guest's address; every accepted form and each
// class of garbage gets its status here.
using System.Text;
using LispVm.Net;
using Xunit;

namespace LispVm.Tests.Net
{
    public unsafe class NetConfigTests
    {
        static NetConfigStatus Parse(string s, out NetConfig c)
        {
            var b = Encoding.ASCII.GetBytes(s);
            fixed (byte* p = b) return NetConfig.Parse(p, b.Length, out c);
        }

        static NetConfigStatus Parse(string s) { NetConfig c; return Parse(s, out c); }

        [Fact]
        public void FullConfigAmongOtherWords()
        {
            Assert.Equal(NetConfigStatus.Ok, Parse("console=hvc0 ip=10.0.0.2/24 quiet gw=10.0.0.1 udp-echo=7", out var c));
            Assert.Equal(0x0A000002u, c.Ip);
            Assert.Equal(24, c.PrefixLength);
            Assert.Equal(0xFFFFFF00u, c.Mask);
            Assert.Equal(0x0A0000FFu, c.SubnetBroadcast);
            Assert.Equal(0x0A000001u, c.Gateway);
            Assert.Equal((ushort)7, c.EchoPort);
        }

        [Fact]
        public void NulSeparatedAndOrderFree()
        {
            Assert.Equal(NetConfigStatus.Ok, Parse("gw=192.168.1.254\0udp-echo=65535\0\0ip=192.168.1.10/16\0", out var c));
            Assert.Equal(0xC0A8010Au, c.Ip);
            Assert.Equal(16, c.PrefixLength);
            Assert.Equal(0xC0A801FEu, c.Gateway);
            Assert.Equal((ushort)65535, c.EchoPort);
        }

        [Fact]
        public void IpOnlyLeavesGatewayAndEchoOff()
        {
            Assert.Equal(NetConfigStatus.Ok, Parse("ip=172.16.0.9/30", out var c));
            Assert.Equal(0u, c.Gateway);
            Assert.Equal((ushort)0, c.EchoPort);
        }

        [Theory]
        [InlineData("")]
        [InlineData("console=hvc0 quiet")]
        [InlineData("gw=10.0.0.1 udp-echo=7")]
        [InlineData("xip=10.0.0.2/24 IP=10.0.0.2/24")]
        public void NoIp(string s) { Assert.Equal(NetConfigStatus.NoIp, Parse(s)); }

        [Theory]
        [InlineData("ip=")]
        [InlineData("ip=10.0.0.2")]
        [InlineData("ip=10.0.0.2/")]
        [InlineData("ip=10.0.0.2/0")]
        [InlineData("ip=10.0.0.2/31")]
        [InlineData("ip=10.0.0.2/32")]
        [InlineData("ip=10.0.0.2/024")]
        [InlineData("ip=10.0.0.2/24x")]
        [InlineData("ip=999.0.0.1/8")]
        [InlineData("ip=10.0.0.256/24")]
        [InlineData("ip=1000.0.0.2/24")]
        [InlineData("ip=0010.0.0.2/24")]
        [InlineData("ip=x10.0.0.2/24")]
        [InlineData("ip= 10.0.0.2/24")]
        [InlineData("ip=10.0.0/24")]
        [InlineData("ip=10..0.2/24")]
        [InlineData("ip=10.0.0.2.5/24")]
        [InlineData("ip=10.0.0.-2/24")]
        [InlineData("ip=10.0.0.0/24")]      // network address
        [InlineData("ip=10.0.0.255/24")]    // broadcast address
        [InlineData("ip=10.0.0.3/30")]      // broadcast of a /30
        [InlineData("ip=0.1.2.3/8")]
        [InlineData("ip=127.0.0.1/8")]
        [InlineData("ip=224.0.0.5/24")]
        public void BadIp(string s) { Assert.Equal(NetConfigStatus.BadIp, Parse(s + " gw=10.0.0.1")); }

        [Theory]
        [InlineData("gw=10.0.1.1")]         // off-subnet
        [InlineData("gw=10.0.0")]
        [InlineData("gw=10.0.0.1x")]
        [InlineData("gw=")]
        [InlineData("gw=300.0.0.1")]
        [InlineData("gw=10.0.0.2")]         // ourselves
        [InlineData("gw=10.0.0.0")]
        [InlineData("gw=10.0.0.255")]
        public void BadGateway(string s) { Assert.Equal(NetConfigStatus.BadGateway, Parse("ip=10.0.0.2/24 " + s)); }

        [Theory]
        [InlineData("udp-echo=0")]
        [InlineData("udp-echo=65536")]
        [InlineData("udp-echo=123456")]
        [InlineData("udp-echo=7x")]
        [InlineData("udp-echo=")]
        [InlineData("udp-echo=-7")]
        public void BadPort(string s) { Assert.Equal(NetConfigStatus.BadPort, Parse("ip=10.0.0.2/24 " + s)); }

        [Fact]
        public void LastRepeatedWordWins()
        {
            Assert.Equal(NetConfigStatus.Ok, Parse("ip=10.9.9.9/8 ip=10.0.0.2/24", out var c));
            Assert.Equal(0x0A000002u, c.Ip);
        }

        [Fact]
        public void StatusTextsAreDistinct()
        {
            var seen = new HashSet<string>();
            foreach (NetConfigStatus s in Enum.GetValues(typeof(NetConfigStatus)))
            {
                var t = NetConfig.StatusText(s);
                Assert.StartsWith("net: ", t);
                Assert.True(seen.Add(t));
            }
        }

        [Fact]
        public void NullOrNegativeLengthIsNoIp()
        {
            Assert.Equal(NetConfigStatus.NoIp, NetConfig.Parse(null, 10, out _));
            var b = Encoding.ASCII.GetBytes("ip=10.0.0.2/24");
            fixed (byte* p = b) Assert.Equal(NetConfigStatus.NoIp, NetConfig.Parse(p, -1, out _));
        }
    }
}
