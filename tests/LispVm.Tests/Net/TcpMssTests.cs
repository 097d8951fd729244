// Why: the segment size both ways (issue 17): we announce MTU - 40 from the device and send
// segments of min(peer's MSS, MTU - 40), on passive and active opens alike; a SYN without
// the option means 536 (RFC 9293 3.7.1). A passive open used to stay at 536 whatever the
// peer offered.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;
using static LispVm.Tests.Net.TcpKit;

namespace LispVm.Tests.Net
{
    public class TcpMssTests
    {
        static int[] SendAndMeasure(Scripted t, int c, int bytes)
        {
            Assert.Equal(bytes, Send(t.A, c, Rand(bytes, 7)));
            return t.Out().Select(s => s.Data.Length).ToArray();
        }

        [Fact]
        public void PassiveOpenUsesThePeersMss()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted(opts: MssWs(1460, 2));
            Assert.Equal(new[] { 1460, 1460, 1080 }, SendAndMeasure(t, c, 4000));
        }

        [Fact]
        public void PassiveOpenAnnouncesOurMtuAndKeepsToTheSmallerMss()
        {
            var t = new Scripted(mtu: 1000);
            int l = t.A.TcpListen(80, 4);
            var sa = t.Seg(4000, 80, t.HostSeq, 0, S, 65535, null, MssWs(1460, -1)).Single();
            Assert.Equal(960, sa.Mss);                                   // 1000 - 20 - 20
            t.HostSeq++;
            Assert.Empty(t.Seg(4000, 80, t.HostSeq, sa.Seq + 1, A, 65535));
            int c = t.A.TcpAccept(l);
            Assert.Equal(new[] { 960, 960, 80 }, SendAndMeasure(t, c, 2000));
        }

        [Fact]
        public void PassiveOpenWithoutTheOptionIs536()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted(opts: Array.Empty<byte>());
            Assert.Equal(new[] { 536, 536, 128 }, SendAndMeasure(t, c, 1200));
        }

        [Fact]
        public void ActiveOpenUsesThePeersMssAndAnnouncesOurs()
        {
            var t = new Scripted(mtu: 1200);
            int c = t.A.TcpConnect(IpHost, 5000);
            var syn = t.Out().Single();
            Assert.Equal(1160, syn.Mss);
            t.Seg(5000, syn.Sport, t.HostSeq, syn.Seq + 1, S | A, 65535, null, MssWs(1460, -1));
            t.HostSeq++;
            Assert.Equal(new[] { 1160, 1160, 680 }, SendAndMeasure(t, c, 3000));
        }
    }
}
