// Why: the Lisp UDP API (lisp/80-net.lisp, Builtins/CoreNet.cs) against the real stack on
// an in-memory Ethernet wire: the VM's NetStack at 10.0.0.2 and a peer NetStack at 10.0.0.1
// on its own thread (a UDP echo on port 7, or a sender). ARP, IPv4 and UDP all run for real;
// nothing leaves the process.
using System.Collections.Concurrent;
using System.Diagnostics;
using LispVm.Net;
using Xunit;

namespace LispVm.Tests.Eval;

/// <summary>One end of an in-memory wire: what one end transmits the other receives.</summary>
public sealed unsafe class WireEnd : INetDevice
{
    readonly byte[] mac;
    public ConcurrentQueue<byte[]> Inbox = new();
    public WireEnd Other;
    public WireEnd(byte last) { mac = new byte[] { 0x02, 0, 0, 0, 0, last }; }
    public int Mtu => 1500;
    public void GetMac(byte* m) { for (int i = 0; i < 6; i++) m[i] = mac[i]; }
    public bool Transmit(byte* frame, int length)
    {
        var copy = new byte[length];
        for (int i = 0; i < length; i++) copy[i] = frame[i];
        Other.Inbox.Enqueue(copy);
        return true;
    }
    public int Receive(byte* buf, int max)
    {
        while (Inbox.TryDequeue(out byte[] f))
        {
            if (f.Length > max) continue;
            for (int i = 0; i < f.Length; i++) buf[i] = f[i];
            return f.Length;
        }
        return 0;
    }
    public static (WireEnd, WireEnd) Pair()
    {
        var a = new WireEnd(2); var b = new WireEnd(1);
        a.Other = b; b.Other = a;
        return (a, b);
    }
}

/// <summary>The peer at 10.0.0.1 on its own thread: polls its stack and runs `serve` on it.</summary>
public sealed unsafe class NetPeer : IDisposable
{
    public readonly NetStack Stack;
    readonly Thread thread;
    volatile bool stop;
    readonly Stopwatch clock = Stopwatch.StartNew();
    public ulong NowNs => (ulong)(clock.Elapsed.Ticks * 100);

    public NetPeer(WireEnd dev, Action<NetPeer> serve)
    {
        Stack = new NetStack(dev, Config("ip=10.0.0.1/24"));
        thread = new Thread(() => { while (!stop) { Stack.Poll(NowNs); serve(this); Thread.Sleep(0); } }) { IsBackground = true };
        thread.Start();
    }

    public static NetConfig Config(string words)
    {
        byte[] t = System.Text.Encoding.ASCII.GetBytes(words);
        fixed (byte* p = t)
        {
            NetConfigStatus st = NetConfig.Parse(p, t.Length, out NetConfig c);
            Assert.Equal(NetConfigStatus.Ok, st);
            return c;
        }
    }

    /// <summary>A serve step: echo every datagram on socket back to its sender.</summary>
    public static Action<NetPeer> Echo(int port)
    {
        int sock = -1;
        byte[] buf = new byte[NetStack.MaxUdpPayload];
        return peer =>
        {
            if (sock < 0) sock = peer.Stack.UdpOpen(port);
            fixed (byte* b = buf)
            {
                for (;;)
                {
                    int n = peer.Stack.UdpReceive(sock, b, buf.Length, out uint ip, out int from);
                    if (n < 0) break;
                    peer.Stack.UdpSend(sock, ip, from, b, n);
                }
            }
        };
    }

    public void Dispose() { stop = true; thread.Join(5000); }
}

public class NetApiTests
{
    sealed class Net : IDisposable
    {
        public readonly EvalHost Host = new EvalHost();
        public readonly NetPeer Peer;
        public Net(Action<NetPeer> serve)
        {
            var (guest, peer) = WireEnd.Pair();
            var vm = Host.Host.Vm;
            vm.Net = new NetStack(guest, NetPeer.Config("ip=10.0.0.2/24 gw=10.0.0.1"));
            vm.NetDevice = guest;
            Peer = new NetPeer(peer, serve);
        }
        public string Eval(string s) => Host.Eval(s);
        public void Dispose() { Peer.Dispose(); Host.Dispose(); }
    }

