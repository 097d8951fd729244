// Why: the stack's face to the rest of the system: Poll drains the device and runs timers,
// UDP sockets for Lisp (udp-open/udp-send/udp-receive), stats and the ARP cache for
// (net-stats). Every buffer and table is allocated in the constructor with a stated limit;
// after that nothing allocates, nothing throws, and every received byte is hostile input.
// Results: >= 0 success (a count or a socket number), < 0 a NetError.
namespace LispVm.Net
{
    public static class NetError
    {
        public const int NoNetwork = -1;   // the stack is not configured
        public const int BadSocket = -2;   // not an open socket number
        public const int PortInUse = -3;
        public const int NoSockets = -4;   // MaxUdpSockets open already
        public const int TooLong = -5;     // payload larger than one unfragmented datagram
        public const int NoRoute = -6;     // off-subnet with no gateway
        public const int WouldBlock = -7;  // nothing received yet
        public const int BadPort = -8;
    }

    public sealed unsafe class NetStack
    {
        public const int MaxUdpSockets = 16;
        public const int MaxUdpPayload = 1472;     // 1500 - 20 (IPv4) - 8 (UDP): no fragments
        public const int ArpCacheSize = 32;

        public readonly NetStats Stats = new NetStats();
        public NetConfig Config;

        public NetStack(INetDevice device, NetConfig config)
        {
            Config = config;   // TODO(net helper)
        }

        /// <summary>Handles what the device received (at most a bounded batch per call) and runs
        /// timers (ARP expiry, retries). nowNs: a monotonic clock. True if any frame was handled.</summary>
        public bool Poll(ulong nowNs) { return false; }

        /// <summary>Sends the gratuitous ARP announcing our address (call once at start).</summary>
        public void Announce() { }

        /// <summary>Opens a UDP socket on port (0: an ephemeral port); the socket number or an error.</summary>
        public int UdpOpen(int port) { return NetError.NoNetwork; }
        public int UdpClose(int socket) { return NetError.BadSocket; }
        /// <summary>The local port of an open socket, or an error.</summary>
        public int UdpLocalPort(int socket) { return NetError.BadSocket; }
        /// <summary>Sends one datagram; len or an error. An unresolved next hop queues it behind
        /// an ARP request (bounded; a failed resolution is counted as a drop).</summary>
        public int UdpSend(int socket, uint dstIp, int dstPort, byte* data, int len) { return NetError.NoNetwork; }
        /// <summary>Takes the next queued datagram: its length (copied up to max) or WouldBlock.</summary>
        public int UdpReceive(int socket, byte* buf, int max, out uint srcIp, out int srcPort)
        {
            srcIp = 0; srcPort = 0;
            return NetError.WouldBlock;
        }
        /// <summary>True when a datagram is queued for socket.</summary>
        public bool UdpReady(int socket) { return false; }

        /// <summary>Copies the ARP cache: ips[i], macs[6*i..], ageMs[i]; returns the count (at most max).</summary>
        public int ArpEntries(uint* ips, byte* macs, long* ageMs, int max) { return 0; }
    }
}
