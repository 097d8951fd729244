// Why: our bytes against a real IPv4 stack. The test creates its own network namespace
// (ip netns add), opens a TAP device inside it from one thread (setns affects only that
// thread), gives Linux 10.77.0.1/24 on it and runs NetStack at 10.77.0.2 on the other end.
// Linux's ping, socat's UDP and Linux's ARP then talk to us; nothing touches the host's own
// namespace. Skips unless root with /dev/net/tun, ip, ping and socat.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using LispVm.Net;
using Xunit;

namespace LispVm.Tests.Net
{
    public sealed class NetnsFactAttribute : FactAttribute
    {
        public NetnsFactAttribute()
        {
            if (!OperatingSystem.IsLinux()) Skip = "Linux only";
            else if (LinuxInteropTests.Geteuid() != 0) Skip = "needs root (ip netns, /dev/net/tun)";
            else if (!File.Exists("/dev/net/tun")) Skip = "/dev/net/tun missing";
            else if (LinuxInteropTests.Which("ip") == null || LinuxInteropTests.Which("ping") == null || LinuxInteropTests.Which("socat") == null)
                Skip = "needs ip, ping and socat (apt-get install iproute2 iputils-ping socat)";
            else if (!CanCreate.Value) Skip = "ip netns add failed here (no CAP_SYS_ADMIN?)";
        }

