// Why: the stack's face to the rest of the system: Poll drains the device and runs timers,
// UDP sockets for Lisp (udp-open/udp-send/udp-receive), stats and the ARP cache for
// (net-stats). Every buffer and table is allocated in the constructor with a stated limit;
// after that nothing allocates, nothing throws, and every received byte is hostile input.
// Results: >= 0 success (a count or a socket number), < 0 a NetError.
// The layers live in partial files: NetStack.Arp.cs, NetStack.Ipv4.cs, NetStack.Icmp.cs,
// NetStack.Udp.cs, NetStack.Tcp*.cs (the tcp-discard=/tcp-chargen= services in
// NetStack.TcpServices.cs); the wire formats in Ethernet.cs, Arp.cs, Ipv4.cs, Icmp.cs,
// Udp.cs, Tcp.cs.
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
        public const int Refused = -9;     // TCP: the peer answered our SYN with RST
        public const int Reset = -10;      // TCP: the connection was reset
        public const int TimedOut = -11;   // TCP: retransmissions gave up
        public const int NotConnected = -12; // TCP: wrong state for this call (e.g. send after close)
    }

    public sealed unsafe partial class NetStack
    {
        public const int MaxUdpSockets = 16;
        public const int MaxUdpPayload = 1472;     // 1500 - 20 (IPv4) - 8 (UDP): no fragments
        public const int ArpCacheSize = 32;
        /// <summary>Frames handled per Poll at most, so a flood cannot starve the caller.</summary>
        public const int RxBatch = 64;
        /// <summary>Receive/transmit buffer size: a 1514-byte frame plus slack (longer frames are
        /// dropped by the device; a device that reports more is counted too-long).</summary>
        public const int BufferSize = 1536;

        public readonly NetStats Stats = new NetStats();
        public NetConfig Config;

        readonly INetDevice device;
        readonly int mtu;                 // largest IP packet we send: device MTU within 68..1500
        readonly byte[] mac = new byte[6];
        readonly byte[] rxBuf = new byte[BufferSize];
        readonly byte[] txBuf = new byte[BufferSize];
        readonly byte[] arpBuf = new byte[Ethernet.MinFrame];
        readonly ArpCache arp = new ArpCache(ArpCacheSize);
        readonly ArpPending pending = new ArpPending();
        readonly UdpSockets sockets = new UdpSockets(MaxUdpSockets, MaxUdpPayload);
        ulong now;                        // the clock of the last Poll
        int ipId;

        public NetStack(INetDevice device, NetConfig config)
        {
            this.device = device;
            Config = config;
            int m = device == null ? 1500 : device.Mtu;
            mtu = m < 68 ? 68 : m > 1500 ? 1500 : m;
            if (device != null) fixed (byte* p = mac) device.GetMac(p);
        }

        bool Configured { get { return Config.Ip != 0 && device != null; } }

        /// <summary>Our MAC address (6 bytes copied to dst).</summary>
        public void GetMac(byte* dst) { fixed (byte* p = mac) Bytes.Copy(dst, p, 6); }

        /// <summary>Handles what the device received (at most a bounded batch per call) and runs
        /// timers (ARP expiry, retries). nowNs: a monotonic clock. True if any frame was handled.</summary>
        public bool Poll(ulong nowNs)
        {
            if (nowNs > now) now = nowNs;
            bool any = false;
            StartTcpServices();
            if (device != null)
            {
                fixed (byte* rx = rxBuf)
                {
                    for (int i = 0; i < RxBatch; i++)
                    {
                        int n = device.Receive(rx, BufferSize);
                        if (n <= 0) break;
                        any = true;
                        Stats.RxPackets++;
                        if (n > BufferSize) { Stats.RxBytes += BufferSize; Stats.Drop(DropReason.TooLong); continue; }
                        Stats.RxBytes += n;
                        HandleFrame(rx, n);
                    }
                }
            }
            RunArpTimers();
            RunTcpTimers();
            RunTcpServices();
            return any;
        }

        void HandleFrame(byte* f, int n)
        {
            if (n < Ethernet.HeaderLength) { Stats.Drop(DropReason.TooShort); return; }
            bool toUs;
            fixed (byte* m = mac) toUs = Bytes.Equal(f + Ethernet.DstOffset, m, 6);
            if (!toUs && !Ethernet.IsBroadcast(f + Ethernet.DstOffset)) { Stats.Drop(DropReason.NotForUs); return; }
            int type = Bytes.Get16(f + Ethernet.TypeOffset);
            byte* p = f + Ethernet.HeaderLength;
            int len = n - Ethernet.HeaderLength;
            if (type == Ethernet.TypeArp) HandleArp(p, len);
            else if (type == Ethernet.TypeIpv4) HandleIpv4(p, len);
            else Stats.Drop(DropReason.BadEtherType);
        }

        void Handled() { Stats.RxHandled++; }

        /// <summary>Hands a whole frame to the device, counting it or the drop.</summary>
        bool Transmit(byte* frame, int len)
        {
            if (device == null || !device.Transmit(frame, len)) { Stats.Drop(DropReason.TxDeviceBusy); return false; }
            Stats.TxPackets++;
            Stats.TxBytes += len;
            return true;
        }

        /// <summary>Copies the ARP cache: ips[i], macs[6*i..], ageMs[i]; returns the count (at most max).</summary>
        public int ArpEntries(uint* ips, byte* macs, long* ageMs, int max)
        {
            if (max <= 0) return 0;
            return arp.Copy(ips, macs, ageMs, max, now);
        }
    }
}
