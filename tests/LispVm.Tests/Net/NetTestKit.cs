// Why: the network tests' rig: an in-memory device (queues of frames), a hub wire joining
// several devices, and plain C# frame builders with a straightforward reference checksum, so
// every test crafts exact bytes and reads the stack's real output.
using LispVm.Net;

namespace LispVm.Tests.Net
{
    public sealed unsafe class FakeDevice : INetDevice
    {
        public readonly byte[] Mac;
        public int MtuValue = 1500;
        public bool Busy;
        public int ReportLength = -1;         // >= 0: Receive claims this length (a lying device)
        public readonly Queue<byte[]> RxQueue = new Queue<byte[]>();
        public readonly List<byte[]> Sent = new List<byte[]>();
        public Hub Wire;

        public FakeDevice(byte[] mac) { Mac = mac; }

        public void GetMac(byte* mac) { for (int i = 0; i < 6; i++) mac[i] = Mac[i]; }
        public int Mtu => MtuValue;

        public bool Transmit(byte* frame, int length)
        {
            if (Busy) return false;
            var f = new byte[length];
            for (int i = 0; i < length; i++) f[i] = frame[i];
            Sent.Add(f);
            Wire?.Carry(this, f);
            return true;
        }

        public int Receive(byte* buf, int max)
        {
            while (RxQueue.Count > 0)
            {
                var f = RxQueue.Dequeue();
                if (f.Length > max) continue;          // the device drops oversize frames
                for (int i = 0; i < f.Length; i++) buf[i] = f[i];
                return ReportLength >= 0 ? ReportLength : f.Length;
            }
            return 0;
        }

        public List<byte[]> TakeSent() { var l = new List<byte[]>(Sent); Sent.Clear(); return l; }
    }

    /// <summary>A shared segment: every frame reaches every other device (the stacks filter).</summary>
    public sealed class Hub
    {
        readonly List<FakeDevice> devices = new List<FakeDevice>();
        public void Attach(FakeDevice d) { devices.Add(d); d.Wire = this; }
        public void Carry(FakeDevice from, byte[] f)
        {
            foreach (var d in devices) if (d != from) d.RxQueue.Enqueue((byte[])f.Clone());
        }
    }

    public static unsafe class Rig
    {
        public static readonly byte[] MacA = { 0x02, 0, 0, 0, 0, 0x0A };
        public static readonly byte[] MacB = { 0x02, 0, 0, 0, 0, 0x0B };
        public static readonly byte[] MacHost = { 0x02, 0, 0, 0, 0, 0x33 };
        public static readonly byte[] MacGw = { 0x02, 0, 0, 0, 0, 0x01 };
        public static readonly byte[] Bcast = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
        public const uint IpA = 0x0A000002, IpB = 0x0A000004, IpHost = 0x0A000003, IpGw = 0x0A000001;
        public const uint IpFar = 0x08080808;
        public const ulong Sec = 1000000000UL;

        public static NetConfig Config(uint ip, uint gw = IpGw, ushort echo = 7)
        {
            return new NetConfig { Ip = ip, PrefixLength = 24, Gateway = gw, EchoPort = echo };
        }

        public static (NetStack, FakeDevice) Stack(uint ip = IpA, byte[] mac = null, uint gw = IpGw, ushort echo = 7)
        {
            var d = new FakeDevice(mac ?? MacA);
            return (new NetStack(d, Config(ip, gw, echo)), d);
        }

        public static long Drops(NetStack s, DropReason r) => s.Stats.Drops[(int)r];

        public static long TotalDrops(NetStack s) => s.Stats.Drops.Sum();

        /// <summary>Feeds one frame and polls; returns the frames the stack sent.</summary>
        public static List<byte[]> Feed(NetStack s, FakeDevice d, byte[] frame, ulong now = Sec)
        {
            d.RxQueue.Enqueue(frame);
            s.Poll(now);
            return d.TakeSent();
        }

        // ---- reference checksum: RFC 1071 written the obvious way ----
        public static ushort RefChecksum(byte[] b, int off, int len, uint initial = 0)
        {
            long sum = initial;
            for (int i = 0; i < len; i += 2)
            {
                int hi = b[off + i];
                int lo = i + 1 < len ? b[off + i + 1] : 0;
                sum += (hi << 8) | lo;
            }
            while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
            return (ushort)(~sum & 0xFFFF);
        }

