// Why: the TCP tests' rig: a scripted peer ("host") that crafts exact segments with a
// reference checksum and parses what the stack sends, a lossy in-memory link (seeded drop,
// duplication, reordering) joining two real stacks, and small API wrappers.
using LispVm.Net;
using Xunit;
using static LispVm.Tests.Net.Rig;

namespace LispVm.Tests.Net
{
    public sealed class Seg
    {
        public uint Src, Dst, Seq, Ack;
        public int Sport, Dport, Flags, Win, Mss = -1, Ws = -1, HeaderLength;
        public byte[] Data;
        public bool Syn => (Flags & 2) != 0;
        public bool Fin => (Flags & 1) != 0;
        public bool Rst => (Flags & 4) != 0;
        public bool HasAck => (Flags & 16) != 0;
        public override string ToString() => $"{Sport}->{Dport} seq={Seq} ack={Ack} f={Flags:x} win={Win} len={Data.Length}";
    }

    public static unsafe class TcpKit
    {
        public const int F = 1, S = 2, R = 4, P = 8, A = 16;

        public static byte[] Segment(uint src, uint dst, int sport, int dport, uint seq, uint ack, int flags, int win,
                                     byte[] data = null, byte[] opts = null, int? offsetWords = null, bool badSum = false)
        {
            data ??= Array.Empty<byte>();
            int ol = opts?.Length ?? 0;
            int hl = 20 + ol;
            var t = new byte[hl + data.Length];
            Put16(t, 0, sport); Put16(t, 2, dport); Put32(t, 4, seq); Put32(t, 8, ack);
            t[12] = (byte)((offsetWords ?? hl / 4) << 4); t[13] = (byte)flags; Put16(t, 14, win);
            if (opts != null) Array.Copy(opts, 0, t, 20, ol);
            Array.Copy(data, 0, t, hl, data.Length);
            ushort c = RefChecksum(t, 0, t.Length, RefPseudo(src, dst, 6, t.Length));
            Put16(t, 16, badSum ? c ^ 0x5555 : c);
            return t;
        }

        public static byte[] Frame(byte[] tcp, uint src = IpHost, uint dst = IpA, byte[] srcMac = null, byte[] dstMac = null)
            => Eth(dstMac ?? MacA, srcMac ?? MacHost, 0x0800, IpPacket(src, dst, 6, tcp));

        public static byte[] MssWs(int mss, int ws)
        {
            var o = new List<byte> { 2, 4, (byte)(mss >> 8), (byte)mss };
            if (ws >= 0) { o.Add(1); o.Add(3); o.Add(3); o.Add((byte)ws); }
            while (o.Count % 4 != 0) o.Add(0);
            return o.ToArray();
        }

        /// <summary>Parses a frame the stack sent as TCP, checking IPv4 and TCP checksums; null if not TCP.</summary>
        public static Seg Parse(byte[] f)
        {
            if (f.Length < 54 || Get16(f, 12) != 0x0800 || f[23] != 6) return null;
            int ihl = (f[14] & 15) * 4;
            int total = Get16(f, 16);
            Assert.Equal(0, RefChecksum(f, 14, ihl));
            int t = 14 + ihl, len = total - ihl;
            var s = new Seg { Src = Get32(f, 26), Dst = Get32(f, 30) };
            Assert.Equal(0, RefChecksum(f, t, len, RefPseudo(s.Src, s.Dst, 6, len)));
            s.Sport = Get16(f, t); s.Dport = Get16(f, t + 2); s.Seq = Get32(f, t + 4); s.Ack = Get32(f, t + 8);
            s.HeaderLength = (f[t + 12] >> 4) * 4; s.Flags = f[t + 13]; s.Win = Get16(f, t + 14);
            for (int i = t + 20; i < t + s.HeaderLength;)
            {
                int k = f[i];
                if (k == 0) break;
                if (k == 1) { i++; continue; }
                if (k == 2) s.Mss = Get16(f, i + 2);
                if (k == 3) s.Ws = f[i + 2];
                i += f[i + 1];
            }
            s.Data = f.Skip(t + s.HeaderLength).Take(len - s.HeaderLength).ToArray();
            return s;
        }

        public static List<Seg> Segs(List<byte[]> frames) => frames.Select(Parse).Where(x => x != null).ToList();

        public static int Send(NetStack s, int c, byte[] d) { fixed (byte* p = d) return s.TcpSend(c, p, d.Length); }

        public static (int, byte[]) Recv(NetStack s, int c, int max = 65536)
        {
            var b = new byte[max];
            int n;
            fixed (byte* p = b) n = s.TcpReceive(c, p, max);
            return (n, n > 0 ? b.Take(n).ToArray() : Array.Empty<byte>());
        }

