// Why: one transmission control block (RFC 9293 3.3.1) with its two byte rings, allocated
// once when the stack is built and reused: BufferSize (16 KiB) to send and 16 KiB to
// receive. The receive ring also holds out-of-order data at its place inside the window;
// OooMax (8) ranges remember which parts beyond RcvNxt are there (more: the segment is
// dropped, counted tcp-reassembly-full). Vocabulary: SND.UNA/NXT/WND, RCV.NXT as in the RFC;
// SndMax is the highest sequence ever sent (go-back-N retransmission rewinds SndNxt).
namespace LispVm.Net
{
    public sealed unsafe class TcpConn
    {
        public const int BufferSize = 16384;
        public const int OooMax = 8;

        public TcpState State;
        public int Gen;                    // bumped on every reuse: stale handles fail
        public bool InUse, Owned;          // Owned: the application holds the handle
        public bool AppClosed;             // TcpClose called: the slot frees itself once Closed
        public bool EofSeen;               // TcpReceive returned 0 or an error to the application
        public bool WasReset, TimedOut, Refused;
        public bool WsOk;                  // both sides sent window scale (RFC 7323)
        public int Parent = -1;            // a listener's slot for a passive child
        public bool Accepted;
        public int Backlog;                // for a listener
        public ulong Order;                // creation order (accept queue, TIME_WAIT reuse)
        public uint RemoteIp;
        public int LocalPort, RemotePort;

        // send side
        public uint Iss, SndUna, SndNxt, SndMax, SndWl1, SndWl2;
        public uint SndWnd;                // peer's window, scaled
        public int SndShift, RcvShift;     // window scale: peer's (applied to its windows), ours
        public int Mss;                    // largest segment we send
        public uint Cwnd, Ssthresh;
        public int DupAcks;
        public bool InRecovery;            // fast recovery (RFC 6582) until SND.UNA passes Recover
        public uint Recover;
        public readonly byte[] SndBuf = new byte[BufferSize];
        public int SndHead, SndLen;        // ring: SndLen bytes from SndHead, first at SndBufSeq
        public uint SndBufSeq;
        public bool Probed;                // a zero-window probe put SndMax one past SndNxt
        public bool FinQueued, FinSent;    // FinQueued: FIN's sequence is SndBufSeq + SndLen
        public bool NoDelay;               // Nagle off (TcpSetNoDelay): small segments go at once
        public uint SndSml;                // end of the last segment shorter than Mss sent (Minshall)

        // receive side
        public uint Irs, RcvNxt, RcvAdv;   // RcvAdv: right edge of the window we advertised
        public readonly byte[] RcvBuf = new byte[BufferSize];
        public int RcvHead, RcvLen;        // in-order unread bytes
        public readonly uint[] OooStart = new uint[OooMax], OooEnd = new uint[OooMax];
        public int OooCount;
        public bool FinPending;            // a FIN beyond RcvNxt arrived; it is at FinSeq
        public uint FinSeq;
        public bool FinReceived;

        // timers (ns; 0 = off)
        public ulong RtxAt, PersistAt, TimeWaitAt, SynRcvdDeadline, LastHeardNs;
        public long SrttNs, RttvarNs, RtoNs;
        public int Backoff, PersistBackoff;
        public bool RttTiming;
        public uint RttSeq;
        public ulong RttStartNs;

        public void Reset(int gen)
        {
            State = TcpState.Closed; Gen = gen; InUse = true; Owned = false; AppClosed = false; EofSeen = false;
            WasReset = TimedOut = Refused = WsOk = false; Parent = -1; Accepted = false; Backlog = 0;
            RemoteIp = 0; LocalPort = RemotePort = 0;
            Iss = SndUna = SndNxt = SndMax = SndWl1 = SndWl2 = SndWnd = 0; SndShift = RcvShift = 0;
            Mss = 536; Cwnd = Ssthresh = 0; DupAcks = 0; InRecovery = false; Recover = 0; SndHead = SndLen = 0; SndBufSeq = 0;
            FinQueued = FinSent = Probed = false; NoDelay = false; SndSml = 0;
            Irs = RcvNxt = RcvAdv = 0; RcvHead = RcvLen = 0; OooCount = 0;
            FinPending = FinReceived = false; FinSeq = 0;
            RtxAt = PersistAt = TimeWaitAt = SynRcvdDeadline = LastHeardNs = 0;
            SrttNs = RttvarNs = 0; RtoNs = 0; Backoff = PersistBackoff = 0;
            RttTiming = false; RttSeq = 0; RttStartNs = 0;
        }

