// Why: everything TCP sends: SYN and SYN-ACK with MSS and window-scale options, data within
// min(peer window, congestion window) in segments of at most the MSS, FIN after the data, bare
// ACKs, RSTs and window probes. Segments are built in txBuf and go through SendIpv4 (ARP
// may hold one per next hop; a lost one is retransmitted like any loss). We ACK every
// segment that carries data at once (no delayed ACK). Small segments follow Nagle (RFC 896)
// in Minshall's form, as Linux does: a segment shorter than the MSS that ends the queued data
// waits while an earlier short segment is unacknowledged, so many small writes (the REPL's
// flushes) coalesce into full segments, while a write of any size still leaves at once when
// nothing short is in flight. Full segments, retransmissions, probes and the data before a
// FIN never wait; TcpSetNoDelay turns the rule off for one connection.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        int OurMss { get { return mtu - Ipv4.HeaderLength - Tcp.HeaderLength; } }

        void InitSend(TcpConn c, uint iss)
        {
            c.Iss = iss; c.SndUna = iss; c.SndNxt = iss; c.SndMax = iss;
            c.SndBufSeq = iss + 1;
            c.SndSml = iss;                 // no short segment in flight (Nagle)
            c.RtoNs = TcpInitialRtoNs;
            // Mss is not touched: a passive child has it from the peer's SYN already
            // (SetPeerOptions); an active open keeps TcpConn.Reset's 536 until the SYN-ACK.
        }

        /// <summary>The window we advertise (unscaled value for the header).</summary>
        int AdvertiseWindow(TcpConn c)
        {
            uint w = (uint)c.RcvSpace;
            uint edge = c.RcvNxt + w;
            if (Tcp.Lt(edge, c.RcvAdv)) w = c.RcvAdv - c.RcvNxt;   // never shrink (RFC 9293 3.8.6.2.2)
            else c.RcvAdv = edge;
            w >>= c.RcvShift;
            return w > 65535 ? 65535 : (int)w;
        }

        /// <summary>Sends one segment of conn: seq, flags, dataLen bytes from the send ring at
        /// seq (data) and SYN options when flags has SYN. ACK is added once we know RCV.NXT.</summary>
        void SendSegment(TcpConn c, uint seq, int flags, int dataLen)
        {
            if (c.State != TcpState.SynSent) flags |= Tcp.AckFlag;
            // A SYN-ACK carries window scale only when the SYN did (RFC 7323 1.3).
            int opts = (flags & Tcp.Syn) == 0 ? 0 : c.State == TcpState.SynSent || c.WsOk ? Tcp.SynOptionsLength : 4;
            int hl = Tcp.HeaderLength + opts;
            int len = hl + dataLen;
            int win = (flags & Tcp.Syn) != 0 ? (c.RcvSpace > 65535 ? 65535 : c.RcvSpace) : AdvertiseWindow(c);
            fixed (byte* t = txBuf)
            {
                byte* p = t + Ethernet.HeaderLength + Ipv4.HeaderLength;
                if (opts != 0) Tcp.WriteSynOptions(p + Tcp.HeaderLength, OurMss, c.RcvShift);
                if (dataLen > 0) c.SendCopy((int)(seq - c.SndBufSeq), p + hl, dataLen);
                uint ack = (flags & Tcp.AckFlag) != 0 ? c.RcvNxt : 0;
                Tcp.WriteHeader(p, c.LocalPort, c.RemotePort, seq, ack, hl, flags, win, len, Config.Ip, c.RemoteIp);
            }
            if (SendIpv4(c.RemoteIp, Ipv4.ProtoTcp, len)) Stats.TcpSegsOut++;
        }

        /// <summary>A segment without data and without SYN (ACK, RST|ACK, FIN|ACK at seq).</summary>
        void SendControl(TcpConn c, uint seq, int dataLen, int flags) { SendSegment(c, seq, flags, dataLen); }

        /// <summary>A bare ACK carries SND.MAX, not SND.NXT: after a go-back-N rewind the peer has
        /// seen bytes beyond SND.NXT and would drop the ACK as old (as BSD does; a probe byte excepted).</summary>
        void SendAck(TcpConn c) { SendSegment(c, c.Probed ? c.SndMax - 1 : c.SndMax, 0, 0); }

        /// <summary>SYN (active open) or SYN-ACK (passive), and the retransmission timer.</summary>
        void SendSyn(TcpConn c)
        {
            SendSegment(c, c.Iss, Tcp.Syn, 0);
            if (Tcp.Lt(c.SndNxt, c.Iss + 1)) c.SndNxt = c.Iss + 1;
            if (Tcp.Lt(c.SndMax, c.SndNxt)) c.SndMax = c.SndNxt;
            if (c.RtxAt == 0) c.RtxAt = now + (ulong)c.RtoNs;
        }

        /// <summary>Sends what the windows allow: data from SND.NXT, then FIN once all data is
        /// out; arms the retransmission timer, or the persist timer for a zero window.</summary>
        void TcpOutput(int i)
        {
            TcpConn c = tcp[i];
            if (!TcpMachine.Synchronized(c.State) || c.State == TcpState.TimeWait) return;
            uint wnd = c.SndWnd < c.Cwnd ? c.SndWnd : c.Cwnd;
            for (int guard = 0; guard < 64; guard++)
            {
                int off = (int)(c.SndNxt - c.SndBufSeq);
                if (off < 0) off = 0;
                int avail = c.SndLen - off;
                int inFlight = (int)(c.SndNxt - c.SndUna);
                int room = (int)wnd - inFlight;
                if (avail > 0 && room > 0)
                {
                    int n = avail < c.Mss ? avail : c.Mss;
                    if (n > room) n = room;
                    if (NagleHolds(c, n, avail)) break;
                    int flags = n == avail ? Tcp.Psh : 0;
                    if (n < c.Mss) c.SndSml = c.SndNxt + (uint)n;
                    StartRtt(c, c.SndNxt);
                    SendSegment(c, c.SndNxt, flags, n);
                    AdvanceSndNxt(c, (uint)n, Tcp.Lt(c.SndNxt, c.SndMax));
                    continue;
                }
                if (avail <= 0 && c.FinQueued && !Tcp.Gt(c.SndNxt, c.SndBufSeq + (uint)c.SndLen))
                {
                    // FIN takes one sequence number after the data; sent regardless of the window.
                    if (c.SndNxt == c.SndBufSeq + (uint)c.SndLen)
                    {
                        SendSegment(c, c.SndNxt, Tcp.Fin, 0);
                        c.FinSent = true;
                        AdvanceSndNxt(c, 1, Tcp.Lt(c.SndNxt, c.SndMax));
                    }
                }
                break;
            }
            if (c.SndNxt != c.SndUna) { if (c.RtxAt == 0) c.RtxAt = now + (ulong)c.RtoNs; c.PersistAt = 0; }
            else if (c.SndWnd == 0 && c.SndLen > 0 && c.PersistAt == 0) { c.PersistAt = now + PersistInterval(c); }
        }

        /// <summary>Minshall's Nagle: hold n bytes (all that is queued, under one MSS) while a
        /// short segment sent earlier is unacknowledged. Never for a retransmission, the
        /// data before our FIN, or a NoDelay connection; a window-limited segment is not held.</summary>
        static bool NagleHolds(TcpConn c, int n, int avail)
        {
            if (c.NoDelay || n >= c.Mss || n != avail || c.FinQueued) return false;
            if (Tcp.Lt(c.SndNxt, c.SndMax)) return false;           // go-back-N resends what it sent
            return Tcp.Gt(c.SndSml, c.SndUna) && Tcp.Le(c.SndSml, c.SndMax);
        }

        void AdvanceSndNxt(TcpConn c, uint n, bool retransmit)
        {
            if (retransmit && !(c.Probed && c.SndNxt + 1 == c.SndMax)) Stats.TcpRetransmits++;
            c.Probed = false;
            c.SndNxt += n;
            if (Tcp.Gt(c.SndNxt, c.SndMax)) c.SndMax = c.SndNxt;
        }

        /// <summary>Times one segment at a time (RFC 6298 with Karn: never a retransmitted one).</summary>
        void StartRtt(TcpConn c, uint seq)
        {
            if (c.RttTiming || Tcp.Lt(seq, c.SndMax)) return;
            c.RttTiming = true;
            c.RttSeq = seq;
            c.RttStartNs = now;
        }

        ulong PersistInterval(TcpConn c)
        {
            long t = c.RtoNs < TcpMinRtoNs ? TcpMinRtoNs : c.RtoNs;
            for (int k = 0; k < c.PersistBackoff && t < TcpMaxRtoNs; k++) t *= 2;
            return (ulong)(t > TcpMaxRtoNs ? TcpMaxRtoNs : t);
        }

        /// <summary>After the application read: announce a window that opened from below one
        /// MSS to at least one MSS (or half the ring), so a sender stuck at zero resumes now.</summary>
        void MaybeWindowUpdate(int i)
        {
            TcpConn c = tcp[i];
            if (!TcpMachine.CanReceive(c.State)) return;
            uint advertised = c.RcvAdv - c.RcvNxt;
            int space = c.RcvSpace;
            int threshold = c.Mss < TcpConn.BufferSize / 2 ? c.Mss : TcpConn.BufferSize / 2;
            if (advertised < (uint)threshold && space >= threshold) SendAck(c);
        }

        /// <summary>RST for a segment that belongs to no connection (RFC 9293 3.10.7.1), rate
        /// limited. seg* describe the offending segment; never answers a RST.</summary>
        void SendResetFor(uint src, uint dst, int sport, int dport, uint segSeq, uint segAck, int segFlags, int segLen)
        {
            if ((segFlags & Tcp.Rst) != 0) return;
            if (!TakeControlToken()) { Stats.TcpRstLimited++; return; }
            uint seq, ack; int flags;
            if ((segFlags & Tcp.AckFlag) != 0) { seq = segAck; ack = 0; flags = Tcp.Rst; }
            else
            {
                seq = 0; flags = Tcp.Rst | Tcp.AckFlag;
                ack = segSeq + (uint)segLen + ((segFlags & Tcp.Syn) != 0 ? 1u : 0) + ((segFlags & Tcp.Fin) != 0 ? 1u : 0);
            }
            fixed (byte* t = txBuf)
            {
                byte* p = t + Ethernet.HeaderLength + Ipv4.HeaderLength;
                Tcp.WriteHeader(p, dport, sport, seq, ack, Tcp.HeaderLength, flags, 0, Tcp.HeaderLength, dst, src);
            }
            if (SendIpv4(src, Ipv4.ProtoTcp, Tcp.HeaderLength)) { Stats.TcpSegsOut++; Stats.TcpResetsOut++; }
        }

        /// <summary>Token bucket shared by RSTs to closed ports and challenge ACKs:
        /// TcpControlPerSecond per second, bursts of as many.</summary>
        bool TakeControlToken()
        {
            if (now >= controlRefillNs + 1000000000UL || controlRefillNs == 0)
            {
                controlTokens = TcpControlPerSecond;
                controlRefillNs = now == 0 ? 1 : now;
            }
            if (controlTokens <= 0) return false;
            controlTokens--;
            return true;
        }

        int controlTokens;
        ulong controlRefillNs;
    }
}
