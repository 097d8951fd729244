// Why: TCP's table and its API for Lisp: listen/accept/connect/send/receive/close/abort with
// int handles and NetError codes, non-blocking like UDP (TcpReady tells a blocking layer
// when to retry). Limits, all fixed at construction:
//   MaxTcpConnections (32) slots, listeners included, each with 16 KiB + 16 KiB of ring
//   (TcpConn.BufferSize; 1 MiB in all). TIME_WAIT holds its slot, but when the table is full
//   the oldest TIME_WAIT slot is reused. Backlog at most MaxBacklog (16): it bounds a
//   listener's children not yet accepted (SYN-RECEIVED ones included).
// Entry actions of the state machine (TcpMachine.Next) are in Move, below.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        public const int MaxTcpConnections = 32;
        public const int MaxBacklog = 16;
        public const int TcpReadable = 1, TcpWritable = 2, TcpClosedFlag = 4, TcpAcceptable = 8;

        readonly TcpConn[] tcp = NewTcpTable();
        IEntropySource entropy;
        readonly SeededEntropy fallbackEntropy = new SeededEntropy(0);
        ulong isnKey0, isnKey1;
        bool isnKeyed;
        ulong tcpOrder;

        static TcpConn[] NewTcpTable()
        {
            var t = new TcpConn[MaxTcpConnections];
            for (int i = 0; i < MaxTcpConnections; i++) t[i] = new TcpConn();
            return t;
        }

        /// <summary>The entropy for ISNs and ephemeral ports (RFC 6528). Set it before the first
        /// TCP use; the kernel passes RDRAND (or TSC jitter). Default when unset: a SeededEntropy
        /// from our MAC and the clock of the first use: predictable, so only a fallback.</summary>
        public IEntropySource Entropy { get { return entropy; } set { entropy = value; isnKeyed = false; } }

        public NetStack(INetDevice device, NetConfig config, IEntropySource entropy) : this(device, config)
        {
            this.entropy = entropy;
        }

        ulong Random64()
        {
            if (entropy == null)
            {
                ulong seed = now;
                for (int i = 0; i < 6; i++) seed = (seed << 8) ^ mac[i] ^ (seed >> 56);
                fallbackEntropy.Reseed(seed);       // once per stack, on the first TCP use
                entropy = fallbackEntropy;
            }
            return entropy.Next();
        }

        /// <summary>RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
        /// M a 4-microsecond clock, F SipHash-2-4 under a 128-bit key drawn once.</summary>
        uint NewIsn(int localPort, uint remoteIp, int remotePort)
        {
            if (!isnKeyed) { isnKey0 = Random64(); isnKey1 = Random64(); isnKeyed = true; }
            ulong h = SipHash.Hash(isnKey0, isnKey1, Config.Ip, remoteIp, (uint)localPort, (uint)remotePort);
            return (uint)(now / 4000) + (uint)h;
        }

        int Handle(int slot) { return slot + MaxTcpConnections * tcp[slot].Gen; }

        /// <summary>The slot of an application handle, or -1.</summary>
        int Slot(int handle)
        {
            if (handle < 0) return -1;
            int slot = handle % MaxTcpConnections;
            TcpConn c = tcp[slot];
            if (!c.InUse || !c.Owned || c.Gen != handle / MaxTcpConnections) return -1;
            return slot;
        }

        /// <summary>A free slot (reusing the oldest TIME_WAIT one when none is free), or -1.</summary>
        int AllocSlot()
        {
            int tw = -1;
            for (int i = 0; i < MaxTcpConnections; i++)
            {
                if (!tcp[i].InUse) { Claim(i); return i; }
                if (tcp[i].State == TcpState.TimeWait && (tw < 0 || tcp[i].Order < tcp[tw].Order)) tw = i;
            }
            if (tw < 0) return -1;
            Free(tw);
            Claim(tw);
            return tw;
        }

        void Claim(int i)
        {
            TcpConn c = tcp[i];
            int gen = (c.Gen + 1) & 0xFFFFFF;
            c.Reset(gen == 0 ? 1 : gen);
            c.Order = ++tcpOrder;
            c.LastHeardNs = now;
            Stats.TcpConnections++;
        }

        void Free(int i)
        {
            TcpConn c = tcp[i];
            if (!c.InUse) return;
            if (c.State == TcpState.SynReceived) Stats.TcpHalfOpen--;
            if (c.State == TcpState.Listen)
                for (int k = 0; k < MaxTcpConnections; k++)
                    if (tcp[k].InUse && tcp[k].Parent == i && !tcp[k].Accepted) Abort(k);   // unaccepted children go too
            c.InUse = false;
            c.State = TcpState.Closed;
            Stats.TcpConnections--;
        }

        /// <summary>Applies event e to slot i through the one transition function, then the new
        /// state's entry actions.</summary>
        void Move(int i, TcpEvent e)
        {
            TcpConn c = tcp[i];
            TcpState old = c.State, s = TcpMachine.Next(old, e);
            if (s == old) return;
            c.State = s;
            if (old == TcpState.SynReceived) Stats.TcpHalfOpen--;
            if (s == TcpState.SynReceived) { Stats.TcpHalfOpen++; c.SynRcvdDeadline = now + SynRcvdTimeoutNs; }
            if (s == TcpState.Established)
            {
                if (c.Parent >= 0) Stats.TcpPassiveOpens++; else Stats.TcpActiveOpens++;
            }
            if (s == TcpState.TimeWait) { c.TimeWaitAt = now + TimeWaitNs; c.RtxAt = c.PersistAt = 0; }
            if (s == TcpState.Closed)
            {
                c.RtxAt = c.PersistAt = c.TimeWaitAt = 0;
                // The application learns of the end through its handle; without one, or once
                // it closed and read to the end, free now.
                if (!c.Owned || (c.AppClosed && c.EofSeen)) Free(i);
            }
        }

        /// <summary>Sends RST to the peer (when synchronized enough to matter) and closes.</summary>
        void Abort(int i)
        {
            TcpConn c = tcp[i];
            if (c.State != TcpState.Listen && c.State != TcpState.Closed && c.State != TcpState.SynSent
                && c.State != TcpState.TimeWait)
            {
                SendControl(c, c.SndMax, 0, Tcp.Rst);
                Stats.TcpResetsOut++;
            }
            c.Owned = false;
            Move(i, TcpEvent.Reset);
            Free(i);
        }

        bool PortBusy(int port)
        {
            for (int i = 0; i < MaxTcpConnections; i++) if (tcp[i].InUse && tcp[i].LocalPort == port) return true;
            return false;
        }

        /// <summary>Listens on port with a backlog (1..MaxBacklog); a handle or an error.</summary>
        public int TcpListen(int port, int backlog)
        {
            if (!Configured) return NetError.NoNetwork;
            if (port < 1 || port > 65535) return NetError.BadPort;
            for (int i = 0; i < MaxTcpConnections; i++)
                if (tcp[i].InUse && tcp[i].State == TcpState.Listen && tcp[i].LocalPort == port) return NetError.PortInUse;
            int s = AllocSlot();
            if (s < 0) return NetError.NoSockets;
            TcpConn c = tcp[s];
            c.LocalPort = port;
            c.Backlog = backlog < 1 ? 1 : backlog > MaxBacklog ? MaxBacklog : backlog;
            c.Owned = true;
            Move(s, TcpEvent.PassiveOpen);
            return Handle(s);
        }

        /// <summary>The oldest established child of listener not yet accepted: its handle, or WouldBlock.</summary>
        public int TcpAccept(int listener)
        {
            int l = Slot(listener);
            if (l < 0 || tcp[l].State != TcpState.Listen) return NetError.BadSocket;
            int best = FindAcceptable(l);
            if (best < 0) return NetError.WouldBlock;
            tcp[best].Accepted = true;
            tcp[best].Owned = true;
            return Handle(best);
        }

        int FindAcceptable(int l)
        {
            int best = -1;
            for (int i = 0; i < MaxTcpConnections; i++)
            {
                TcpConn c = tcp[i];
                if (!c.InUse || c.Parent != l || c.Accepted || c.State == TcpState.SynReceived) continue;
                if (best < 0 || c.Order < tcp[best].Order) best = i;
            }
            return best;
        }

        /// <summary>Starts an active open to ip:port from an unpredictable ephemeral port; a
        /// handle (the SYN is on its way; TcpStateOf tells when it is Established) or an error.
        /// Our own address is not served (NoRoute): there is no loopback TCP.</summary>
        public int TcpConnect(uint ip, int port)
        {
            if (!Configured) return NetError.NoNetwork;
            if (port < 1 || port > 65535) return NetError.BadPort;
            if (ip == Config.Ip || Ipv4.IsBadSource(ip) || IsBroadcastAddress(ip) || NextHop(ip) == 0) return NetError.NoRoute;
            int local = 0;
            uint r = (uint)Random64();
            for (int k = 0; k < 16384 && local == 0; k++)
            {
                int p = UdpSockets.EphemeralFirst + (int)((r + (uint)k) % 16384);
                if (!PortBusy(p)) local = p;
            }
            if (local == 0) return NetError.NoSockets;
            int s = AllocSlot();
            if (s < 0) return NetError.NoSockets;
            TcpConn c = tcp[s];
            c.LocalPort = local; c.RemoteIp = ip; c.RemotePort = port;
            c.Owned = true;
            InitSend(c, NewIsn(local, ip, port));
            c.RcvShift = 0;
            Move(s, TcpEvent.ActiveOpen);
            SendSyn(c);
            return Handle(s);
        }

        /// <summary>Queues up to len bytes; the count taken (0 when the ring is full) or an error.</summary>
        public int TcpSend(int conn, byte* data, int len)
        {
            int s = Slot(conn);
            if (s < 0) return NetError.BadSocket;
            TcpConn c = tcp[s];
            if (len < 0 || (len > 0 && data == null)) return NetError.TooLong;
            if (c.WasReset) return NetError.Reset;
            if (c.TimedOut) return NetError.TimedOut;
            if (c.FinQueued || !TcpMachine.CanSend(c.State)) return NetError.NotConnected;
            int n = c.SendAppend(data, len);
            if (TcpMachine.Synchronized(c.State)) TcpOutput(s);
            return n;
        }

        /// <summary>Takes received bytes: the count, 0 at end of stream (the peer's FIN), or
        /// WouldBlock, Reset, Refused, TimedOut, BadSocket.</summary>
        public int TcpReceive(int conn, byte* buf, int max)
        {
            int s = Slot(conn);
            if (s < 0) return NetError.BadSocket;
            TcpConn c = tcp[s];
            if (max < 0 || (max > 0 && buf == null)) return NetError.TooLong;
            if (c.RcvLen > 0 && max > 0)
            {
                int n = c.RcvTake(buf, max);
                MaybeWindowUpdate(s);
                return n;
            }
            int r = c.Refused ? NetError.Refused : c.WasReset ? NetError.Reset : c.TimedOut ? NetError.TimedOut
                  : c.FinReceived || c.State == TcpState.Closed ? 0 : NetError.WouldBlock;
            if (r == NetError.WouldBlock) return r;
            c.EofSeen = true;
            if (c.AppClosed && c.State == TcpState.Closed) Free(s);   // the last look at a closed connection
            return r;
        }

        /// <summary>Closes our direction: queued data goes out, then FIN. The handle stays
        /// readable until the connection has ended and TcpReceive has reported its end (0 or an
        /// error), then frees itself (unread, it is reclaimed after OrphanTimeoutNs). A listener closes at once,
        /// resetting its unaccepted children.</summary>
        public int TcpClose(int conn)
        {
            int s = Slot(conn);
            if (s < 0) return NetError.BadSocket;
            TcpConn c = tcp[s];
            c.AppClosed = true;
            if (c.State == TcpState.Listen || c.State == TcpState.SynSent || c.State == TcpState.Closed)
            {
                c.Owned = false;
                Move(s, TcpEvent.Close);
                Free(s);
                return 0;
            }
            if (!c.FinQueued && (c.State == TcpState.Established || c.State == TcpState.CloseWait || c.State == TcpState.SynReceived))
            {
                c.FinQueued = true;
                Move(s, TcpEvent.Close);
                TcpOutput(s);
            }
            return 0;
        }

        /// <summary>Nagle off (noDelay) or on (the default) for conn: with it off, every write
        /// leaves at once however small (interactive echo). 0 or BadSocket.</summary>
        public int TcpSetNoDelay(int conn, bool noDelay)
        {
            int s = Slot(conn);
            if (s < 0) return NetError.BadSocket;
            tcp[s].NoDelay = noDelay;
            if (noDelay && TcpMachine.Synchronized(tcp[s].State)) TcpOutput(s);
            return 0;
        }

        /// <summary>Resets the connection (RST to the peer) and frees the handle at once.</summary>
        public int TcpAbort(int conn)
        {
            int s = Slot(conn);
            if (s < 0) return NetError.BadSocket;
            Abort(s);
            return 0;
        }

        /// <summary>The state as an int (TcpState), or BadSocket.</summary>
        public int TcpStateOf(int conn)
        {
            int s = Slot(conn);
            return s < 0 ? NetError.BadSocket : (int)tcp[s].State;
        }

        /// <summary>TcpReadable | TcpWritable | TcpClosedFlag | TcpAcceptable, or BadSocket.</summary>
        public int TcpReady(int conn)
        {
            int s = Slot(conn);
            if (s < 0) return NetError.BadSocket;
            TcpConn c = tcp[s];
            if (c.State == TcpState.Listen) return FindAcceptable(s) >= 0 ? TcpAcceptable : 0;
            int f = 0;
            bool ended = c.State == TcpState.Closed || c.WasReset || c.TimedOut || c.Refused;
            if (c.RcvLen > 0 || c.FinReceived || ended) f |= TcpReadable;
            if (!ended && !c.FinQueued && TcpMachine.CanSend(c.State) && c.SendSpace > 0) f |= TcpWritable;
            if (ended) f |= TcpClosedFlag;
            return f;
        }

        public int TcpLocalPort(int conn) { int s = Slot(conn); return s < 0 ? NetError.BadSocket : tcp[s].LocalPort; }

        /// <summary>The peer's address and port; 0 or BadSocket.</summary>
        public int TcpRemote(int conn, out uint ip, out int port)
        {
            int s = Slot(conn);
            ip = 0; port = 0;
            if (s < 0) return NetError.BadSocket;
            ip = tcp[s].RemoteIp; port = tcp[s].RemotePort;
            return 0;
        }
    }
}
