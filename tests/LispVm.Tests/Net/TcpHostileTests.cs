// Why: hostile segments must be dropped and counted, never crash or confuse a connection:
// bad data offsets, bad checksums, SYN with data, bad flag combinations, ACKs of unsent
// data, RSTs to closed ports (rate-limited), and a SYN flood from spoofed sources.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;
using static LispVm.Tests.Net.TcpKit;

namespace LispVm.Tests.Net
{
    public class TcpHostileTests
    {
        [Fact]
        public void BadDataOffsetsAndChecksumsAreDroppedAndCounted()
        {
            var t = new Scripted();
            t.A.TcpListen(80, 4);
            Assert.Empty(t.In(Segment(IpHost, IpA, 4000, 80, 1, 0, S, 1000, offsetWords: 4)));
            Assert.Empty(t.In(Segment(IpHost, IpA, 4000, 80, 1, 0, S, 1000, offsetWords: 15)));
            Assert.Equal(2, Drops(t.A, DropReason.TcpMalformed));
            Assert.Empty(t.In(Segment(IpHost, IpA, 4000, 80, 1, 0, S, 1000, badSum: true)));
            Assert.Equal(1, Drops(t.A, DropReason.TcpBadChecksum));
            Assert.Empty(t.In(Segment(IpHost, IpA, 4000, 80, 1, 0, S | F, 1000)));
            Assert.Empty(t.In(Segment(IpHost, IpA, 4000, 80, 1, 0, S | R, 1000)));
            Assert.Empty(t.In(Segment(IpHost, IpA, 0, 80, 1, 0, S, 1000)));
            Assert.Equal(5, Drops(t.A, DropReason.TcpMalformed));
            Assert.Empty(t.In(new byte[10]));                              // shorter than a header
            Assert.Equal(6, Drops(t.A, DropReason.TcpMalformed));
            // truncated / garbage options are tolerated: the SYN still gets its SYN-ACK
            var sa = t.In(Segment(IpHost, IpA, 4000, 80, 1, 0, S, 1000, opts: new byte[] { 2, 9, 5, 0 })).Single();
            Assert.Equal(1, t.A.Stats.TcpHalfOpen);
            Assert.True(sa.Syn && sa.HasAck);
            Assert.Equal(0, t.A.Stats.TcpResetsOut);
            AssertAccounted(t.A);
        }

        [Fact]
        public void SynWithDataAcknowledgesOnlyTheSyn()
        {
            var t = new Scripted();
            int l = t.A.TcpListen(80, 4);
            var sa = t.Seg(4000, 80, 5000, 0, S, 65535, new byte[] { 1, 2, 3 }).Single();
            Assert.Equal(5001u, sa.Ack);
            Assert.Empty(t.Seg(4000, 80, 5001, sa.Seq + 1, A));
            int c = t.A.TcpAccept(l);
            Assert.Equal(NetError.WouldBlock, Recv(t.A, c).Item1);
            // the peer sends the data again, now it counts
            var a = t.Seg(4000, 80, 5001, sa.Seq + 1, A, 65535, new byte[] { 1, 2, 3 }).Single();
            Assert.Equal(5004u, a.Ack);
            Assert.Equal(new byte[] { 1, 2, 3 }, Recv(t.A, c).Item2);
        }

        [Fact]
        public void AckOfUnsentDataIsAnsweredAndIgnored()
        {
            var t = new Scripted();
            var (c, iss, port) = t.Connected();
            Send(t.A, c, new byte[100]);
            t.Out();
            var a = t.Seg(5000, port, t.HostSeq, iss + 1 + 5000, A).Single();
            Assert.True(a.HasAck && a.Seq == iss + 101);
            Assert.Equal(1, Drops(t.A, DropReason.TcpBadAck));
            // the data is still outstanding: it is retransmitted at the RTO
            var re = t.Tick(1100000000UL).Single();
            Assert.Equal(iss + 1, re.Seq);
            Assert.Equal(100, re.Data.Length);
        }

