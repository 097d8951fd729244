// Why: TCP against a scripted peer, segment by segment: handshakes both ways, data both
// ways, every way of closing, TIME_WAIT expiry, RST handling, out-of-order reassembly,
// retransmission timing (RTO backoff figures), fast retransmit and the persist timer.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;
using static LispVm.Tests.Net.TcpKit;
using static LispVm.Net.NetStack;

namespace LispVm.Tests.Net
{
    public class TcpScriptedTests
    {
        static byte[] Text(string s) => System.Text.Encoding.ASCII.GetBytes(s);

        [Fact]
        public void PassiveOpenDataBothWaysPeerClosesFirst()
        {
            var t = new Scripted();
            int l = t.A.TcpListen(80, 4);
            Assert.True(l >= 0);
            Assert.Equal(NetError.WouldBlock, t.A.TcpAccept(l));
            var sa = t.Seg(4000, 80, 1000, 0, S, 65535, null, MssWs(1000, 7)).Single();
            Assert.True(sa.Syn && sa.HasAck);
            Assert.Equal(1001u, sa.Ack);
            Assert.Equal(1460, sa.Mss);
            Assert.Equal(0, sa.Ws);
            Assert.Equal(1, t.A.Stats.TcpHalfOpen);
            Assert.Equal(0, t.A.TcpReady(l));
            Assert.Empty(t.Seg(4000, 80, 1001, sa.Seq + 1, A));
            Assert.Equal(0, t.A.Stats.TcpHalfOpen);
            Assert.Equal(TcpAcceptable, t.A.TcpReady(l) & TcpAcceptable);
            int c = t.A.TcpAccept(l);
            Assert.Equal(TcpState.Established, State(t.A, c));
            Assert.Equal(1, t.A.Stats.TcpPassiveOpens);

            var ack = t.Seg(4000, 80, 1001, sa.Seq + 1, A | P, 65535, Text("hello")).Single();
            Assert.Equal(1006u, ack.Ack);
            Assert.Equal(16384 - 5, ack.Win);
            Assert.Equal(TcpReadable, t.A.TcpReady(c) & TcpReadable);
            var (n, got) = Recv(t.A, c);
            Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(got));
            Assert.Equal(NetError.WouldBlock, Recv(t.A, c).Item1);

            Assert.Equal(5, Send(t.A, c, Text("world")));
            var d = t.Out().Single();
            Assert.Equal(sa.Seq + 1, d.Seq);
            Assert.Equal("world", System.Text.Encoding.ASCII.GetString(d.Data));
            Assert.Empty(t.Seg(4000, 80, 1006, sa.Seq + 6, A, 65535 >> 7));   // peer's window scaled by 7

            var finAck = t.Seg(4000, 80, 1006, sa.Seq + 6, F | A).Single();
            Assert.Equal(1007u, finAck.Ack);
            Assert.Equal(TcpState.CloseWait, State(t.A, c));
            Assert.Equal(0, Recv(t.A, c).Item1);                // EOF
            Assert.Equal(0, t.A.TcpClose(c));
            var fin = t.Out().Single();
            Assert.True(fin.Fin && fin.Seq == sa.Seq + 6);
            Assert.Equal(TcpState.LastAck, State(t.A, c));
            Assert.Empty(t.Seg(4000, 80, 1007, sa.Seq + 7, A));
            Assert.Equal(NetError.BadSocket, t.A.TcpStateOf(c));  // freed
            Assert.Equal(1, t.A.Stats.TcpConnections);           // the listener
            AssertAccounted(t.A);
        }

