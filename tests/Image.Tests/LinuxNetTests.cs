// Why: the product image on a real network in Linux mode: a TAP device inside a network
// namespace this test creates (and always deletes), the image at 10.0.0.2 with its UDP echo
// on port 7 and the REPL on a pipe, the namespace's kernel at 10.0.0.1. ping (also while a
// form runs), 1,000 lockstep UDP echoes of random sizes 1..1472 (python3), a datagram typed
// as (udp-send ...) at the REPL arriving intact, and the REPL still answering. No traffic
// leaves the namespace. Needs root (ip netns, /dev/net/tun): skipped when not root, except
// under CI=true where a skip would hide a failure.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Image.Tests;

public sealed class NetNsFactAttribute : FactAttribute
{
    public NetNsFactAttribute()
    {
        bool ci = Environment.GetEnvironmentVariable("CI") == "true";
        if (!ci && Environment.UserName != "root" && !IsRoot())
            Skip = "needs root (ip netns add, a TAP device): run as root, or with CI=true to make it fail instead";
    }

    static bool IsRoot()
    {
        try { return File.ReadAllText("/proc/self/status").Contains("\nUid:\t0\t"); } catch (IOException) { return false; }
    }
}

public class LinuxNetTests
{
    readonly ITestOutputHelper log;
    public LinuxNetTests(ITestOutputHelper log) { this.log = log; }

    const string Tap = "lvtap0";

    internal static (int Code, string Out) Sh(string file, params string[] args) => Sh(file, 60000, args);

    internal static (int Code, string Out) Sh(string file, int timeoutMs, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { try { p.Kill(true); } catch (InvalidOperationException) { } p.WaitForExit(); return (-1, o.Result + e.Result + "\n(timed out)"); }
        return (p.ExitCode, o.Result + e.Result);
    }

    internal static (int Code, string Out) InNs(string ns, int timeoutMs, params string[] cmd) =>
        Sh("ip", timeoutMs, new[] { "netns", "exec", ns }.Concat(cmd).ToArray());

    /// <summary>The image in the namespace with its REPL on a pipe; output collected as it comes.</summary>
    internal sealed class Guest : IDisposable
    {
        public readonly Process P;
        readonly StringBuilder output = new();
        public Guest(string ns, params string[] args) : this(ns, null, args) { }

        /// <summary>The same, with variables added to the image's environment.</summary>
        public static Guest WithEnv(string ns, IDictionary<string, string> env, params string[] args) => new Guest(ns, env, args);