        [Fact]
        public void SynInAnEstablishedConnectionGetsAChallengeAck()
        {
            var t = new Scripted();
            var (c, iss, port) = t.Connected();
            var ch = t.Seg(5000, port, t.HostSeq + 5, 0, S).Single();
            Assert.True(ch.HasAck && !ch.Syn && !ch.Rst);
            Assert.Equal(TcpState.Established, State(t.A, c));
        }

        [Fact]
        public void ClosedPortsAreResetAtALimitedRate()
        {
            var t = new Scripted();
            var r = t.Seg(4000, 81, 77, 0, S).Single();
            Assert.True(r.Rst && r.HasAck && r.Ack == 78 && r.Seq == 0);
            var r2 = t.Seg(4000, 81, 77, 12345, A).Single();
            Assert.True(r2.Rst && r2.Seq == 12345);
            Assert.Empty(t.Seg(4000, 81, 77, 12345, R | A));              // never answer a RST
            int resets = 0;
            for (int i = 0; i < 100; i++) resets += t.Seg(4000 + i, 81, 77, 0, S).Count;
            Assert.Equal(NetStack.TcpControlPerSecond - 2, resets);
            Assert.Equal(101, t.A.Stats.TcpRefusals);
            t.Tick(Sec);
            Assert.Single(t.Seg(4000, 81, 77, 0, S));
            AssertAccounted(t.A);
        }

        [Fact]
        public void SynFloodStaysBoundedAndDrainsAfterTheTimeout()
        {
            var t = new Scripted();
            int l = t.A.TcpListen(80, 8);
            var rng = new Random(9);
            for (int i = 0; i < 2000; i++)
            {
                uint src = 0x0A000000u | (uint)(10 + rng.Next(200));          // spoofed, on the subnet
                t.Dev.RxQueue.Enqueue(Frame(Segment(src, IpA, 1024 + rng.Next(60000), 80, (uint)rng.Next(), 0, S, 1000), src));
                if (i % 50 == 0) t.Tick(100000000UL);
                Assert.InRange(t.A.Stats.TcpHalfOpen, 0, 8);
            }
            t.A.Poll(t.Now);
            Assert.Equal(8, t.A.Stats.TcpHalfOpen);
            Assert.True(Drops(t.A, DropReason.TcpBacklogFull) > 1900);
            for (int s = 0; s < 12; s++) t.Tick(Sec);
            Assert.Equal(0, t.A.Stats.TcpHalfOpen);
            Assert.Equal(1, t.A.Stats.TcpConnections);                        // the listener
            t.Dev.TakeSent();
            // and a real client gets in
            var sa = t.Seg(4000, 80, 1, 0, S).Single();
            t.Seg(4000, 80, 2, sa.Seq + 1, A);
            Assert.True(t.A.TcpAccept(l) >= 0);
            AssertAccounted(t.A);
        }

        [Fact]
        public void ConnectionTableIsBoundedAndTimeWaitSlotsAreReused()
        {
            var t = new Scripted();
            var conns = new List<int>();
            for (int i = 0; i < NetStack.MaxTcpConnections; i++) conns.Add(t.Connected(5000 + i).c);
            Assert.Equal(NetError.NoSockets, t.A.TcpConnect(IpHost, 6000));
            // put one into TIME_WAIT: it still holds its slot, but is the one reused
            int c0 = conns[0];
            t.A.TcpClose(c0);
            var fin = t.Out().Single();
            t.Seg(5000, fin.Sport, fin.Ack, fin.Seq + 1, F | A);
            Assert.Equal(TcpState.TimeWait, State(t.A, c0));
            int c = t.A.TcpConnect(IpHost, 6000);
            Assert.True(c >= 0);
            Assert.Equal(NetError.BadSocket, t.A.TcpStateOf(c0));
        }
    }
}
