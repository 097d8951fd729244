// Why: issue 17's hostile-traffic check in Linux mode, the same scripts the lab runs from
// Dom0 (tests/net/tcpgarbage.py, portscan.py, synflood.py): the image on a TAP device in a
// network namespace this test creates (and always deletes), with tcp-discard=9 and
// tcp-chargen=19 as the listening ports. Garbage segments leave a held connection intact; the
// scan finds exactly the two services; 1,000 SYNs from 100 spoofed, non-existent addresses
// (10.0.0.100-199) fill at most the service's backlog (NetStack.ServiceBacklog, 8) with
// half-open connections while ping and UDP echo still answer; the half-open count in
// (net-stats) returns to 0 after the SYN-RECEIVED timeout (NetStack.SynRcvdTimeoutNs, 10 s);
// the discard service and the REPL still work. The boot names the entropy source; with
// entropy=tsc-jitter it is the jitter one and TCP works. Root only (LinuxNetTests' NetNsFact).
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using static Image.Tests.LinuxNetTests;

namespace Image.Tests;

public class LinuxTcpHostileTests
{
    readonly ITestOutputHelper log;
    public LinuxTcpHostileTests(ITestOutputHelper log) { this.log = log; }

    const string Tap = "lvtap1";
    int mark;

    /// <summary>(net-stats)'s :tcp-half-open now, read through the REPL.</summary>
    int HalfOpen(Guest g)
    {
        int m = ++mark;
        g.Send($"(list :half (getf (net-stats) :tcp-half-open) :mark {m})");
        var r = g.WaitFor($@"\(:HALF (\d+) :MARK {m}\)", 20000);
        Assert.True(r != null, "no net-stats answer; guest:\n" + g.Output);
        return int.Parse(r.Groups[1].Value);
    }

