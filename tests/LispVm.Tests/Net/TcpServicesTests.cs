// Why: the stack's own TCP services (tcp-discard=, tcp-chargen=; NetStack.TcpServices.cs)
// between two real stacks on an in-memory link: chargen's bytes are RFC 864's pattern from
// the first byte on, discard swallows an upload and closes after the peer's FIN, a fifth
// concurrent connection is reset, a SYN flood to the service port stays within the backlog
// and its half-open count returns to 0 after the SYN-RECEIVED timeout. Also the option words.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;

namespace LispVm.Tests.Net
{
    public unsafe class TcpServicesTests
    {
        sealed class Pair
        {
            public readonly LossyLink Link = new LossyLink(7, 0, 0, 0);
            public readonly NetStack A, B;     // A serves, B is the client
            public ulong Now = Sec;
            public Pair()
            {
                var cfg = Config(IpA);
                cfg.TcpDiscardPort = 9;
                cfg.TcpChargenPort = 19;
                A = new NetStack(Link.A, cfg, new SeededEntropy(1));
                B = new NetStack(Link.B, Config(IpB), new SeededEntropy(2));
                A.Poll(Now); B.Poll(Now);
            }
            public void Step(ulong ns = 1000000UL) { Now += ns; A.Poll(Now); B.Poll(Now); A.Poll(Now); B.Poll(Now); }
        }

        static byte[] Expected(int n)
        {
            var e = new byte[n];
            for (int i = 0; i < n; i++) e[i] = NetStack.ChargenByte(i % NetStack.ChargenPeriod);
            return e;
        }

        [Fact]
        public void ChargenPatternIsRfc864Lines()
        {
            var line0 = Expected(74);
            Assert.Equal("!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh\r\n",
                         System.Text.Encoding.ASCII.GetString(line0));
            var two = Expected(148);
            Assert.Equal((byte)'"', two[74]);
            Assert.Equal((byte)'i', two[74 + 71]);
            Assert.Equal(Expected(10), Expected(NetStack.ChargenPeriod + 10).Skip(NetStack.ChargenPeriod).ToArray());
        }

        [Fact]
        public void ChargenSendsThePatternUntilTheClientCloses()
        {
            var w = new Pair();
            int c = w.B.TcpConnect(IpA, 19);
            var got = new MemoryStream();
            var buf = new byte[8192];
            for (int step = 0; step < 200000 && got.Length < 200000; step++)
            {
                w.Step();
                fixed (byte* p = buf)
                {
                    int n = w.B.TcpReceive(c, p, buf.Length);
                    if (n > 0) got.Write(buf, 0, n);
                    else Assert.Equal(NetError.WouldBlock, n);
                }
            }
            Assert.True(got.Length >= 200000, $"only {got.Length} bytes");
            Assert.Equal(Expected((int)got.Length), got.ToArray());
            Assert.Equal(1, w.A.TcpCountInState(TcpState.Established));
            w.B.TcpClose(c);
            for (int i = 0; i < 200; i++) w.Step();
            Assert.Equal(0, w.A.TcpCountInState(TcpState.Established));
            Assert.Equal(2, w.A.TcpCountInState(TcpState.Listen));      // both listeners stay
            Assert.Equal(1, w.A.Stats.TcpPassiveOpens);
        }

        [Fact]
        public void DiscardTakesAnUploadAndClosesAfterThePeersFin()
        {
            var w = new Pair();
            int c = w.B.TcpConnect(IpA, 9);
            var data = new byte[300000];
            new Random(3).NextBytes(data);
            int sent = 0;
            bool closed = false, eof = false;
            var buf = new byte[1024];
            for (int step = 0; step < 300000 && !eof; step++)
            {
                w.Step();
                if (sent < data.Length) fixed (byte* p = data) { int n = w.B.TcpSend(c, p + sent, data.Length - sent); if (n > 0) sent += n; }
                else if (!closed) { w.B.TcpClose(c); closed = true; }
                fixed (byte* p = buf) { int n = w.B.TcpReceive(c, p, buf.Length); if (n == 0) eof = true; else Assert.Equal(NetError.WouldBlock, n); }
            }
            Assert.True(eof, $"discard never closed; sent {sent}");
            Assert.True(w.A.Stats.TcpSegsIn > 200);
            for (int i = 0; i < 100; i++) w.Step();
            Assert.Equal(0, w.A.TcpCountInState(TcpState.Established));
            Assert.Equal(0, w.A.TcpCountInState(TcpState.LastAck));
        }