        Guest(string ns, IDictionary<string, string> env, string[] args)
        {
            var psi = new ProcessStartInfo("ip")
            { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "netns", "exec", ns, KernelImage.ReplPath() }.Concat(args)) psi.ArgumentList.Add(a);
            if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
            P = Process.Start(psi)!;     // ip netns exec execs the image: P.Id is the image's pid
            P.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.Append(e.Data).Append('\n'); };
            P.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.Append("stderr: ").Append(e.Data).Append('\n'); };
            P.BeginOutputReadLine();
            P.BeginErrorReadLine();
        }
        public string Output { get { lock (output) return output.ToString(); } }
        public void Send(string line) { P.StandardInput.Write(line + "\n"); P.StandardInput.Flush(); }
        /// <summary>Waits until the output matches (bounded); the match or null.</summary>
        public Match WaitFor(string pattern, int timeoutMs = 10000)
        {
            var sw = Stopwatch.StartNew();
            var re = new Regex(pattern, RegexOptions.Multiline);
            for (;;)
            {
                var m = re.Match(Output);
                if (m.Success) return m;
                if (sw.ElapsedMilliseconds > timeoutMs || P.HasExited) return null;
                Thread.Sleep(20);
            }
        }
        public void Dispose()
        {
            try { if (!P.HasExited) { P.StandardInput.Close(); if (!P.WaitForExit(3000)) P.Kill(true); } } catch (Exception) { }
            P.WaitForExit();
            P.Dispose();
        }
    }

    /// <summary>Runs body in a fresh namespace ns with loopback up and a TAP device tap at
    /// 10.0.0.1/24 (the image takes the other side), and deletes the namespace after it,
    /// also when body fails (a leftover of a killed run is deleted first).</summary>
    internal static void WithTapNamespace(string ns, string tap, Action body)
    {
        Sh("ip", "netns", "del", ns);
        try
        {
            Step(Sh("ip", "netns", "add", ns), "ip netns add");
            Step(InNs(ns, 10000, "ip", "link", "set", "lo", "up"), "lo up");
            Step(InNs(ns, 10000, "ip", "tuntap", "add", "dev", tap, "mode", "tap"), "ip tuntap add");
            Step(InNs(ns, 10000, "ip", "addr", "add", "10.0.0.1/24", "dev", tap), "ip addr add");
            Step(InNs(ns, 10000, "ip", "link", "set", tap, "up"), "ip link set up");
            body();
        }
        finally
        {
            var del = Sh("ip", "netns", "del", ns);
            Assert.True(del.Code == 0, "ip netns del: " + del.Out);
        }
    }

    // The scripts the lab's XenNetTests and Dom0TapTests run too (tests/net).
    internal static string NetScript(string name) => Path.Combine(KernelImage.RepoRoot(), "tests", "net", name);

    [NetNsFact]
    public void Ping_udp_echo_and_udp_send_over_a_tap_in_a_network_namespace()
    {
        string ns = $"lispvm-test{Environment.ProcessId}";
        WithTapNamespace(ns, Tap, () =>
        {

            using var g = new Guest(ns, "ip=10.0.0.2/24", "gw=10.0.0.1", "udp-echo=7", $"net=tap:{Tap}");
            Assert.True(g.WaitFor(@"^LispVm .* boot \d+ ms", 20000) != null, "no banner; output:\n" + g.Output);
            string boot = g.Output;
            log.WriteLine(boot);
            Assert.Matches(@"(?m)^net: 10\.0\.0\.2/24 gw 10\.0\.0\.1 mac 02:00:00:00:00:02 on tap:lvtap0$", boot);
            Assert.Matches(@"(?m)^udp echo on port 7$", boot);

            // ping: 20 echo requests, none lost; the median round trip is reported.
            var ping = InNs(ns, 60000, "ping", "-c", "20", "-i", "0.1", "-W", "2", "10.0.0.2");
            log.WriteLine(ping.Out);
            Assert.True(ping.Code == 0, "ping failed:\n" + ping.Out + "\nguest:\n" + g.Output);
            Assert.Contains(" 0% packet loss", ping.Out);
            var rtts = Regex.Matches(ping.Out, @"time=([0-9.]+) ms").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).OrderBy(x => x).ToList();
            Assert.Equal(20, rtts.Count);
            log.WriteLine($"ping: 20/20, median RTT {rtts[10]:0.000} ms");

            // 1,000 lockstep UDP echoes of random sizes, every payload checked.
            var echo = InNs(ns, 300000, "python3", NetScript("udp_lockstep.py"), "10.0.0.2", "7", "1000", "16");
            log.WriteLine(echo.Out);
            Assert.True(echo.Code == 0, "echo script failed:\n" + echo.Out);
            Assert.Matches(@"lockstep: sent 1000 ok 1000 retries \d+ lost 0 bad 0", echo.Out);

            // A datagram sent from the REPL arrives intact (UTF-8 of a string).
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "netns", "exec", ns, "python3", NetScript("udp_listen.py"), "10.0.0.1", "9000", "20" }) psi.ArgumentList.Add(a);
            using (var listener = Process.Start(psi)!)
            {
                Assert.Equal("listening", listener.StandardOutput.ReadLine());
                g.Send("(udp-send (udp-open 5555) \"10.0.0.1\" 9000 \"hello from lispvm λ\")");
                Assert.True(listener.WaitForExit(30000), "the listener got nothing; guest:\n" + g.Output);
                string got = listener.StandardOutput.ReadToEnd() + listener.StandardError.ReadToEnd();
                log.WriteLine(got);
                string hex = Convert.ToHexString(Encoding.UTF8.GetBytes("hello from lispvm λ")).ToLowerInvariant();
                Assert.Contains($"from 10.0.0.2:5555 hex {hex}", got);
            }
            Assert.True(g.WaitFor(@"^(\* )*20$") != null, "udp-send did not answer its byte count; output:\n" + g.Output);

            // udp-receive at the REPL waits for a datagram from the namespace (sent a few times:
            // the socket opens when the line is read).
            g.Send("(multiple-value-bind (d h) (udp-receive (udp-open 6001) :timeout 10) (list :got (map 'string #'code-char d) h))");
            var sender = InNs(ns, 30000, "python3", "-c",
                "import socket, time\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
                "for i in range(5):\n    time.sleep(0.3)\n    s.sendto(b'from the namespace', ('10.0.0.2', 6001))\n");
            Assert.True(sender.Code == 0, sender.Out);
            Assert.True(g.WaitFor(@"\(:GOT ""from the namespace"" ""10\.0\.0\.1""\)") != null, "udp-receive got nothing; output:\n" + g.Output);

            // A receive without timeout ends on SIGINT (Ctrl-C on a pipe), the REPL goes on.
            g.Send("(udp-receive (udp-open 6002))");
            Thread.Sleep(300);
            Sh("kill", "-INT", g.P.Id.ToString(CultureInfo.InvariantCulture));
            Assert.True(g.WaitFor(@"Interrupt") != null, "udp-receive was not interrupted; output:\n" + g.Output);
            g.Send("(+ 1 2)");
            Assert.True(g.WaitFor(@"^(\* )*3$") != null, "(+ 1 2) did not answer; output:\n" + g.Output);

            // ping while a form runs: the VM's poller pumps the stack; then SIGINT stops the form.
            g.Send("(loop)");
            Thread.Sleep(300);
            var busy = InNs(ns, 30000, "ping", "-c", "5", "-i", "0.1", "-W", "2", "10.0.0.2");
            log.WriteLine(busy.Out);
            Assert.True(busy.Code == 0 && busy.Out.Contains(" 0% packet loss"), "ping while (loop) runs failed:\n" + busy.Out);
            Sh("kill", "-INT", g.P.Id.ToString(CultureInfo.InvariantCulture));
            Assert.True(g.WaitFor(@"Interrupt(.|\n)*Interrupt") != null, "(loop) was not interrupted; output:\n" + g.Output);

            g.Send("(+ 40 2)");
            Assert.True(g.WaitFor(@"^(\* )*42$") != null, "(+ 40 2) did not answer; output:\n" + g.Output);
            g.Send("(getf (net-stats) :icmp-echo-in)");
            Assert.True(g.WaitFor(@"^(\* )*25$") != null, "net-stats did not count 25 pings; output:\n" + g.Output);
            Assert.Matches(@"(?m)^  device tap: rx-frames \d+, tx-frames \d+$", g.Output);
            log.WriteLine(g.Output);
        });
    }

    internal static void Step((int Code, string Out) r, string what) => Assert.True(r.Code == 0, $"{what} failed: {r.Out}");

    [Fact]
    public void A_bad_net_word_says_so_in_one_line_and_the_repl_runs_without_network()
    {
        var r = KernelImage.Run("(+ 40 2)\n(net-stats)\n", 30000, image: KernelImage.ReplPath(), args: new[] { "ip=10.0.0.300/24", "net=tap:nosuchtap" });
        Assert.False(r.TimedOut);
        Assert.Contains("net: ip=10.0.0.300/24 is not an address/prefix like 10.0.0.2/24; no network\n", r.Stdout);
        Assert.Contains("\n42\n", r.Stdout);
        Assert.Contains("No network: the guest was started without ip=.", r.Stdout);
    }

    [Fact]
    public void A_tap_name_too_long_for_linux_is_refused_before_any_device_is_touched()
    {
        var r = KernelImage.Run("(+ 40 2)\n", 30000, image: KernelImage.ReplPath(),
            args: new[] { "ip=10.0.0.2/24", "net=tap:name-longer-than-15" });
        Assert.False(r.TimedOut);
        Assert.Contains("net: net=tap:NAME needs a device name of 1..15 characters; no network\n", r.Stdout);
        Assert.Contains("\n42\n", r.Stdout);
    }

    [Fact]
    public void A_malformed_mac_word_is_refused()
    {
        var r = KernelImage.Run("(+ 40 2)\n", 30000, image: KernelImage.ReplPath(),
            args: new[] { "ip=10.0.0.2/24", "net=tap:lvtap9", "mac=01:00:00:00:00:02" });
        Assert.False(r.TimedOut);
        Assert.Contains("net: mac=01:00:00:00:00:02 is not a unicast MAC like 02:00:00:00:00:02; no network\n", r.Stdout);
        Assert.Contains("\n42\n", r.Stdout);
    }

    [Fact]
    public void Linux_mode_without_net_tap_says_what_it_needs()
    {
        var r = KernelImage.Run("(+ 40 2)\n", 30000, image: KernelImage.ReplPath(), args: new[] { "ip=10.0.0.2/24" });
        Assert.False(r.TimedOut);
        Assert.Contains("net: Linux mode needs net=tap:NAME (a TAP device); no network\n", r.Stdout);
        Assert.Contains("\n42\n", r.Stdout);
    }
}