    [NetNsFact]
    public void Entropy_tsc_jitter_is_named_and_tcp_works_with_it()
    {
        // entropy=tsc-jitter forces the fallback path (this machine may have RDRAND); two
        // chargen connections still work, their bytes checked.
        string ns = $"lispvm-tcpj{Environment.ProcessId}";
        WithTapNamespace(ns, Tap, () =>
        {
            using var g = new Guest(ns, "ip=10.0.0.2/24", "tcp-chargen=19", "entropy=tsc-jitter", $"net=tap:{Tap}");
            Assert.True(g.WaitFor(@"^LispVm .* boot \d+ ms", 20000) != null, "no banner; output:\n" + g.Output);
            log.WriteLine(g.Output);
            Assert.Matches(@"(?m)^net: tcp entropy tsc-jitter$", g.Output);
            string py = "import socket\nline=bytes(32+(k+1)%95 for k in range(167))\n" +
                        "per=b''.join(line[i:i+72]+b'\\r\\n' for i in range(95))\nfor i in range(2):\n" +
                        " s=socket.create_connection(('10.0.0.2',19),timeout=10)\n d=b''\n" +
                        " while len(d)<20000: d+=s.recv(65536)\n print('chargen', 'ok' if d[:20000]==(per*3)[:20000] else 'BAD')\n s.close()";
            var r = InNs(ns, 60000, "python3", "-c", py);
            log.WriteLine(r.Out);
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(r.Out, "chargen ok").Count);
            g.Send("(getf (net-stats) :tcp-entropy)");
            Assert.True(g.WaitFor("^\"tsc-jitter\"$") != null, g.Output);
        });
    }

    [NetNsFact]
    public void Syn_flood_port_scan_and_garbage_segments_leave_the_image_answering()
    {
        string ns = $"lispvm-tcph{Environment.ProcessId}";
        WithTapNamespace(ns, Tap, () =>
        {

            using var g = new Guest(ns, "ip=10.0.0.2/24", "gw=10.0.0.1", "udp-echo=7", "tcp-discard=9", "tcp-chargen=19", $"net=tap:{Tap}");
            Assert.True(g.WaitFor(@"^LispVm .* boot \d+ ms", 20000) != null, "no banner; output:\n" + g.Output);
            string boot = g.Output;
            log.WriteLine(boot);
            Assert.Matches(@"(?m)^net: tcp entropy (rdrand|tsc-jitter)$", boot);
            Assert.Matches(@"(?m)^tcp discard on port 9$", boot);
            Assert.Matches(@"(?m)^tcp chargen on port 19$", boot);

            // Garbage first, while the backlog is empty, so the SYN-shaped classes reach the listener.
            var garbage = InNs(ns, 120000, "python3", NetScript("tcpgarbage.py"), Tap, "02:00:00:00:00:02", "10.0.0.2", "9", "200");
            log.WriteLine(garbage.Out);
            Assert.True(garbage.Code == 0, "tcpgarbage failed:\n" + garbage.Out + "\nguest:\n" + g.Output);
            Assert.Contains("tcpgarbage: connection survived", garbage.Out);
            Assert.Matches(@"tcpgarbage: total 2200 in", garbage.Out);

            var scan = InNs(ns, 120000, "python3", NetScript("portscan.py"), "10.0.0.2", "1", "1024");
            log.WriteLine(scan.Out);
            Assert.True(scan.Code == 0, "portscan failed:\n" + scan.Out);
            Assert.Contains("portscan: 1024 ports, open [9, 19], ", scan.Out);

            var flood = InNs(ns, 120000, "python3", NetScript("synflood.py"), Tap, "02:00:00:00:00:02", "10.0.0.2", "9", "1000", "10.0.0.100", "100");
            var sw = Stopwatch.StartNew();
            log.WriteLine(flood.Out);
            Assert.True(flood.Code == 0, "synflood failed:\n" + flood.Out);
            Assert.Matches(@"synflood: sent 1000 SYNs from 100 addresses to 10\.0\.0\.2:9 in", flood.Out);
            int during = HalfOpen(g);
            log.WriteLine($"half-open right after the flood: {during}");
            Assert.InRange(during, 1, 8);

            // Still answering during the flood's aftermath.
            var ping = InNs(ns, 60000, "ping", "-c", "5", "-i", "0.2", "-W", "2", "10.0.0.2");
            Assert.True(ping.Code == 0 && ping.Out.Contains(" 0% packet loss"), "ping failed:\n" + ping.Out);
            var echo = InNs(ns, 120000, "python3", NetScript("udp_lockstep.py"), "10.0.0.2", "7", "50", "16");
            Assert.Matches(@"lockstep: sent 50 ok 50 retries \d+ lost 0 bad 0", echo.Out);

            // Back to 0 after the SYN-RECEIVED timeout (10 s), with 5 s of slack.
            int after = -1;
            while (sw.Elapsed.TotalSeconds < 15 && (after = HalfOpen(g)) != 0) Thread.Sleep(500);
            log.WriteLine($"half-open {after} at {sw.Elapsed.TotalSeconds:0.0} s after the flood");
            Assert.Equal(0, after);

            // The discard service takes a connection again: 64 KiB up, its close after ours.
            string up = "import socket; s=socket.create_connection(('10.0.0.2',9),timeout=10); s.sendall(b'x'*65536); " +
                        "s.shutdown(socket.SHUT_WR); print('discard eof', s.recv(1)==b'')";
            var d = InNs(ns, 60000, "python3", "-c", up);
            Assert.True(d.Out.Contains("discard eof True"), "discard after the flood:\n" + d.Out + "\nguest:\n" + g.Output);

            g.Send("(list (+ 40 2) :repl-ok)");
            Assert.True(g.WaitFor(@"\(42 :REPL-OK\)", 10000) != null, "the REPL stopped answering:\n" + g.Output);
            g.Send("(net-stats)");
            Assert.True(g.WaitFor(@"tcp: \d+ established, 0 half-open[^\n]*entropy (rdrand|tsc-jitter)\n", 10000) != null, g.Output);
            log.WriteLine(g.Output);
        });
    }
}