        static readonly Lazy<bool> CanCreate = new Lazy<bool>(() =>
        {
            string name = "lvmnet-probe-" + Environment.ProcessId;
            var p = Process.Start(new ProcessStartInfo(LinuxInteropTests.Which("ip"), "netns add " + name)
            { UseShellExecute = false, RedirectStandardError = true });
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) return false;
            Process.Start(new ProcessStartInfo(LinuxInteropTests.Which("ip"), "netns del " + name) { UseShellExecute = false }).WaitForExit();
            return true;
        });
    }

    /// <summary>A TAP device as an INetDevice (test-only, hosted): non-blocking read/write.</summary>
    public sealed unsafe class TapDevice : INetDevice, IDisposable
    {
        [DllImport("libc", SetLastError = true)] static extern int open(string path, int flags);
        [DllImport("libc", SetLastError = true)] static extern int ioctl(int fd, ulong request, void* arg);
        [DllImport("libc", SetLastError = true)] static extern nint read(int fd, void* buf, nint n);
        [DllImport("libc", SetLastError = true)] static extern nint write(int fd, void* buf, nint n);
        [DllImport("libc", SetLastError = true)] static extern int close(int fd);
        [DllImport("libc", SetLastError = true)] static extern int setns(int fd, int nstype);

        const int O_RDWR = 2, O_NONBLOCK = 0x800, CLONE_NEWNET = 0x40000000;
        const ulong TUNSETIFF = 0x400454ca;
        const short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;

        readonly int fd;
        readonly byte[] mac;

        /// <summary>Opens TAP interface name inside network namespace netns (by its /run/netns path).</summary>
        public TapDevice(string netnsPath, string name, byte[] mac)
        {
            this.mac = mac;
            int result = -1; string error = null;
            var t = new Thread(() =>
            {
                int ns = open(netnsPath, 0);
                if (ns < 0) { error = "open netns " + Marshal.GetLastWin32Error(); return; }
                if (setns(ns, CLONE_NEWNET) != 0) { error = "setns " + Marshal.GetLastWin32Error(); close(ns); return; }
                close(ns);
                int f = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
                if (f < 0) { error = "open tun " + Marshal.GetLastWin32Error(); return; }
                byte* ifr = stackalloc byte[40];
                for (int i = 0; i < 40; i++) ifr[i] = 0;
                var nb = Encoding.ASCII.GetBytes(name);
                for (int i = 0; i < nb.Length && i < 15; i++) ifr[i] = nb[i];
                *(short*)(ifr + 16) = (short)(IFF_TAP | IFF_NO_PI);
                if (ioctl(f, TUNSETIFF, ifr) != 0) { error = "TUNSETIFF " + Marshal.GetLastWin32Error(); close(f); return; }
                result = f;
            });
            t.Start();
            t.Join();
            if (result < 0) throw new InvalidOperationException("tap: " + error);
            fd = result;
        }

        public void GetMac(byte* m) { for (int i = 0; i < 6; i++) m[i] = mac[i]; }
        public int Mtu => 1500;
        public bool Transmit(byte* frame, int length) { return write(fd, frame, length) == length; }
        public int Receive(byte* buf, int max)
        {
            nint n = read(fd, buf, max);
            return n > 0 ? (int)n : 0;
        }
        public void Dispose() { close(fd); }
    }

    public unsafe partial class LinuxInteropTests
    {
        [DllImport("libc")] internal static extern uint geteuid();
        internal static uint Geteuid() { try { return geteuid(); } catch { return 1; } }

        internal static string Which(string tool)
        {
            foreach (var dir in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin" })
                if (File.Exists(Path.Combine(dir, tool))) return Path.Combine(dir, tool);
            return null;
        }

        static (int code, string output) Run(string file, string args, string stdin = null, int timeoutMs = 15000)
        {
            var psi = new ProcessStartInfo(file, args)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (stdin != null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeoutMs)) { try { p.Kill(true); } catch { } return (-1, "timeout: " + so.Result + se.Result); }
            p.WaitForExit();
            return (p.ExitCode, so.Result + se.Result);
        }

        internal sealed class Netns : IDisposable
        {
            public readonly string Name = "lvmnet-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..6];
            public readonly TapDevice Tap;
            public readonly NetStack Stack;
            readonly Thread pump;
            volatile bool stop;
            public readonly object Lock = new object();

            public Netns()
            {
                var r = Run(Which("ip"), "netns add " + Name);
                Assert.True(r.code == 0, r.output);
                Tap = new TapDevice("/run/netns/" + Name, "lvm0", Rig.MacA);
                Exec("ip link set lo up");
                Exec("ip addr add 10.77.0.1/24 dev lvm0");
                Exec("ip link set lvm0 up");
                var cfg = new NetConfig { Ip = 0x0A4D0002, PrefixLength = 24, Gateway = 0x0A4D0001, EchoPort = 7 };
                Stack = new NetStack(Tap, cfg);
                var clock = Stopwatch.StartNew();
                pump = new Thread(() =>
                {
                    while (!stop)
                    {
                        bool any;
                        lock (Lock) any = Stack.Poll((ulong)clock.Elapsed.Ticks * 100UL);
                        if (!any) Thread.Sleep(1);
                    }
                }) { IsBackground = true };
                pump.Start();
                lock (Lock) Stack.Announce();
            }

            public (int code, string output) Exec(string command, string stdin = null, int timeoutMs = 15000)
            {
                var r = Run(Which("ip"), "netns exec " + Name + " " + command, stdin, timeoutMs);
                return r;
            }

            /// <summary>A counter from the namespace's /proc/net/snmp ("Icmp", "InCsumErrors").</summary>
            public long Snmp(string proto, string field)
            {
                var lines = Exec("cat /proc/net/snmp").output.Split('\n');
                for (int i = 0; i + 1 < lines.Length; i++)
                {
                    if (!lines[i].StartsWith(proto + ": ") || !lines[i + 1].StartsWith(proto + ": ")) continue;
                    var names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    int k = Array.IndexOf(names, field);
                    if (k > 0 && k < values.Length) return long.Parse(values[k]);
                }
                throw new InvalidOperationException("no " + proto + " " + field + " in /proc/net/snmp");
            }

            public void Dispose()
            {
                stop = true;
                pump.Join();
                Tap.Dispose();
                Run(Which("ip"), "netns del " + Name);
            }
        }

        [NetnsFact]
        public void LinuxPingsTheStack()
        {
            using var n = new Netns();
            var r = n.Exec("ping -c 3 -i 0.2 -W 2 -s 1000 10.77.0.2");
            Assert.True(r.code == 0, r.output);
            Assert.Contains("3 received", r.output);
            Assert.DoesNotContain("BAD", r.output);                   // iputils flags bad checksums
            Assert.Equal(0, n.Snmp("Icmp", "InCsumErrors"));
            Assert.Equal(0, n.Snmp("Ip", "InHdrErrors"));
            Assert.True(n.Snmp("Icmp", "InEchoReps") >= 3);
            lock (n.Lock)
            {
                Assert.Equal(3, n.Stack.Stats.IcmpEchoOut);
                Assert.Equal(0, n.Stack.Stats.Drops[(int)DropReason.IcmpBadChecksum] + n.Stack.Stats.Drops[(int)DropReason.IpBadChecksum]);
            }
        }

        [NetnsFact]
        public void LinuxUdpGetsTheEchoServiceAnswer()
        {
            using var n = new Netns();
            var r = n.Exec(Which("socat") + " -t 2 - UDP:10.77.0.2:7", "hello from linux\n");
            Assert.True(r.code == 0, r.output);
            Assert.Equal("hello from linux\n", r.output);
            Assert.Equal(0, n.Snmp("Udp", "InCsumErrors"));
        }

        [NetnsFact]
        public void UdpBothWaysWithLinux()
        {
            using var n = new Netns();
            int sock;
            lock (n.Lock) sock = n.Stack.UdpOpen(5000);
            // Linux → us.
            var r = n.Exec(Which("socat") + " -u - UDP:10.77.0.2:5000,sourceport=6001", "to lispvm");
            Assert.True(r.code == 0, r.output);
            byte[] buf = new byte[2048]; int got = NetError.WouldBlock; uint srcIp = 0; int srcPort = 0;
            var until = DateTime.UtcNow.AddSeconds(5);
            while (got < 0 && DateTime.UtcNow < until)
            {
                lock (n.Lock) fixed (byte* p = buf) got = n.Stack.UdpReceive(sock, p, buf.Length, out srcIp, out srcPort);
                if (got < 0) Thread.Sleep(5);
            }
            Assert.Equal("to lispvm", Encoding.ASCII.GetString(buf, 0, Math.Max(got, 0)));
            Assert.Equal(0x0A4D0001u, srcIp);
            Assert.Equal(6001, srcPort);

            // Us → Linux: socat listens, we send (our ARP request, Linux's reply, then UDP).
            var psi = new ProcessStartInfo(Which("ip"), "netns exec " + n.Name + " " + Which("socat") + " -u UDP-RECV:6002 -")
            { RedirectStandardOutput = true, UseShellExecute = false };
            using var listener = Process.Start(psi);
            var line = listener.StandardOutput.ReadLineAsync();
            var msg = Encoding.ASCII.GetBytes("from lispvm\n");
            var deadline = DateTime.UtcNow.AddSeconds(8);
            while (!line.IsCompleted && DateTime.UtcNow < deadline)
            {
                lock (n.Lock) fixed (byte* p = msg) Assert.Equal(msg.Length, n.Stack.UdpSend(sock, 0x0A4D0001, 6002, p, msg.Length));
                line.Wait(300);
            }
            try { listener.Kill(true); } catch { }
            Assert.True(line.IsCompleted, "Linux never received our datagram");
            Assert.Equal("from lispvm", line.Result);
            Assert.Equal(0, n.Snmp("Udp", "InCsumErrors"));
            Assert.Equal(0, n.Snmp("Ip", "InHdrErrors"));
            lock (n.Lock)
            {
                Assert.True(n.Stack.Stats.ArpRequestsOut >= 1);
                Assert.Equal(0, n.Stack.Stats.Drops[(int)DropReason.UdpBadChecksum]);
            }
        }
    }
}