        [Fact]
        public void ActiveOpenWeCloseFirstThenTimeWaitExpires()
        {
            var t = new Scripted();
            int c = t.A.TcpConnect(IpHost, 5000);
            Assert.Equal(TcpState.SynSent, State(t.A, c));
            var syn = t.Out().Single();
            Assert.True(syn.Syn && !syn.HasAck);
            Assert.InRange(syn.Sport, 49152, 65535);
            Assert.Equal(1460, syn.Mss);
            Assert.Equal(0, syn.Ws);
            var ack = t.Seg(5000, syn.Sport, 7000, syn.Seq + 1, S | A, 4000, null, MssWs(536, -1)).Single();
            Assert.Equal(7001u, ack.Ack);
            Assert.Equal(TcpState.Established, State(t.A, c));
            Assert.Equal(1, t.A.Stats.TcpActiveOpens);
            // MSS 536 from the peer: 1200 bytes go as 536 + 536 + 128.
            Assert.Equal(1200, Send(t.A, c, Rand(1200, 1)));
            var segs = t.Out();
            Assert.Equal(new[] { 536, 536, 128 }, segs.Select(s => s.Data.Length));
            t.Seg(5000, syn.Sport, 7001, syn.Seq + 1201, A, 4000);
            t.A.TcpClose(c);
            var fin = t.Out().Single();
            Assert.True(fin.Fin);
            Assert.Equal(NetError.NotConnected, Send(t.A, c, Text("x")));
            Assert.Empty(t.Seg(5000, syn.Sport, 7001, fin.Seq + 1, A));
            Assert.Equal(TcpState.FinWait2, State(t.A, c));
            var last = t.Seg(5000, syn.Sport, 7001, fin.Seq + 1, F | A).Single();
            Assert.Equal(7002u, last.Ack);
            Assert.Equal(TcpState.TimeWait, State(t.A, c));
            Assert.Equal(0, Recv(t.A, c).Item1);                // EOF read: the slot may go once Closed
            // A retransmitted FIN in TIME_WAIT is acknowledged again.
            Assert.Equal(7002u, t.Seg(5000, syn.Sport, 7001, fin.Seq + 1, F | A).Single().Ack);
            t.Tick(9 * Sec);
            Assert.Equal(TcpState.TimeWait, State(t.A, c));
            t.Tick(2 * Sec);
            Assert.Equal(NetError.BadSocket, t.A.TcpStateOf(c));
            Assert.Equal(0, t.A.Stats.TcpConnections);
        }

        [Fact]
        public void SimultaneousClose()
        {
            var t = new Scripted();
            var (c, iss, port) = t.Connected();
            t.A.TcpClose(c);
            var fin = t.Out().Single();
            Assert.Equal(TcpState.FinWait1, State(t.A, c));
            // The peer's FIN crosses ours: it does not acknowledge our FIN yet.
            var a = t.Seg(5000, port, t.HostSeq, iss + 1, F | A).Single();
            Assert.Equal(t.HostSeq + 1, a.Ack);
            Assert.Equal(TcpState.Closing, State(t.A, c));
            Assert.Empty(t.Seg(5000, port, t.HostSeq + 1, fin.Seq + 1, A));
            Assert.Equal(TcpState.TimeWait, State(t.A, c));
            t.Tick(11 * Sec);
            Assert.Equal(TcpState.Closed, State(t.A, c));        // ended, but its end not read yet
            Assert.Equal(0, Recv(t.A, c).Item1);
            Assert.Equal(NetError.BadSocket, t.A.TcpStateOf(c));
        }

        [Fact]
        public void SimultaneousOpen()
        {
            var t = new Scripted();
            int c = t.A.TcpConnect(IpHost, 5000);
            var syn = t.Out().Single();
            var sa = t.Seg(5000, syn.Sport, 9000, 0, S, 65535, null, MssWs(1460, 3)).Single();
            Assert.True(sa.Syn && sa.HasAck && sa.Seq == syn.Seq && sa.Ack == 9001);
            Assert.Equal(TcpState.SynReceived, State(t.A, c));
            t.Seg(5000, syn.Sport, 9001, syn.Seq + 1, A);
            Assert.Equal(TcpState.Established, State(t.A, c));
        }

        [Fact]
        public void ResetsExactInexactAndOutOfWindow()
        {
            var t = new Scripted();
            var (c, iss, port) = t.Connected();
            // Out of window: ignored silently.
            Assert.Empty(t.Seg(5000, port, t.HostSeq + 100000, 0, R));
            Assert.Equal(1, Drops(t.A, DropReason.TcpBadRst));
            // In window but not exact: a challenge ACK, the connection stays.
            var ch = t.Seg(5000, port, t.HostSeq + 10, 0, R).Single();
            Assert.True(ch.HasAck && !ch.Rst && ch.Ack == t.HostSeq);
            Assert.Equal(TcpState.Established, State(t.A, c));
            Assert.Equal(1, t.A.Stats.TcpChallengeAcks);
            // Exact: reset.
            Assert.Empty(t.Seg(5000, port, t.HostSeq, 0, R));
            Assert.Equal(TcpState.Closed, State(t.A, c));
            Assert.Equal(NetError.Reset, Recv(t.A, c).Item1);
            Assert.Equal(TcpClosedFlag | TcpReadable, t.A.TcpReady(c));
            Assert.Equal(1, t.A.Stats.TcpResetsIn);
            Assert.Equal(0, t.A.TcpClose(c));
            Assert.Equal(NetError.BadSocket, t.A.TcpStateOf(c));
            Assert.Equal(0, t.A.Stats.TcpConnections);
        }

