// Why: the network REPL (lisp/95-net-repl.lisp) on the in-memory wire, and its pure parts
// (the telnet filter, the constant-time token check). The VM at 10.0.0.2 serves the REPL
// on port 4005 while the test's form sleeps (sleep lets the green threads run); peer
// clients at 10.0.0.1 send scripted bytes and collect what comes back until the close.
using System.Diagnostics;
using System.Text;
using LispVm.Eval;
using LispVm.Net;
using Xunit;

namespace LispVm.Tests.Eval;

public class NetReplTests
{
    /// <summary>A scripted client: connects to 10.0.0.2:4005, sends each step's bytes when
    /// its time (ms after the connection) comes, collects the replies until the guest closes.</summary>
    sealed class Client
    {
        public readonly StringBuilder Got = new();
        public readonly ManualResetEventSlim Closed = new();
        readonly (int ms, byte[] bytes)[] steps;
        readonly int startMs;
        int h = -1, step, sent;
        Stopwatch since;
        readonly Stopwatch clock = Stopwatch.StartNew();
        public Client(int startMs, params (int, byte[])[] steps) { this.startMs = startMs; this.steps = steps; }
        /// <summary>Connect only once these clients have closed (events, not times, order the
        /// connections: on a loaded machine sessions outlive a fixed schedule).</summary>
        public Client[] After = [];
        public string Text { get { lock (Got) return Got.ToString(); } }

        public unsafe void Step(NetStack st)
        {
            if (Closed.IsSet) return;
            if (h < 0)
            {
                if (clock.ElapsedMilliseconds < startMs) return;
                if (After.Any(a => !a.Closed.IsSet)) return;
                h = st.TcpConnect(0x0A000002, 4005);
                return;
            }
            if (st.TcpStateOf(h) < (int)TcpState.Established && st.TcpStateOf(h) >= 0) return;
            since ??= Stopwatch.StartNew();
            while (step < steps.Length && since.ElapsedMilliseconds >= steps[step].ms)
            {
                byte[] b = steps[step].bytes;
                fixed (byte* p = b) { int k = st.TcpSend(h, p + sent, b.Length - sent); if (k > 0) sent += k; }
                if (sent < b.Length) break;
                step++; sent = 0;
            }
            byte[] buf = new byte[4096];
            int n;
            fixed (byte* p = buf) n = st.TcpReceive(h, p, buf.Length);
            if (n > 0) lock (Got) Got.Append(Encoding.UTF8.GetString(buf, 0, n));
            else if (n != NetError.WouldBlock) { st.TcpClose(h); Closed.Set(); }
        }
    }

    static (int, byte[]) At(int ms, string s) => (ms, Encoding.UTF8.GetBytes(s));
    static (int, byte[]) At(int ms, params byte[] b) => (ms, b);