        public static uint RefPseudo(uint src, uint dst, int proto, int len)
        {
            return (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + (uint)proto + (uint)len;
        }

        public static ushort Get16(byte[] b, int o) => (ushort)((b[o] << 8) | b[o + 1]);
        public static uint Get32(byte[] b, int o) => ((uint)b[o] << 24) | ((uint)b[o + 1] << 16) | ((uint)b[o + 2] << 8) | b[o + 3];
        public static void Put16(byte[] b, int o, int v) { b[o] = (byte)(v >> 8); b[o + 1] = (byte)v; }
        public static void Put32(byte[] b, int o, uint v) { b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v; }

        // ---- builders ----
        public static byte[] Eth(byte[] dst, byte[] src, int type, byte[] payload)
        {
            var f = new byte[14 + payload.Length];
            Array.Copy(dst, 0, f, 0, 6);
            Array.Copy(src, 0, f, 6, 6);
            Put16(f, 12, type);
            Array.Copy(payload, 0, f, 14, payload.Length);
            return f;
        }

        public static byte[] ArpPacket(int op, byte[] sha, uint spa, byte[] tha, uint tpa)
        {
            var p = new byte[28];
            Put16(p, 0, 1); Put16(p, 2, 0x0800); p[4] = 6; p[5] = 4; Put16(p, 6, op);
            Array.Copy(sha, 0, p, 8, 6); Put32(p, 14, spa);
            Array.Copy(tha ?? new byte[6], 0, p, 18, 6); Put32(p, 24, tpa);
            return p;
        }

        public static byte[] ArpRequest(byte[] sha, uint spa, uint tpa, byte[] ethDst = null)
            => Eth(ethDst ?? Bcast, sha, 0x0806, ArpPacket(1, sha, spa, null, tpa));

        public static byte[] ArpReply(byte[] sha, uint spa, byte[] tha, uint tpa)
            => Eth(tha, sha, 0x0806, ArpPacket(2, sha, spa, tha, tpa));

        public static byte[] IpPacket(uint src, uint dst, int proto, byte[] payload, int flags = 0x4000, int id = 1,
                                byte[] options = null, int ttl = 64)
        {
            int hl = 20 + (options?.Length ?? 0);
            var p = new byte[hl + payload.Length];
            p[0] = (byte)(0x40 | (hl / 4)); Put16(p, 2, p.Length); Put16(p, 4, id); Put16(p, 6, flags);
            p[8] = (byte)ttl; p[9] = (byte)proto; Put32(p, 12, src); Put32(p, 16, dst);
            if (options != null) Array.Copy(options, 0, p, 20, options.Length);
            Put16(p, 10, RefChecksum(p, 0, hl));
            Array.Copy(payload, 0, p, hl, payload.Length);
            return p;
        }

        public static byte[] IcmpMsg(int type, int code, int id, int seq, byte[] data)
        {
            var m = new byte[8 + data.Length];
            m[0] = (byte)type; m[1] = (byte)code; Put16(m, 4, id); Put16(m, 6, seq);
            Array.Copy(data, 0, m, 8, data.Length);
            Put16(m, 2, RefChecksum(m, 0, m.Length));
            return m;
        }

        public static byte[] UdpDgram(uint src, uint dst, int sport, int dport, byte[] data, bool checksum = true)
        {
            var u = new byte[8 + data.Length];
            Put16(u, 0, sport); Put16(u, 2, dport); Put16(u, 4, u.Length);
            Array.Copy(data, 0, u, 8, data.Length);
            if (checksum)
            {
                ushort c = RefChecksum(u, 0, u.Length, RefPseudo(src, dst, 17, u.Length));
                Put16(u, 6, c == 0 ? 0xFFFF : c);
            }
            return u;
        }

        public static byte[] Ping(uint src, uint dst, int id, int seq, byte[] data, byte[] srcMac = null, byte[] dstMac = null)
            => Eth(dstMac ?? MacA, srcMac ?? MacHost, 0x0800, IpPacket(src, dst, 1, IcmpMsg(8, 0, id, seq, data)));

        public static byte[] UdpFrame(uint src, uint dst, int sport, int dport, byte[] data, byte[] srcMac = null, byte[] dstMac = null, bool checksum = true)
            => Eth(dstMac ?? MacA, srcMac ?? MacHost, 0x0800, IpPacket(src, dst, 17, UdpDgram(src, dst, sport, dport, data, checksum)));

        public static byte[] Rand(int n, int seed)
        {
            var b = new byte[n];
            new Random(seed).NextBytes(b);
            return b;
        }

        /// <summary>Makes the stack learn host's MAC (a request from host for our address).</summary>
        public static void Introduce(NetStack s, FakeDevice d, byte[] mac, uint ip, ulong now = Sec)
        {
            Feed(s, d, ArpRequest(mac, ip, s.Config.Ip), now);
        }

        public static int UdpSend(NetStack s, int sock, uint ip, int port, byte[] data)
        {
            fixed (byte* p = data) return s.UdpSend(sock, ip, port, p, data.Length);
        }

        public static (int, byte[], uint, int) UdpReceive(NetStack s, int sock, int max = 2048)
        {
            var buf = new byte[Math.Max(max, 1)];
            uint ip; int port;
            int n;
            fixed (byte* p = buf) n = s.UdpReceive(sock, p, max, out ip, out port);
            return (n, n > 0 ? buf.Take(n).ToArray() : Array.Empty<byte>(), ip, port);
        }

        public static List<(uint ip, byte[] mac, long age)> ArpTable(NetStack s)
        {
            var ips = new uint[64]; var macs = new byte[6 * 64]; var ages = new long[64];
            int n;
            fixed (uint* i = ips) fixed (byte* m = macs) fixed (long* a = ages) n = s.ArpEntries(i, m, a, 64);
            var l = new List<(uint, byte[], long)>();
            for (int k = 0; k < n; k++) l.Add((ips[k], macs.Skip(6 * k).Take(6).ToArray(), ages[k]));
            return l;
        }

        /// <summary>Every received frame is handled or dropped for exactly one reason.</summary>
        public static void AssertAccounted(NetStack s)
        {
            Xunit.Assert.Equal(s.Stats.RxPackets, s.Stats.RxHandled + s.Stats.RxDropped());
        }
    }
}
