// Why: TCP segment arrival (RFC 9293 3.10.7): checks (length, data offset, checksum, flag
// combinations), demultiplexing to a connection or listener, and the per-state processing:
// sequence acceptability and trimming, RST and SYN under RFC 5961 (an in-window but inexact
// RST or any SYN in a synchronized state gets a rate-limited challenge ACK), ACK processing
// (RTT, congestion window, fast retransmit, window update), data into the reassembling
// receive ring, FIN. Policies: SYN with data: the data is discarded and only the SYN is
// acknowledged (the peer sends it again); SYN|RST and SYN|FIN are malformed; broadcast
// segments are dropped; an ACK of data never sent is answered with an ACK and dropped.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        void HandleTcp(uint src, uint dst, bool broadcast, byte* p, int len)
        {
            if (len < Tcp.HeaderLength) { Stats.Drop(DropReason.TcpMalformed); return; }
            int hl = (p[Tcp.DataOffset] >> 4) * 4;
            if (hl < Tcp.HeaderLength || hl > len) { Stats.Drop(DropReason.TcpMalformed); return; }
            if (Checksum.Finish(Checksum.Add(Checksum.Pseudo(src, dst, Ipv4.ProtoTcp, len), p, len)) != 0)
            {
                Stats.Drop(DropReason.TcpBadChecksum);
                return;
            }
            if (broadcast) { Stats.Drop(DropReason.TcpUnexpected); return; }
            int sport = Bytes.Get16(p + Tcp.SrcPort), dport = Bytes.Get16(p + Tcp.DstPort);
            int flags = p[Tcp.Flags] & 0x3F;
            if (sport == 0 || dport == 0 || ((flags & Tcp.Syn) != 0 && (flags & (Tcp.Rst | Tcp.Fin)) != 0))
            {
                Stats.Drop(DropReason.TcpMalformed);
                return;
            }
            Stats.TcpSegsIn++;
            uint seq = Bytes.Get32(p + Tcp.Seq), ack = Bytes.Get32(p + Tcp.Ack);
            int wnd = Bytes.Get16(p + Tcp.Window);
            int dlen = len - hl;
            int peerMss = 536, peerWs = -1;
            if ((flags & Tcp.Syn) != 0) Tcp.ParseOptions(p + Tcp.HeaderLength, hl - Tcp.HeaderLength, ref peerMss, ref peerWs);
            int i = FindConn(src, sport, dport);
            if (i >= 0)
            {
                tcp[i].LastHeardNs = now;
                if (tcp[i].State == TcpState.SynSent) SynSentInput(i, src, dst, sport, dport, seq, ack, flags, wnd, peerMss, peerWs, dlen);
                else SegmentInput(i, src, dst, sport, dport, seq, ack, flags, wnd, p + hl, dlen);
                return;
            }
            int l = FindListener(dport);
            if (l >= 0) { ListenInput(l, src, dst, sport, dport, seq, ack, flags, wnd, peerMss, peerWs, dlen); return; }
            Stats.Drop(DropReason.TcpNoSocket);
            if ((flags & Tcp.Syn) != 0) Stats.TcpRefusals++;
            SendResetFor(src, dst, sport, dport, seq, ack, flags, dlen);
        }

        int FindConn(uint ip, int rport, int lport)
        {
            for (int i = 0; i < MaxTcpConnections; i++)
            {
                TcpConn c = tcp[i];
                if (c.InUse && c.State != TcpState.Listen && c.State != TcpState.Closed
                    && c.LocalPort == lport && c.RemotePort == rport && c.RemoteIp == ip) return i;
            }
            return -1;
        }

        int FindListener(int port)
        {
            for (int i = 0; i < MaxTcpConnections; i++)
                if (tcp[i].InUse && tcp[i].State == TcpState.Listen && tcp[i].LocalPort == port) return i;
            return -1;
        }

        /// <summary>From the peer's SYN: our segment size is min(peer's MSS, our MTU - 40) both
        /// ways (we announce MTU - 40 in our SYN; a SYN without MSS means 536, RFC 9293
        /// 3.7.1), window scale, and the initial congestion window in those segments.</summary>
        void SetPeerOptions(TcpConn c, int peerMss, int peerWs)
        {
            int m = peerMss < OurMss ? peerMss : OurMss;
            c.Mss = m < TcpMinMss ? TcpMinMss : m;
            c.WsOk = peerWs >= 0;
            c.SndShift = c.WsOk ? peerWs : 0;
            c.RcvShift = 0;                   // our 16 KiB ring needs no scaling; we offer shift 0
            c.Cwnd = (uint)(c.Mss * TcpInitialWindowSegments);
            c.Ssthresh = 0x7FFFFFFF;
        }

        void ListenInput(int l, uint src, uint dst, int sport, int dport, uint seq, uint ack, int flags, int wnd,
                         int peerMss, int peerWs, int dlen)
        {
            if ((flags & Tcp.Rst) != 0) { Stats.Drop(DropReason.TcpUnexpected); return; }
            if ((flags & Tcp.AckFlag) != 0)
            {
                Stats.Drop(DropReason.TcpNoSocket);
                SendResetFor(src, dst, sport, dport, seq, ack, flags, dlen);
                return;
            }
            if ((flags & Tcp.Syn) == 0) { Stats.Drop(DropReason.TcpUnexpected); return; }
            int children = 0;
            for (int k = 0; k < MaxTcpConnections; k++)
                if (tcp[k].InUse && tcp[k].Parent == l && !tcp[k].Accepted) children++;
            int s = children >= tcp[l].Backlog ? -1 : AllocSlot();
            if (s < 0) { Stats.Drop(DropReason.TcpBacklogFull); Stats.TcpRefusals++; return; }
            TcpConn c = tcp[s];
            c.LocalPort = dport; c.RemoteIp = src; c.RemotePort = sport; c.Parent = l;
            c.Irs = seq; c.RcvNxt = seq + 1; c.RcvAdv = c.RcvNxt + (uint)c.RcvSpace;
            SetPeerOptions(c, peerMss, peerWs);
            InitSend(c, NewIsn(dport, src, sport));
            c.SndWnd = (uint)wnd;             // a SYN's window is never scaled (RFC 7323 2.2)
            c.SndWl1 = seq; c.SndWl2 = c.Iss;
            c.State = TcpState.Listen;        // a child starts as a copy of its listener
            Move(s, TcpEvent.RcvSyn);
            SendSyn(c);                       // SYN's data, if any, is not acknowledged: discarded
            Handled();
        }

        void SynSentInput(int i, uint src, uint dst, int sport, int dport, uint seq, uint ack, int flags, int wnd,
                          int peerMss, int peerWs, int dlen)
        {
            TcpConn c = tcp[i];
            bool ackOk = false;
            if ((flags & Tcp.AckFlag) != 0)
            {
                if (Tcp.Le(ack, c.Iss) || Tcp.Gt(ack, c.SndMax))
                {
                    Stats.Drop(DropReason.TcpBadAck);
                    SendResetFor(src, dst, sport, dport, seq, ack, flags, dlen);
                    return;
                }
                ackOk = true;
            }
            if ((flags & Tcp.Rst) != 0)
            {
                if (!ackOk) { Stats.Drop(DropReason.TcpBadRst); return; }
                Stats.TcpResetsIn++;
                c.Refused = true;
                Move(i, TcpEvent.Reset);
                Handled();
                return;
            }
            if ((flags & Tcp.Syn) == 0) { Stats.Drop(DropReason.TcpUnexpected); return; }
            c.Irs = seq; c.RcvNxt = seq + 1; c.RcvAdv = c.RcvNxt + (uint)c.RcvSpace;
            SetPeerOptions(c, peerMss, peerWs);
            c.SndWnd = (uint)wnd;
            c.SndWl1 = seq; c.SndWl2 = ack;
            Handled();
            if (ackOk)
            {
                c.SndUna = ack;
                c.RtxAt = 0; c.Backoff = 0;
                Move(i, TcpEvent.RcvSynAck);
                SendAck(c);
                TcpOutput(i);
            }
            else
            {
                Move(i, TcpEvent.RcvSyn);     // simultaneous open: SYN-ACK with our ISS
                c.RtxAt = 0;
                SendSyn(c);
            }
        }

        void ChallengeAck(TcpConn c)
        {
            if (!TakeControlToken()) { Stats.TcpRstLimited++; return; }
            Stats.TcpChallengeAcks++;
            SendAck(c);
        }

        void SegmentInput(int i, uint src, uint dst, int sport, int dport, uint seq, uint ack, int flags, int wnd,
                          byte* data, int dlen)
        {
            TcpConn c = tcp[i];
            bool syn = (flags & Tcp.Syn) != 0, fin = (flags & Tcp.Fin) != 0, rst = (flags & Tcp.Rst) != 0;
            if (c.State == TcpState.SynReceived && syn && seq == c.Irs && (flags & Tcp.AckFlag) == 0)
            {
                SendSyn(c);                   // the peer's SYN again: our SYN-ACK was lost
                Handled();
                return;
            }
            // Sequence acceptability (RFC 9293 3.10.7.4, first check).
            int segLen = dlen + (syn ? 1 : 0) + (fin ? 1 : 0);
            uint w = c.RcvAdv - c.RcvNxt;
            if ((int)w < 0) w = 0;
            if (w > (uint)c.RcvSpace) w = (uint)c.RcvSpace;   // never more than the ring holds
            bool ok;
            if (segLen == 0 || (w == 0 && dlen == 0 && !syn)) ok = w == 0 ? seq == c.RcvNxt : InWindow(seq, c.RcvNxt, w);
            else ok = w != 0 && (InWindow(seq, c.RcvNxt, w) || InWindow(seq + (uint)segLen - 1, c.RcvNxt, w));
            if (!ok)
            {
                if (rst) { Stats.Drop(DropReason.TcpBadRst); return; }
                if (c.State == TcpState.TimeWait && fin) c.TimeWaitAt = now + TimeWaitNs;
                SendAck(c);
                Stats.Drop(DropReason.TcpOutOfWindow);
                return;
            }
            if (rst)
            {
                // RFC 1337: TIME-WAIT ignores RSTs (a stale segment's RST must not end it early).
                if (c.State == TcpState.TimeWait) { Stats.Drop(DropReason.TcpBadRst); return; }
                if (seq != c.RcvNxt) { ChallengeAck(c); Stats.Drop(DropReason.TcpBadRst); return; }
                Stats.TcpResetsIn++;
                c.WasReset = true;
                Move(i, TcpEvent.Reset);
                Handled();
                return;
            }
            if (syn) { ChallengeAck(c); Stats.Drop(DropReason.TcpUnexpected); return; }
            // Trim to the window: old bytes at the front, bytes beyond it at the back.
            uint dseq = seq;
            if (Tcp.Lt(dseq, c.RcvNxt))
            {
                int skip = (int)(c.RcvNxt - dseq);
                if (skip > dlen) { fin = false; skip = dlen; }
                data += skip; dlen -= skip; dseq += (uint)skip;
            }
            int room = (int)(w - (dseq - c.RcvNxt));
            if (dlen > room) { dlen = room < 0 ? 0 : room; fin = false; }
            if ((flags & Tcp.AckFlag) == 0) { Stats.Drop(DropReason.TcpUnexpected); return; }
            if (c.State == TcpState.SynReceived)
            {
                if (!Tcp.Gt(ack, c.SndUna) || Tcp.Gt(ack, c.SndMax))
                {
                    Stats.Drop(DropReason.TcpBadAck);
                    SendResetFor(src, dst, sport, dport, seq, ack, flags, dlen);
                    return;
                }
                c.SndUna = ack;
                c.SndWnd = (uint)wnd << c.SndShift;
                c.SndWl1 = seq; c.SndWl2 = ack;
                c.RtxAt = 0; c.Backoff = 0;
                Move(i, TcpEvent.RcvAckOfSyn);
            }
            else if (!AckInput(i, seq, ack, wnd, dlen, fin)) return;
            if (!c.InUse || c.State == TcpState.Closed) { Handled(); return; }
            bool ackNow = false, full = false;
            if (dlen > 0 && TcpMachine.CanReceive(c.State))
            {
                full = !c.RcvStore(dseq, data, dlen);
                ackNow = true;
            }
            if (fin && TcpMachine.CanReceive(c.State) || fin && c.State == TcpState.CloseWait)
            {
                uint fs = dseq + (uint)dlen;
                if (Tcp.Ge(fs, c.RcvNxt)) { c.FinPending = true; c.FinSeq = fs; }
                ackNow = true;
            }
            if (c.FinPending && c.FinSeq == c.RcvNxt && !c.FinReceived)
            {
                c.FinPending = false;
                c.FinReceived = true;
                c.RcvNxt++;
                Move(i, TcpEvent.RcvFin);
                ackNow = true;
            }
            if (ackNow && c.InUse) SendAck(c);
            if (c.InUse) TcpOutput(i);
            if (full) Stats.Drop(DropReason.TcpReassemblyFull); else Handled();
        }

        static bool InWindow(uint x, uint start, uint w) { return Tcp.Ge(x, start) && Tcp.Lt(x, start + w); }

        /// <summary>ACK processing in a synchronized state; false when the segment was dropped.</summary>
        bool AckInput(int i, uint seq, uint ack, int wnd, int dlen, bool fin)
        {
            TcpConn c = tcp[i];
            if (Tcp.Gt(ack, c.SndMax)) { SendAck(c); Stats.Drop(DropReason.TcpBadAck); return false; }
            uint swnd = (uint)wnd << c.SndShift;
            if (Tcp.Gt(ack, c.SndUna))
            {
                if (c.RttTiming && Tcp.Gt(ack, c.RttSeq)) RttSample(c, (long)(now - c.RttStartNs));
                int dataAcked = Tcp.Gt(ack, c.SndBufSeq) ? (int)(ack - c.SndBufSeq) : 0;
                if (dataAcked > c.SndLen) dataAcked = c.SndLen;
                uint acked = ack - c.SndUna;
                c.SendConsume(dataAcked);
                c.SndUna = ack;
                if (Tcp.Lt(c.SndNxt, c.SndUna)) c.SndNxt = c.SndUna;
                if (c.InRecovery)
                {
                    if (Tcp.Ge(ack, c.Recover)) { c.InRecovery = false; c.Cwnd = c.Ssthresh; }
                    else RetransmitFirst(c);                        // a partial ACK: the next hole (NewReno)
                }
                else if (c.Cwnd < c.Ssthresh) c.Cwnd += acked < (uint)c.Mss ? acked : (uint)c.Mss;
                else c.Cwnd += (uint)(c.Mss * c.Mss) / (c.Cwnd == 0 ? 1u : c.Cwnd) + 1;
                if (c.Cwnd > 0x3FFFFFFF) c.Cwnd = 0x3FFFFFFF;
                c.DupAcks = 0;
                if (c.Backoff > 0 && c.SrttNs != 0) SetRto(c);          // progress undoes the backoff
                c.Backoff = 0;
                c.PersistBackoff = 0;
                c.RtxAt = c.SndUna == c.SndMax ? 0 : now + (ulong)c.RtoNs;
            }
            else if (ack == c.SndUna && dlen == 0 && !fin && swnd == c.SndWnd && c.SndMax != c.SndUna)
            {
                c.DupAcks++;
                if (c.DupAcks == 3 && !c.InRecovery) FastRetransmit(c);
                else if (c.DupAcks > 3 && c.InRecovery) c.Cwnd += (uint)c.Mss;
            }
            if (Tcp.Lt(c.SndWl1, seq) || (c.SndWl1 == seq && Tcp.Le(c.SndWl2, ack)))
            {
                c.SndWnd = swnd;
                c.SndWl1 = seq; c.SndWl2 = ack;
                if (swnd != 0) { c.PersistAt = 0; c.PersistBackoff = 0; }
            }
            if (c.FinSent && c.SndLen == 0 && ack == c.SndBufSeq + 1)
            {
                c.RtxAt = 0;
                Move(i, TcpEvent.RcvAckOfFin);
            }
            return true;
        }

        void FastRetransmit(TcpConn c)
        {
            uint flight = c.SndMax - c.SndUna;
            uint half = flight / 2;
            c.Ssthresh = half > (uint)(2 * c.Mss) ? half : (uint)(2 * c.Mss);
            c.Cwnd = c.Ssthresh + (uint)(3 * c.Mss);
            c.InRecovery = true;
            c.Recover = c.SndMax;
            Stats.TcpFastRetransmits++;
            RetransmitFirst(c);
        }

        /// <summary>Sends the first unacknowledged segment again (fast retransmit, partial ACK).</summary>
        void RetransmitFirst(TcpConn c)
        {
            c.RttTiming = false;
            Stats.TcpRetransmits++;
            int off = (int)(c.SndUna - c.SndBufSeq);
            int n = c.SndLen - off;
            if (n > c.Mss) n = c.Mss;
            if (off >= 0 && n > 0) SendSegment(c, c.SndUna, 0, n);
            else if (c.FinSent) SendSegment(c, c.SndUna, Tcp.Fin, 0);
            c.RtxAt = now + (ulong)c.RtoNs;
        }

        /// <summary>RFC 6298 2.2-2.4 with G = 1 ms and our minimum and maximum.</summary>
        void RttSample(TcpConn c, long r)
        {
            c.RttTiming = false;
            if (r < 0) r = 0;
            if (c.SrttNs == 0 && c.RttvarNs == 0) { c.SrttNs = r; c.RttvarNs = r / 2; }
            else
            {
                long d = c.SrttNs - r;
                if (d < 0) d = -d;
                c.RttvarNs = (3 * c.RttvarNs + d) / 4;
                c.SrttNs = (7 * c.SrttNs + r) / 8;
            }
            SetRto(c);
        }

        void SetRto(TcpConn c)
        {
            long k = 4 * c.RttvarNs;
            long rto = c.SrttNs + (k > 1000000 ? k : 1000000);
            c.RtoNs = rto < TcpMinRtoNs ? TcpMinRtoNs : rto > TcpMaxRtoNs ? TcpMaxRtoNs : rto;
        }
    }
}