        public static TcpState State(NetStack s, int c) => (TcpState)s.TcpStateOf(c);
    }

    /// <summary>One stack A (10.0.0.2) and a scripted host (10.0.0.3) whose MAC A knows.</summary>
    public sealed class Scripted
    {
        public readonly NetStack A;
        public readonly FakeDevice Dev;
        public ulong Now = Sec;
        public uint HostSeq = 1000;   // the host's next sequence number

        public Scripted(ulong seed = 42, int mtu = 1500)
        {
            Dev = new FakeDevice(MacA) { MtuValue = mtu };
            A = new NetStack(Dev, Config(IpA), new SeededEntropy(seed));
            Introduce(A, Dev, MacHost, IpHost, Now);
            Dev.TakeSent();
        }

        public List<Seg> In(byte[] tcp) { Dev.RxQueue.Enqueue(TcpKit.Frame(tcp)); A.Poll(Now); return TcpKit.Segs(Dev.TakeSent()); }

        public List<Seg> Seg(int sport, int dport, uint seq, uint ack, int flags, int win = 65535, byte[] data = null, byte[] opts = null)
            => In(TcpKit.Segment(IpHost, IpA, sport, dport, seq, ack, flags, win, data, opts));

        public List<Seg> Tick(ulong ns) { Now += ns; A.Poll(Now); return TcpKit.Segs(Dev.TakeSent()); }

        public List<Seg> Out() => TcpKit.Segs(Dev.TakeSent());

        /// <summary>Listens on port and completes a handshake from host port 4000; (listener, conn, our ISS).</summary>
        public (int l, int c, uint iss) Accepted(int port = 80, int hostPort = 4000, int win = 65535, byte[] opts = null)
        {
            int l = A.TcpListen(port, 4);
            var synAck = Seg(hostPort, port, HostSeq, 0, TcpKit.S, win, null, opts ?? TcpKit.MssWs(1460, 2)).Single();
            HostSeq++;
            Assert.Empty(Seg(hostPort, port, HostSeq, synAck.Seq + 1, TcpKit.A, win));
            int c = A.TcpAccept(l);
            Assert.True(c >= 0);
            return (l, c, synAck.Seq);
        }

        /// <summary>Connects to host:port and answers the SYN; (conn, our ISS, local port).</summary>
        public (int c, uint iss, int port) Connected(int port = 5000, int win = 65535, byte[] opts = null)
        {
            int c = A.TcpConnect(IpHost, port);
            var syn = Out().Single();
            var ack = Seg(port, syn.Sport, HostSeq, syn.Seq + 1, TcpKit.S | TcpKit.A, win, null, opts ?? TcpKit.MssWs(1460, -1)).Single();
            HostSeq++;
            Assert.True(ack.HasAck && ack.Ack == HostSeq);
            return (c, syn.Seq, syn.Sport);
        }
    }

    /// <summary>A point-to-point link between two devices with seeded loss, duplication and reordering.</summary>
    public sealed unsafe class LossyLink
    {
        public sealed class End : INetDevice
        {
            public readonly byte[] Mac;
            public End Peer;
            public LossyLink Link;
            public readonly List<byte[]> Queue = new List<byte[]>();
            public End(byte[] mac) { Mac = mac; }
            public void GetMac(byte* mac) { for (int i = 0; i < 6; i++) mac[i] = Mac[i]; }
            public int Mtu => 1500;
            public bool Transmit(byte* frame, int length)
            {
                var f = new byte[length];
                for (int i = 0; i < length; i++) f[i] = frame[i];
                Link.Carry(Peer, f);
                return true;
            }
            public int Receive(byte* buf, int max)
            {
                if (Queue.Count == 0) return 0;
                var f = Queue[0]; Queue.RemoveAt(0);
                if (f.Length > max) return 0;
                for (int i = 0; i < f.Length; i++) buf[i] = f[i];
                return f.Length;
            }
        }

        public readonly End A = new End(MacA), B = new End(MacB);
        readonly Random rng;
        public double Loss, Dup, Reorder;
        public long Dropped, Duplicated, Reordered, Carried;

        public LossyLink(int seed, double loss, double dup, double reorder)
        {
            rng = new Random(seed); Loss = loss; Dup = dup; Reorder = reorder;
            A.Peer = B; B.Peer = A; A.Link = this; B.Link = this;
        }

        void Carry(End to, byte[] f)
        {
            Carried++;
            if (rng.NextDouble() < Loss) { Dropped++; return; }
            if (rng.NextDouble() < Reorder && to.Queue.Count > 0) { to.Queue.Insert(rng.Next(to.Queue.Count), f); Reordered++; }
            else to.Queue.Add(f);
            if (rng.NextDouble() < Dup) { to.Queue.Add((byte[])f.Clone()); Duplicated++; }
        }
    }
}
