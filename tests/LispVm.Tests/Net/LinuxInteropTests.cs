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

        /// <summary>Opens TAP interface name inside network namespace netns (by its /run/netns
        /// path): the calling thread enters it for the open and returns to its own namespace.</summary>
        public TapDevice(string netnsPath, string name, byte[] mac)
        {
            this.mac = mac;
            int home = open("/proc/thread-self/ns/net", 0);
            int ns = open(netnsPath, 0);
            if (home < 0 || ns < 0) throw new InvalidOperationException("tap: open netns " + Marshal.GetLastWin32Error());
            int f = -1; string error = null;
            if (setns(ns, CLONE_NEWNET) != 0) error = "setns " + Marshal.GetLastWin32Error();
            else
            {
                f = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
                if (f < 0) error = "open tun " + Marshal.GetLastWin32Error();
                else
                {
                    byte* ifr = stackalloc byte[40];
                    for (int i = 0; i < 40; i++) ifr[i] = 0;
                    var nb = Encoding.ASCII.GetBytes(name);
                    for (int i = 0; i < nb.Length && i < 15; i++) ifr[i] = nb[i];
                    *(short*)(ifr + 16) = (short)(IFF_TAP | IFF_NO_PI);
                    if (ioctl(f, TUNSETIFF, ifr) != 0) { error = "TUNSETIFF " + Marshal.GetLastWin32Error(); close(f); f = -1; }
                }
                if (setns(home, CLONE_NEWNET) != 0) Environment.FailFast("tap: cannot return to the test's network namespace");
            }
            close(ns); close(home);
            if (f < 0) throw new InvalidOperationException("tap: " + error);
            fd = f;
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

    /// <summary>Runs alone: the test thread briefly enters another namespace, and child
    /// processes are best kept off the timing-sensitive engine tests.</summary>
    [CollectionDefinition("netns", DisableParallelization = true)]
    public sealed class NetnsCollection { }

    [Collection("netns")]
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

        /// <summary>The namespace, its TAP and the stack. No threads of our own: the test's thread
        /// polls the stack while it waits for Linux's tools (Pump).</summary>
        internal sealed class Netns : IDisposable
        {
            public readonly string Name = "lvmnet-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..6];
            public readonly TapDevice Tap;
            public readonly NetStack Stack;
            readonly Stopwatch clock = Stopwatch.StartNew();

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
                Stack.Announce();
            }

            public void Poll() { Stack.Poll((ulong)clock.Elapsed.Ticks * 100UL); }

            /// <summary>Polls the stack until done() or the timeout; done()'s last answer.</summary>
            public bool Pump(Func<bool> done, int timeoutMs)
            {
                var until = clock.ElapsedMilliseconds + timeoutMs;
                while (!done())
                {
                    if (clock.ElapsedMilliseconds > until) return false;
                    Poll();
                    Thread.Sleep(1);
                }
                return true;
            }

            public Process Start(string command, string stdin = null)
            {
                var psi = new ProcessStartInfo(Which("ip"), "netns exec " + Name + " " + command)
                {
                    RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null,
                    UseShellExecute = false,
                };
                var p = Process.Start(psi);
                if (stdin != null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
                return p;
            }

            /// <summary>Runs a command in the namespace while polling the stack.</summary>
            public (int code, string output) Exec(string command, string stdin = null, int timeoutMs = 15000)
            {
                using var p = Start(command, stdin);
                var so = p.StandardOutput.ReadToEndAsync();
                var se = p.StandardError.ReadToEndAsync();
                if (Stack == null) p.WaitForExit(timeoutMs);
                else Pump(() => p.HasExited, timeoutMs);
                if (!p.HasExited) { try { p.Kill(true); } catch { } return (-1, "timeout"); }
                p.WaitForExit();
                return (p.ExitCode, so.Result + se.Result);
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
            Assert.Equal(3, n.Stack.Stats.IcmpEchoOut);
            Assert.Equal(0, n.Stack.Stats.Drops[(int)DropReason.IcmpBadChecksum] + n.Stack.Stats.Drops[(int)DropReason.IpBadChecksum]);
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
            int sock = n.Stack.UdpOpen(5000);
            // Linux → us.
            var r = n.Exec(Which("socat") + " -u - UDP:10.77.0.2:5000,sourceport=6001", "to lispvm");
            Assert.True(r.code == 0, r.output);
            Assert.True(n.Pump(() => n.Stack.UdpReady(sock), 5000), "no datagram from Linux");
            byte[] buf = new byte[2048]; uint srcIp; int srcPort; int got;
            fixed (byte* p = buf) got = n.Stack.UdpReceive(sock, p, buf.Length, out srcIp, out srcPort);
            Assert.Equal("to lispvm", Encoding.ASCII.GetString(buf, 0, Math.Max(got, 0)));
            Assert.Equal(0x0A4D0001u, srcIp);
            Assert.Equal(6001, srcPort);

            // Us → Linux: socat listens, we send (our ARP request, Linux's reply, then UDP).
            using var listener = n.Start(Which("socat") + " -u UDP-RECV:6002 -");
            var line = listener.StandardOutput.ReadLineAsync();
            var msg = Encoding.ASCII.GetBytes("from lispvm\n");
            for (int tries = 0; tries < 30 && !line.IsCompleted; tries++)
            {
                fixed (byte* p = msg) Assert.Equal(msg.Length, n.Stack.UdpSend(sock, 0x0A4D0001, 6002, p, msg.Length));
                n.Pump(() => line.IsCompleted, 300);
            }
            try { listener.Kill(true); } catch { }
            Assert.True(line.IsCompleted, "Linux never received our datagram");
            Assert.Equal("from lispvm", line.Result);
            Assert.True(n.Stack.Stats.ArpRequestsOut >= 1);
            Assert.Equal(0, n.Stack.Stats.Drops[(int)DropReason.UdpBadChecksum]);
            Assert.Equal(0, n.Snmp("Udp", "InCsumErrors"));
            Assert.Equal(0, n.Snmp("Ip", "InHdrErrors"));
        }
    }
}