    sealed class Rig : IDisposable
    {
        public readonly EvalHost Host = new EvalHost();
        public readonly NetPeer Peer;
        public Rig(string token, params Client[] clients)
        {
            var (guest, peer) = WireEnd.Pair();
            var vm = Host.Host.Vm;
            vm.Net = new NetStack(guest, NetPeer.Config("ip=10.0.0.2/24 gw=10.0.0.1"));
            vm.NetDevice = guest;
            Peer = new NetPeer(peer, p => { foreach (var c in clients) c.Step(p.Stack); });
            Assert.Equal("T", Host.Eval(token == null ? "(%net-repl-start 4005 nil)" : $"(%net-repl-start 4005 \"{token}\")"));
        }
        /// <summary>Runs the VM's threads for up to `seconds`, until every client is closed.</summary>
        public void Serve(double seconds, params Client[] clients)
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds && !clients.All(c => c.Closed.IsSet)) Host.Eval("(sleep 0.2)");
        }
        public void Dispose() { Peer.Dispose(); Host.Dispose(); }
    }

    [Fact]
    public void A_session_with_the_token_evaluates_and_quit_ends_it()
    {
        var c = new Client(100, At(0, "s3cret\n(+ 1 2)\n(values 4 \"five\")\n(car 1)\n(format t \"hi ~A~%\" 'λ)\n(quit)\n(+ 5 5)\n"));
        using var rig = new Rig("s3cret", c);
        rig.Serve(10, c);
        Assert.True(c.Closed.IsSet, "the session ended: " + c.Text);
        Assert.Equal("* 3\n* 4\n\"five\"\n* ;; Error: The value 1 is not of type LIST.\n* hi λ\nNIL\n* ", c.Text);
        Assert.Contains(":ACCEPTED 1 :TOKEN-FAILURES 0", rig.Host.Eval("(net-repl-stats)"));
    }

    [Fact]
    public void A_wrong_or_missing_token_is_refused_and_counted()
    {
        var wrong = new Client(100, At(0, "s3cres\n(+ 1 2)\n"));
        var none = new Client(200, At(0, "(+ 1 2)\n"));
        using var rig = new Rig("s3cret", wrong, none);
        rig.Serve(10, wrong, none);
        Assert.Equal(";; Refused: wrong token.\n", wrong.Text);
        Assert.Equal(";; Refused: wrong token.\n", none.Text);
        Assert.Contains(":TOKEN-FAILURES 2", rig.Host.Eval("(net-repl-stats)"));
    }

    [Fact]
    public void More_than_five_failures_in_ten_seconds_lock_the_door_for_everyone()
    {
        // At most three wrong-token sessions at once, so the session limit (4) never refuses
        // one first (that happened at load average 25); the good client comes after all six.
        var bad = Enumerable.Range(0, 6).Select(i => new Client(100 + 150 * i, At(0, "nope\n"))).ToArray();
        for (int i = 3; i < 6; i++) bad[i].After = [bad[i - 3]];
        var good = new Client(1500, At(0, "tok\n(+ 1 2)\n")) { After = bad };
        using var rig = new Rig("tok", bad.Append(good).ToArray());
        rig.Serve(15, bad.Append(good).ToArray());
        Assert.All(bad, c => Assert.Equal(";; Refused: wrong token.\n", c.Text));
        Assert.Equal(";; Refused: too many wrong tokens; try again later.\n", good.Text);
        string st = rig.Host.Eval("(net-repl-stats)");
        Assert.Contains(":TOKEN-FAILURES 6", st);
        Assert.Contains(":REFUSED-LOCKED 1", st);
        Assert.Contains(":LOCKED T", st);
    }

    [Fact]
    public void Iac_ip_interrupts_a_loop_and_the_session_goes_on_while_another_answers()
    {
        var a = new Client(100, At(0, "tok\n(loop)\n"), At(1500, 255, 244), At(1600, "(+ 1 2)\n(quit)\n"));
        var b = new Client(400, At(0, "tok\n(+ 40 2)\n"), At(300, "(quit)\n"));
        using var rig = new Rig("tok", a, b);
        rig.Serve(15, a, b);
        Assert.Equal("* 42\n* ", b.Text);
        Assert.Equal("* ;; Error: Interrupted.\n* 3\n* ", a.Text);
    }

    [Fact]
    public void Telnet_filter_drops_commands_keeps_escaped_ff_and_flags_ip()
    {
        int st = 0;
        var outp = new List<int>();
        byte[] input = { (byte)'a', 255, 255, 255, 251, 1, 3, 255, 250, 24, 0, 255, 255, 65, 255, 240, (byte)'b', 255, 244, 255, 241, (byte)'c' };
        foreach (byte b in input) { int r = TelnetFilter.Step(ref st, b); if (r != TelnetFilter.Dropped) outp.Add(r); }
        Assert.Equal(new[] { 'a', 255, 3, 'b', TelnetFilter.Interrupt, 'c' }, outp.ToArray());
    }

    [Fact]
    public void Telnet_options_are_refused_do_with_wont_and_will_with_dont()
    {
        int st = 0;
        var replies = new List<(int, int)>();
        byte[] input = { 255, 253, 6, 255, 251, 1, 255, 254, 3, 255, 252, 5, (byte)'x' };
        var data = new List<int>();
        foreach (byte b in input)
        {
            int r = TelnetFilter.Step(ref st, b, out int reply);
            if (reply != 0) replies.Add((reply, b));
            if (r != TelnetFilter.Dropped) data.Add(r);
        }
        Assert.Equal(new[] { (TelnetFilter.Wont, 6), (TelnetFilter.Dont, 1) }, replies.ToArray());
        Assert.Equal(new[] { (int)'x' }, data.ToArray());
    }

    [Fact]
    public unsafe void Token_compare_is_exact()
    {
        static bool Eq(string a, string b)
        {
            int[] x = a.Select(c => (int)c).ToArray(), y = b.Select(c => (int)c).ToArray();
            fixed (int* px = x.Length > 0 ? x : new int[1]) fixed (int* py = y.Length > 0 ? y : new int[1])
                return SecretCompare.Equal(px, x.Length, py, y.Length);
        }
        Assert.True(Eq("s3cret", "s3cret"));
        Assert.False(Eq("s3cres", "s3cret"));
        Assert.False(Eq("s3cre", "s3cret"));
        Assert.False(Eq("s3crett", "s3cret"));
        Assert.False(Eq("", "s3cret"));
        Assert.False(Eq("", ""));                 // an empty secret never matches
    }
}