        [Fact]
        public void AFifthConnectionIsReset()
        {
            var w = new Pair();
            var cs = new int[NetStack.ServiceConnections + 1];
            for (int i = 0; i < cs.Length; i++) { cs[i] = w.B.TcpConnect(IpA, 9); for (int k = 0; k < 20; k++) w.Step(); }
            for (int k = 0; k < 50; k++) w.Step();
            int established = cs.Count(c => TcpKit.State(w.B, c) == TcpState.Established);
            Assert.Equal(NetStack.ServiceConnections, established);
            Assert.Equal(NetStack.ServiceConnections, w.A.TcpCountInState(TcpState.Established));
            Assert.True(w.A.Stats.TcpResetsOut >= 1);
        }

        [Fact]
        public void ASynWaitingBeforeTheFirstPollIsAnsweredNotRefused()
        {
            // The image prints its service banner before the stack first runs; a client that
            // connects at once finds its SYN handled by the first Poll, which used to come
            // before the listeners existed: RST, "connection refused" (LinuxThroughputTests).
            var dev = new FakeDevice(MacA);
            var cfg = Config(IpA);
            cfg.TcpChargenPort = 19;
            var fresh = new NetStack(dev, cfg, new SeededEntropy(6));
            dev.RxQueue.Enqueue(TcpKit.Frame(TcpKit.Segment(IpHost, IpA, 4000, 19, 1000, 0, TcpKit.S, 65535, null, TcpKit.MssWs(1460, -1))));
            fresh.Poll(Sec);
            Assert.Equal(0, fresh.Stats.TcpRefusals);
            Assert.Equal(1, fresh.Stats.TcpHalfOpen);
            Assert.Equal(0, fresh.Stats.TcpResetsOut);
        }

        [Fact]
        public void SynFloodOnTheServicePortStaysInTheBacklogAndDrains()
        {
            var dev = new FakeDevice(MacA);
            var cfg = Config(IpA);
            cfg.TcpDiscardPort = 9;
            var a = new NetStack(dev, cfg, new SeededEntropy(5));
            ulong now = Sec;
            a.Poll(now);
            for (int i = 0; i < 100; i++)
            {
                uint src = 0x0A000064u + (uint)i;              // 10.0.0.100.., nobody answers ARP
                var f = TcpKit.Frame(TcpKit.Segment(src, IpA, 1024 + i, 9, (uint)(i * 7919), 0, TcpKit.S, 65535), src, IpA,
                                     new byte[] { 0x06, 0, 0, 0, 0, (byte)i });
                dev.RxQueue.Enqueue(f);
                a.Poll(now);
            }
            Assert.Equal(NetStack.ServiceBacklog, a.Stats.TcpHalfOpen);
            Assert.Equal(100 - NetStack.ServiceBacklog, a.Stats.TcpRefusals);
            for (int s = 0; s < 12; s++) { now += Sec; a.Poll(now); }
            Assert.Equal(0, a.Stats.TcpHalfOpen);
            Assert.Equal(1, a.TcpCountInState(TcpState.Listen));
            Assert.Equal(1, a.Stats.TcpConnections);
        }

        [Theory]
        [InlineData("tcp-discard=9 tcp-chargen=19", 9, 19)]
        [InlineData("tcp-chargen=65535", 0, 65535)]
        public void OptionWords(string words, int discard, int chargen)
        {
            var st = Parse("ip=10.0.0.2/24 " + words, out NetConfig c);
            Assert.Equal(NetConfigStatus.Ok, st);
            Assert.Equal(discard, c.TcpDiscardPort);
            Assert.Equal(chargen, c.TcpChargenPort);
        }

        [Theory]
        [InlineData("tcp-discard=0", NetConfigStatus.BadDiscardPort)]
        [InlineData("tcp-discard=65536", NetConfigStatus.BadDiscardPort)]
        [InlineData("tcp-discard=", NetConfigStatus.BadDiscardPort)]
        [InlineData("tcp-chargen=x", NetConfigStatus.BadChargenPort)]
        [InlineData("tcp-discard=9 tcp-chargen=9", NetConfigStatus.BadChargenPort)]
        public void BadOptionWords(string words, NetConfigStatus want)
        {
            Assert.Equal(want, Parse("ip=10.0.0.2/24 " + words, out _));
        }

        static NetConfigStatus Parse(string s, out NetConfig c)
        {
            var b = System.Text.Encoding.ASCII.GetBytes(s);
            fixed (byte* p = b) return NetConfig.Parse(p, b.Length, out c);
        }
    }
}
