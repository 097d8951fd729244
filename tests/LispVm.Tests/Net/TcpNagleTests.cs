// Why: Nagle in Minshall's form (NetStack.TcpOutput.cs): small writes coalesce while a short
// segment is unacknowledged, full segments never wait, close and TcpSetNoDelay send at once.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;
using static LispVm.Tests.Net.TcpKit;

namespace LispVm.Tests.Net
{
    public class TcpNagleTests
    {
        static byte[] Text(string s) => System.Text.Encoding.ASCII.GetBytes(s);
        static string Str(Seg s) => System.Text.Encoding.ASCII.GetString(s.Data);

        [Fact]
        public void SmallWritesCoalesceUntilTheShortSegmentIsAcked()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted();
            Assert.Equal(1, Send(t.A, c, Text("a")));
            Assert.Equal("a", Str(t.Out().Single()));                  // nothing short in flight: at once
            for (int i = 0; i < 5; i++) Assert.Equal(1, Send(t.A, c, Text("b")));
            Assert.Empty(t.Out());                                     // held behind "a"
            var next = t.Seg(4000, 80, t.HostSeq, iss + 2, A).Single(); // "a" acked: the rest, one segment
            Assert.Equal("bbbbb", Str(next));
            Assert.Equal(iss + 2, next.Seq);
            Assert.Equal(1, Send(t.A, c, Text("c")));
            Assert.Empty(t.Out());                                     // "bbbbb" is short and in flight
            Assert.Equal("c", Str(t.Seg(4000, 80, t.HostSeq, iss + 7, A).Single()));
        }

        [Fact]
        public void FullSegmentsNeverWaitOnlyTheShortTail()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted(opts: MssWs(1460, -1));
            Send(t.A, c, Text("a"));
            Assert.Single(t.Out());
            Assert.Equal(3000, Send(t.A, c, Rand(3000, 1)));
            Assert.Equal(new[] { 1460, 1460 }, t.Out().Select(s => s.Data.Length));
            Assert.Equal(80, t.Seg(4000, 80, t.HostSeq, iss + 2, A).Single().Data.Length);
        }

        [Fact]
        public void CloseSendsWhatNagleHeldThenFin()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted();
            Send(t.A, c, Text("a"));
            Assert.Single(t.Out());
            Send(t.A, c, Text("bc"));
            Assert.Empty(t.Out());
            Assert.Equal(0, t.A.TcpClose(c));
            var segs = t.Out();
            Assert.Equal("bc", string.Concat(segs.Select(Str)));
            Assert.True(segs.Last().Fin);
        }

        [Fact]
        public void NoDelaySendsEveryWriteAtOnce()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted();
            Assert.Equal(NetError.BadSocket, t.A.TcpSetNoDelay(12345, true));
            Send(t.A, c, Text("a"));
            Assert.Single(t.Out());
            Send(t.A, c, Text("b"));
            Assert.Empty(t.Out());
            Assert.Equal(0, t.A.TcpSetNoDelay(c, true));                // what was held goes now
            Assert.Equal("b", Str(t.Out().Single()));
            Send(t.A, c, Text("c"));
            Assert.Equal("c", Str(t.Out().Single()));
            Send(t.A, c, Text("d"));
            Assert.Equal("d", Str(t.Out().Single()));
        }

        [Fact]
        public void ARetransmissionIsNotHeldAndCarriesTheHeldBytes()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted();
            Send(t.A, c, Text("a"));
            Assert.Single(t.Out());
            Send(t.A, c, Text("b"));
            Assert.Empty(t.Out());
            var again = t.Tick(1_100_000_000);                         // RTO: go-back-N resends "a",
            Assert.Equal("ab", Str(again.Single()));                   // and the held "b" rides along
            Assert.Empty(t.Seg(4000, 80, t.HostSeq, iss + 3, A));
        }
    }
}