        [Fact]
        public void RstAnswersSynAsRefused()
        {
            var t = new Scripted();
            int c = t.A.TcpConnect(IpHost, 5000);
            var syn = t.Out().Single();
            Assert.Empty(t.Seg(5000, syn.Sport, 0, syn.Seq + 5, R | A));      // wrong ACK: ignored
            Assert.Equal(TcpState.SynSent, State(t.A, c));
            Assert.Empty(t.Seg(5000, syn.Sport, 0, syn.Seq + 1, R | A));
            Assert.Equal(NetError.Refused, Recv(t.A, c).Item1);
        }

        [Fact]
        public void AbortSendsRst()
        {
            var t = new Scripted();
            var (c, iss, port) = t.Connected();
            Assert.Equal(0, t.A.TcpAbort(c));
            var r = t.Out().Single();
            Assert.True(r.Rst && r.Seq == iss + 1);
            Assert.Equal(NetError.BadSocket, t.A.TcpStateOf(c));
            Assert.Equal(1, t.A.Stats.TcpResetsOut);
        }

        [Fact]
        public void OutOfOrderSegmentsAreReassembled()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted();
            var data = Rand(3000, 7);
            uint s0 = t.HostSeq;
            byte[] Part(int o, int n) => data.Skip(o).Take(n).ToArray();
            var a3 = t.Seg(4000, 80, s0 + 2000, iss + 1, A, 65535, Part(2000, 1000)).Single();
            Assert.Equal(s0, a3.Ack);                                  // duplicate ACK: a hole at s0
            var a2 = t.Seg(4000, 80, s0 + 1000, iss + 1, A, 65535, Part(1000, 1000)).Single();
            Assert.Equal(s0, a2.Ack);
            Assert.Equal(NetError.WouldBlock, Recv(t.A, c).Item1);
            // a duplicate of an out-of-order segment changes nothing
            t.Seg(4000, 80, s0 + 2000, iss + 1, A, 65535, Part(2000, 1000));
            var a1 = t.Seg(4000, 80, s0, iss + 1, A, 65535, Part(0, 1000)).Single();
            Assert.Equal(s0 + 3000, a1.Ack);
            Assert.Equal(data, Recv(t.A, c).Item2);
            // old data again: ACKed, not delivered twice
            var old = t.Seg(4000, 80, s0 + 500, iss + 1, A, 65535, Part(500, 1000)).Single();
            Assert.Equal(s0 + 3000, old.Ack);
            Assert.Equal(NetError.WouldBlock, Recv(t.A, c).Item1);
            // overlapping new data: only the new part is delivered
            var tail = Rand(200, 8);
            t.Seg(4000, 80, s0 + 2900, iss + 1, A, 65535, Part(2900, 100).Concat(tail).ToArray());
            Assert.Equal(tail, Recv(t.A, c).Item2);
        }

        [Fact]
        public void SynRetransmissionBacksOffThenGivesUp()
        {
            var t = new Scripted();
            int c = t.A.TcpConnect(IpHost, 5000);
            var first = t.Out().Single();
            var at = new List<ulong>();
            for (int ms = 0; ms < 70000; ms += 100)
            {
                foreach (var s in t.Tick(100000000UL)) { Assert.True(s.Syn); Assert.Equal(first.Seq, s.Seq); at.Add((t.Now - Sec) / 1000000000UL); }
            }
            // RTO 1 s doubling: retransmissions at 1, 3, 7, 15, 31 s, then the 63 s expiry gives up.
            Assert.Equal(new ulong[] { 1, 3, 7, 15, 31 }, at);
            Assert.Equal(NetError.TimedOut, Recv(t.A, c).Item1);
            Assert.Equal(TcpState.Closed, State(t.A, c));
        }

        [Fact]
        public void DataRtoUsesMeasuredRttThenBacksOff()
        {
            var t = new Scripted();
            var (c, iss, port) = t.Connected();
            Send(t.A, c, Rand(100, 1));
            var d = t.Out().Single();
            t.Tick(50000000UL);                                        // 50 ms RTT
            t.Seg(5000, port, t.HostSeq, d.Seq + 100, A);
            // SRTT 50 ms, RTTVAR 25 ms: RTO = 150 ms, raised to the 200 ms minimum.
            Send(t.A, c, Rand(100, 2));
            var d2 = t.Out().Single();
            var times = new List<int>();
            for (int ms = 1; ms <= 3200; ms++)
                foreach (var s in t.Tick(1000000UL)) { Assert.Equal(d2.Seq, s.Seq); times.Add(ms); }
            Assert.Equal(new[] { 200, 600, 1400, 3000 }, times);       // 200, 400, 800, 1600 ms apart
            Assert.Equal(4, t.A.Stats.TcpRetransmits);
            // An ACK ends the retransmissions.
            t.Seg(5000, port, t.HostSeq, d2.Seq + 100, A);
            Assert.Empty(t.Tick(10 * Sec));
        }

        [Fact]
        public void ThreeDuplicateAcksTriggerFastRetransmit()
        {
            var t = new Scripted();
            var (c, iss, port) = t.Connected(opts: MssWs(1000, -1));
            Send(t.A, c, Rand(4000, 3));
            var segs = t.Out();
            Assert.Equal(4, segs.Count);                               // initial window 4 MSS
            Assert.Empty(t.Seg(5000, port, t.HostSeq, iss + 1, A));
            Assert.Empty(t.Seg(5000, port, t.HostSeq, iss + 1, A));
            var re = t.Seg(5000, port, t.HostSeq, iss + 1, A).Single();
            Assert.Equal(iss + 1, re.Seq);
            Assert.Equal(1000, re.Data.Length);
            Assert.Equal(1, t.A.Stats.TcpFastRetransmits);
        }

        [Fact]
        public void ZeroWindowIsProbedUntilItOpens()
        {
            var t = new Scripted();
            var (c, iss, port) = t.Connected(win: 0);
            Assert.Equal(500, Send(t.A, c, Rand(500, 4)));
            Assert.Empty(t.Out());
            var probes = new List<int>();
            for (int ms = 1; ms <= 7100; ms++)
                foreach (var s in t.Tick(1000000UL))
                {
                    Assert.Equal(iss + 1, s.Seq);
                    Assert.Single(s.Data);
                    probes.Add(ms);
                    t.Seg(5000, port, t.HostSeq, iss + 1, A, 0);       // still closed
                }
            Assert.Equal(new[] { 1000, 3000, 7000 }, probes);          // RTO-spaced, doubling
            Assert.Equal(TcpState.Established, State(t.A, c));
            var rest = t.Seg(5000, port, t.HostSeq, iss + 1, A, 1000);
            Assert.Equal(500, rest.Sum(s => s.Data.Length));
        }

        [Fact]
        public void ReadingOpensAClosedReceiveWindow()
        {
            var t = new Scripted();
            var (l, c, iss) = t.Accepted();
            var big = Rand(16384, 5);
            Seg last = null;
            for (int o = 0; o < big.Length; o += 1024)
                last = t.Seg(4000, 80, t.HostSeq + (uint)o, iss + 1, A, 65535, big.Skip(o).Take(1024).ToArray()).Single();
            Assert.Equal(0, last.Win);
            // More data into a zero window is not accepted.
            var no = t.Seg(4000, 80, t.HostSeq + 16384, iss + 1, A, 65535, new byte[10]).Single();
            Assert.Equal(t.HostSeq + 16384, no.Ack);
            Assert.Equal(1, Drops(t.A, DropReason.TcpOutOfWindow));
            Assert.Equal(big.Take(8000).ToArray(), Recv(t.A, c, 8000).Item2);
            var upd = t.Out().Single();                                 // the window update
            Assert.Equal(8000, upd.Win);
        }

        [Fact]
        public void HostSequenceNumbersWrap()
        {
            var t = new Scripted { HostSeq = 0xFFFFFF00 };
            var (l, c, iss) = t.Accepted();
            var data = Rand(1000, 6);
            var a = t.Seg(4000, 80, t.HostSeq, iss + 1, A, 65535, data).Single();
            Assert.Equal(t.HostSeq + 1000, a.Ack);
            Assert.True(a.Ack < 0x1000);
            Assert.Equal(data, Recv(t.A, c).Item2);
        }

        [Fact]
        public void IsnsAndPortsDependOnTheSecret()
        {
            var t1 = new Scripted(1); var t2 = new Scripted(2);
            t1.A.TcpConnect(IpHost, 5000); t2.A.TcpConnect(IpHost, 5000);
            var s1 = t1.Out().Single(); var s2 = t2.Out().Single();
            Assert.NotEqual(s1.Seq, s2.Seq);
            Assert.NotEqual(s1.Sport, s2.Sport);
            t1.A.TcpConnect(IpHost, 5000);
            var s3 = t1.Out().Single();
            Assert.NotEqual(s1.Sport, s3.Sport);
            Assert.NotEqual(s1.Seq + 1, s3.Seq);
        }
    }
}