    [Fact]
    public void A_string_sent_to_the_peers_echo_comes_back_with_its_sender()
    {
        using var n = new Net(NetPeer.Echo(7));
        Assert.Equal("(#(104 105 32 206 187) \"10.0.0.1\" 7)", n.Eval(
            "(let ((s (udp-open))) (udp-send s \"10.0.0.1\" 7 \"hi λ\") (multiple-value-list (udp-receive s :timeout 5)))"));
    }

    [Fact]
    public void Octet_vectors_of_random_sizes_round_trip_intact()
    {
        using var n = new Net(NetPeer.Echo(7));
        // 60 datagrams, sizes 1..1472 (both ends included), each checked octet for octet; an
        // integer host and an #(a b c d) host too.
        string r = n.Eval(@"
(let ((s (udp-open 4000)) (bad 0) (state 12345))
  (dolist (size (list 1 1472 2 1471 512 1000))
    (dotimes (k 10)
      (let* ((len (max 1 (- size k))) (v (make-array len :element-type '(unsigned-byte 8))))
        (dotimes (i len) (setq state (mod (+ (* state 1103515245) 12345) 2147483648))
                         (setf (aref v i) (logand (ash state -16) 255)))
        (udp-send s (if (evenp k) #(10 0 0 1) 167772161) 7 v)
        (let ((got (udp-receive s :timeout 5)))
          (unless (equalp got v) (incf bad))))))
  (list (udp-socket-port s) bad))");
        Assert.Equal("(4000 0)", r);
    }

    [Fact]
    public void Receive_times_out_with_nil_after_the_timeout()
    {
        using var n = new Net(_ => { });
        var sw = Stopwatch.StartNew();
        Assert.Equal("NIL", n.Eval("(udp-receive (udp-open 5000) :timeout 0.3)"));
        Assert.InRange(sw.ElapsedMilliseconds, 280, 5000);
    }

    [Fact]
    public void A_datagram_from_the_peer_reaches_a_waiting_socket()
    {
        int sent = 0;
        byte[] msg = System.Text.Encoding.ASCII.GetBytes("from the peer");
        using var n = new Net(peer =>
        {
            if (sent > 20) return;
            int s = peer.Stack.UdpOpen(0);
            if (s < 0) return;
            unsafe { fixed (byte* b = msg) peer.Stack.UdpSend(s, 0x0A000002, 6000, b, msg.Length); }
            peer.Stack.UdpClose(s);
            sent++;
            Thread.Sleep(50);
        });
        string r = n.Eval("(multiple-value-bind (d host port) (udp-receive (udp-open 6000) :timeout 5) (list (map 'string #'code-char d) host (integerp port)))");
        Assert.Equal("(\"from the peer\" \"10.0.0.1\" T)", r);
    }

    [Fact]
    public void Bad_arguments_and_a_closed_socket_are_net_errors_with_a_message()
    {
        using var n = new Net(_ => { });
        n.Eval("(defvar *s* (udp-open 5001))");
        Assert.Contains("\"10.0.0.300\" is not an IPv4 address", n.Eval("(udp-send *s* \"10.0.0.300\" 7 \"x\")"));
        Assert.Contains("\"10.0.0\" is not an IPv4 address", n.Eval("(udp-send *s* \"10.0.0\" 7 \"x\")"));
        Assert.Contains("port 0 is not in 1..65535", n.Eval("(udp-send *s* \"10.0.0.1\" 0 \"x\")"));
        Assert.Contains("port 65536 is not in 1..65535", n.Eval("(udp-send *s* \"10.0.0.1\" 65536 \"x\")"));
        Assert.Contains("1473 bytes is more than one datagram holds (1472)",
            n.Eval("(udp-send *s* \"10.0.0.1\" 7 (make-array 1473 :element-type '(unsigned-byte 8)))"));
        Assert.Contains("longer than one datagram holds (1472 bytes)",
            n.Eval("(udp-send *s* \"10.0.0.1\" 7 (make-string 737 :initial-element (code-char 955)))"));
        Assert.Contains("the port is in use", n.Eval("(udp-open 5001)"));
        Assert.Equal("T", n.Eval("(typep (handler-case (udp-open 5001) (error (e) e)) 'net-error)"));
        Assert.Equal("T", n.Eval("(udp-close *s*)"));
        Assert.Equal("NIL", n.Eval("(udp-close *s*)"));
        Assert.Contains("the UDP socket on port 5001 is closed", n.Eval("(udp-send *s* \"10.0.0.1\" 7 \"x\")"));
        Assert.Contains("the UDP socket on port 5001 is closed", n.Eval("(udp-receive *s* :timeout 0)"));
        Assert.Equal("T", n.Eval("(udp-socket-p (udp-open 5001))"));   // the port is free again
    }

    [Fact]
    public void Net_stats_reports_the_address_traffic_and_the_arp_cache()
    {
        using var n = new Net(NetPeer.Echo(7));
        n.Eval("(let ((s (udp-open))) (udp-send s \"10.0.0.1\" 7 \"abc\") (udp-receive s :timeout 5))");
        string r = n.Eval("(getf (net-stats) :udp-in)");
        Assert.Contains("Network: 10.0.0.2/24 gw 10.0.0.1 mac 02:00:00:00:00:02", r);
        Assert.Matches(@"in:  \d+ packets, \d+ bytes", r);
        Assert.Contains("arp 10.0.0.1 is 02:00:00:00:00:01", r);
        Assert.EndsWith("\n1", r.Replace("\r", ""));
    }

    sealed class FakeCounters : LispVm.Eval.INetDeviceCounters
    {
        public string DeviceKind => "fake";
        public int CounterCount => 3;
        public string CounterName(int i) => new[] { "rx-odd", "tx-never", "ring-broken" }[i];
        public long Counter(int i) => new long[] { 3, 0, 7 }[i];
    }

    [Fact]
    public void Net_stats_shows_the_drivers_nonzero_counters_and_returns_them_all()
    {
        using var n = new Net(_ => { });
        n.Host.Host.Vm.NetDeviceCounters = new FakeCounters();
        string r = n.Eval("(getf (net-stats) :device)").Replace("\r", "");
        Assert.Contains("\n  device fake: rx-odd 3, ring-broken 7\n", r);
        Assert.EndsWith("\n(\"fake\" (:RX-ODD . 3) (:TX-NEVER . 0) (:RING-BROKEN . 7))", r);
        n.Host.Host.Vm.NetDeviceCounters = null;
        Assert.DoesNotContain("device", n.Eval("(net-stats)"));
    }

    [Fact]
    public void Without_a_network_net_stats_says_so_and_udp_open_signals()
    {
        using var h = new EvalHost();
        Assert.Equal("No network: the guest was started without ip=.\nNIL", h.Eval("(net-stats)").Replace("\r", ""));
        Assert.Contains("No network: start the guest with ip=ADDR/LEN.", h.Eval("(udp-open)"));
    }

    [Fact]
    public void Receive_waits_only_its_own_green_thread()
    {
        using var n = new Net(NetPeer.Echo(7));
        // A thread waits on a socket while the main thread counts and then sends it a datagram
        // through the echo (which answers to the socket's own port).
        string r = n.Eval(@"
(let* ((s (udp-open 7001))
       (count 0)
       (th (make-thread (lambda () (udp-receive s :timeout 5)) :name ""rx"")))
  (dotimes (i 200) (incf count) (thread-yield))
  (udp-send s ""10.0.0.1"" 7 ""wake"")
  (list count (map 'string #'code-char (join-thread th))))");
        Assert.Equal("(200 \"wake\")", r);
    }

    [Fact]
    public void An_interrupt_ends_a_receive_without_timeout()
    {
        using var n = new Net(_ => { });
        var vm = n.Host.Host.Vm;
        using var timer = new Timer(_ => vm.InterruptFlag = 1, null, 300, Timeout.Infinite);
        var sw = Stopwatch.StartNew();
        string r = n.Eval("(udp-receive (udp-open 5002))");
        Assert.Contains("Interrupt", r);
        Assert.InRange(sw.ElapsedMilliseconds, 250, 10000);
    }
}