        public int SendSpace { get { return BufferSize - SndLen; } }
        public int RcvSpace { get { return BufferSize - RcvLen; } }

        /// <summary>Appends up to len bytes to the send ring; the count taken.</summary>
        public int SendAppend(byte* data, int len)
        {
            int n = len < SendSpace ? len : SendSpace;
            int tail = (SndHead + SndLen) % BufferSize;
            fixed (byte* b = SndBuf)
                for (int i = 0; i < n; i++) { b[tail] = data[i]; tail = tail + 1 == BufferSize ? 0 : tail + 1; }
            SndLen += n;
            return n;
        }

        /// <summary>Copies len bytes starting off bytes into the send ring to dst.</summary>
        public void SendCopy(int off, byte* dst, int len)
        {
            int pos = (SndHead + off) % BufferSize;
            fixed (byte* b = SndBuf)
                for (int i = 0; i < len; i++) { dst[i] = b[pos]; pos = pos + 1 == BufferSize ? 0 : pos + 1; }
        }

        /// <summary>Drops n acknowledged bytes from the front of the send ring.</summary>
        public void SendConsume(int n)
        {
            SndHead = (SndHead + n) % BufferSize;
            SndLen -= n;
            SndBufSeq += (uint)n;
        }

        /// <summary>Stores len bytes of sequence seq (within the window: seq - RcvNxt + len
        /// &lt;= RcvSpace, checked by the caller) and advances RcvNxt over whatever is now
        /// contiguous. False when the range had to be remembered but OooMax ranges are in use.</summary>
        public bool RcvStore(uint seq, byte* data, int len)
        {
            int d = (int)(seq - RcvNxt);
            int pos = (RcvHead + RcvLen + d) % BufferSize;
            fixed (byte* b = RcvBuf)
                for (int i = 0; i < len; i++) { b[pos] = data[i]; pos = pos + 1 == BufferSize ? 0 : pos + 1; }
            if (d == 0) { RcvNxt += (uint)len; RcvLen += len; }
            else if (!OooAdd(seq, seq + (uint)len)) return false;
            // Absorb the remembered ranges that now touch RcvNxt.
            bool moved = true;
            while (moved)
            {
                moved = false;
                for (int i = 0; i < OooCount; i++)
                {
                    if (Tcp.Gt(OooStart[i], RcvNxt)) continue;
                    if (Tcp.Gt(OooEnd[i], RcvNxt)) { RcvLen += (int)(OooEnd[i] - RcvNxt); RcvNxt = OooEnd[i]; }
                    OooRemove(i);
                    moved = true;
                    break;
                }
            }
            return true;
        }

        bool OooAdd(uint s, uint e)
        {
            for (int i = 0; i < OooCount; i++)
            {
                if (Tcp.Gt(s, OooEnd[i]) || Tcp.Lt(e, OooStart[i])) continue;
                // Overlapping or touching: widen this range, then fold in any it now reaches.
                if (Tcp.Lt(s, OooStart[i])) OooStart[i] = s;
                if (Tcp.Gt(e, OooEnd[i])) OooEnd[i] = e;
                bool again = true;
                while (again)
                {
                    again = false;
                    for (int j = 0; j < OooCount; j++)
                    {
                        if (j == i || Tcp.Gt(OooStart[j], OooEnd[i]) || Tcp.Lt(OooEnd[j], OooStart[i])) continue;
                        if (Tcp.Lt(OooStart[j], OooStart[i])) OooStart[i] = OooStart[j];
                        if (Tcp.Gt(OooEnd[j], OooEnd[i])) OooEnd[i] = OooEnd[j];
                        int last = OooCount - 1;
                        OooRemove(j);
                        if (i == last) i = j;
                        again = true;
                        break;
                    }
                }
                return true;
            }
            if (OooCount == OooMax) return false;
            OooStart[OooCount] = s; OooEnd[OooCount] = e; OooCount++;
            return true;
        }

        void OooRemove(int i)
        {
            OooCount--;
            OooStart[i] = OooStart[OooCount];
            OooEnd[i] = OooEnd[OooCount];
        }

        /// <summary>Takes up to max in-order bytes into dst; the count.</summary>
        public int RcvTake(byte* dst, int max)
        {
            int n = max < RcvLen ? max : RcvLen;
            fixed (byte* b = RcvBuf)
                for (int i = 0; i < n; i++) { dst[i] = b[RcvHead]; RcvHead = RcvHead + 1 == BufferSize ? 0 : RcvHead + 1; }
            RcvLen -= n;
            return n;
        }
    }
}
