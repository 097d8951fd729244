// Why: the tcp-discard= and tcp-chargen= services (RFC 863, RFC 864), served inside Poll like
// udp-echo=, so they run while Lisp is busy and need no Lisp: a bulk sink and a bulk source
// for the throughput benchmark (bench/net-throughput) and a listening port for the hostile
// traffic tests. Limits: each service holds one listener (backlog ServiceBacklog, 8) and at
// most ServiceConnections (4) connections, all from the table's MaxTcpConnections; a fifth
// accepted connection is reset at once. Discard reads and drops everything and closes when
// the peer closes; chargen sends RFC 864's rotating lines (72 printable characters and CR LF,
// the first character advancing by one per line, a 7030-byte period) as fast as the window
// allows, drops what it receives, and resets when the peer closes its side.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        public const int ServiceConnections = 4, ServiceBacklog = 8;
        public const int ChargenLine = 74, ChargenPeriod = 95 * ChargenLine;

        int discardListener = -1, chargenListener = -1;
        readonly int[] discardConns = NewHandles(), chargenConns = NewHandles();
        readonly int[] chargenPhase = new int[ServiceConnections];
        readonly byte[] serviceBuf = new byte[TcpConn.BufferSize];

        static int[] NewHandles()
        {
            var a = new int[ServiceConnections];
            for (int i = 0; i < ServiceConnections; i++) a[i] = -1;
            return a;
        }

        /// <summary>Byte number phase (0..ChargenPeriod-1) of RFC 864's stream.</summary>
        public static byte ChargenByte(int phase)
        {
            int line = phase / ChargenLine, col = phase % ChargenLine;
            if (col == 72) return (byte)'\r';
            if (col == 73) return (byte)'\n';
            return (byte)(32 + (line + col + 1) % 95);     // RFC 864's first line starts with '!'
        }

        /// <summary>The services' listeners, before Poll handles its first frame: a SYN that
        /// was waiting in the device when the services came up is accepted, not refused.</summary>
        void StartTcpServices()
        {
            if (!Configured) return;
            if (Config.TcpDiscardPort != 0 && discardListener < 0) discardListener = TcpListen(Config.TcpDiscardPort, ServiceBacklog);
            if (Config.TcpChargenPort != 0 && chargenListener < 0) chargenListener = TcpListen(Config.TcpChargenPort, ServiceBacklog);
        }

        void RunTcpServices()
        {
            if (!Configured) return;
            if (Config.TcpDiscardPort != 0) Serve(ref discardListener, Config.TcpDiscardPort, discardConns, false);
            if (Config.TcpChargenPort != 0) Serve(ref chargenListener, Config.TcpChargenPort, chargenConns, true);
        }

        void Serve(ref int listener, int port, int[] conns, bool chargen)
        {
            if (listener < 0 || TcpStateOf(listener) != (int)TcpState.Listen)
            {
                listener = TcpListen(port, ServiceBacklog);      // retried every Poll while it fails
                if (listener < 0) return;
            }
            for (int k = 0; k < MaxBacklog; k++)
            {
                int h = TcpAccept(listener);
                if (h < 0) break;
                int free = -1;
                for (int j = 0; j < ServiceConnections && free < 0; j++) if (conns[j] < 0) free = j;
                if (free < 0) { TcpAbort(h); continue; }
                conns[free] = h;
                if (chargen) chargenPhase[free] = 0;
            }
            for (int j = 0; j < ServiceConnections; j++)
            {
                if (conns[j] < 0) continue;
                if (!DrainService(conns[j]))
                {
                    if (chargen) TcpAbort(conns[j]); else TcpClose(conns[j]);
                    conns[j] = -1;
                    continue;
                }
                if (chargen) FillChargen(conns[j], ref chargenPhase[j]);
            }
        }

        /// <summary>Reads and drops what arrived; false when the connection has ended (the
        /// peer's FIN, a reset, a timeout, a stale handle).</summary>
        bool DrainService(int h)
        {
            fixed (byte* b = serviceBuf)
            {
                for (int k = 0; k < 4; k++)                  // the ring holds at most 16 KiB
                {
                    int r = TcpReceive(h, b, TcpConn.BufferSize);
                    if (r == NetError.WouldBlock) return true;
                    if (r <= 0) return false;
                }
            }
            return true;
        }

        void FillChargen(int h, ref int phase)
        {
            int s = Slot(h);
            if (s < 0) return;
            int room = tcp[s].SendSpace;
            if (room <= 0) return;
            int p = phase;
            for (int i = 0; i < room; i++)
            {
                serviceBuf[i] = ChargenByte(p);
                if (++p == ChargenPeriod) p = 0;
            }
            int n;
            fixed (byte* b = serviceBuf) n = TcpSend(h, b, room);
            if (n > 0) phase = (phase + n) % ChargenPeriod;
        }
    }
}
