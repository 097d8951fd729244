// Why: TCP's clocks, run from Poll, and the limits they enforce (all stated here):
//   RTO (RFC 6298): initial 1 s, minimum 200 ms, maximum 60 s, doubled per expiry (Karn: no
//   sample from a retransmitted segment); go-back-N from SND.UNA, cwnd back to one MSS.
//   Give up (RST, TimedOut) after TcpMaxRetransmits (8) expiries without progress, or
//   TcpMaxSynRetries (5) for a SYN we sent.
//   SYN-RECEIVED lives at most SynRcvdTimeoutNs (10 s): the SYN flood bound with the backlog.
//   TIME_WAIT: 2*MSL with MSL shortened to 5 s: 10 s.
//   Persist: zero-window probes of one byte, RTO-spaced, doubling up to 60 s, never giving up
//   while the peer answers.
//   Reclaim: a connection nobody holds (closed by the application, or never accepted) with
//   nothing heard for OrphanTimeoutNs (60 s) is reset and freed (FIN-WAIT-2 included); an
//   application's connection with nothing heard for IdleTimeoutNs (30 min) is reset, TimedOut.
//   RSTs to closed ports and RFC 5961 challenge ACKs: at most TcpControlPerSecond (20)/s.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        public const long TcpInitialRtoNs = 1000000000L, TcpMinRtoNs = 200000000L, TcpMaxRtoNs = 60000000000L;
        public const int TcpMaxRetransmits = 8, TcpMaxSynRetries = 5;
        public const ulong SynRcvdTimeoutNs = 10000000000UL;
        public const ulong TimeWaitNs = 10000000000UL;
        public const ulong OrphanTimeoutNs = 60000000000UL;
        public const ulong IdleTimeoutNs = 1800000000000UL;
        public const int TcpControlPerSecond = 20;
        public const int TcpMinMss = 64;                  // a peer's tinier MSS is raised to this
        public const int TcpInitialWindowSegments = 4;    // initial cwnd in MSS (RFC 3390's bound)

        void RunTcpTimers()
        {
            for (int i = 0; i < MaxTcpConnections; i++)
            {
                TcpConn c = tcp[i];
                if (!c.InUse || c.State == TcpState.Listen) continue;
                if (c.State == TcpState.Closed)
                {
                    // closed by the application, ended, but its end never read: reclaim
                    if (c.AppClosed && now - c.LastHeardNs >= OrphanTimeoutNs) Free(i);
                    continue;
                }
                if (c.State == TcpState.TimeWait)
                {
                    if (now >= c.TimeWaitAt) Move(i, TcpEvent.TimeWaitDone);
                    continue;
                }
                if (c.State == TcpState.SynReceived && now >= c.SynRcvdDeadline)
                {
                    Stats.TcpTimeouts++;
                    GiveUp(i);
                    continue;
                }
                ulong quiet = now - c.LastHeardNs;
                if ((!c.Owned || c.AppClosed) ? quiet >= OrphanTimeoutNs : quiet >= IdleTimeoutNs)
                {
                    GiveUp(i);
                    continue;
                }
                if (c.RtxAt != 0 && now >= c.RtxAt) RetransmitTimeout(i);
                else if (c.PersistAt != 0 && now >= c.PersistAt) Probe(i);
            }
        }

        /// <summary>Resets the peer and closes; the handle, if any, reads TimedOut.</summary>
        void GiveUp(int i)
        {
            TcpConn c = tcp[i];
            c.TimedOut = true;
            if (c.State != TcpState.SynSent)
            {
                SendControl(c, c.SndMax, 0, Tcp.Rst);
                Stats.TcpResetsOut++;
            }
            Move(i, TcpEvent.Reset);
        }

        void RetransmitTimeout(int i)
        {
            TcpConn c = tcp[i];
            c.RtxAt = 0;
            Stats.TcpTimeouts++;
            c.Backoff++;
            bool syn = c.State == TcpState.SynSent || c.State == TcpState.SynReceived;
            if (c.Backoff > (syn ? TcpMaxSynRetries : TcpMaxRetransmits)) { GiveUp(i); return; }
            long rto = c.RtoNs * 2;
            c.RtoNs = rto > TcpMaxRtoNs ? TcpMaxRtoNs : rto;
            c.RttTiming = false;
            if (syn)
            {
                Stats.TcpRetransmits++;
                SendSyn(c);
                return;
            }
            uint flight = c.SndMax - c.SndUna;
            uint half = flight / 2;
            c.Ssthresh = half > (uint)(2 * c.Mss) ? half : (uint)(2 * c.Mss);
            c.Cwnd = (uint)c.Mss;
            c.DupAcks = 0;
            c.InRecovery = false;
            c.SndNxt = c.SndUna;
            TcpOutput(i);
        }

        /// <summary>Zero-window probe: one byte beyond the window, not advancing SND.NXT.</summary>
        void Probe(int i)
        {
            TcpConn c = tcp[i];
            c.PersistAt = 0;
            if (c.SndWnd != 0) { TcpOutput(i); return; }
            int off = (int)(c.SndNxt - c.SndBufSeq);
            if (off >= 0 && off < c.SndLen)
            {
                SendSegment(c, c.SndNxt, 0, 1);
                if (Tcp.Gt(c.SndNxt + 1, c.SndMax)) { c.SndMax = c.SndNxt + 1; c.Probed = true; }
                Stats.TcpProbes++;
            }
            c.PersistBackoff++;
            c.PersistAt = now + PersistInterval(c);
        }
    }
}
