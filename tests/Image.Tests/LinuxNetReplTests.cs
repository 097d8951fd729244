// Why: the network REPL of the product image (issue 17) in Linux mode over a TAP device in a
// network namespace this test creates (and always deletes): the image at 10.0.0.2 with
// repl=10.0.0.2:4005, tests/net/repl_client.py --check in the namespace (the script the lab
// runs from Dom0): (+ 1 2), 1 MiB printed, 10 MiB uploaded, two sessions apart, tokens
// refused, IAC IP, B answering while A loops. The console REPL answers meanwhile, and the
// network REPL keeps serving after the console's stdin has ended. The token from the
// environment and from a file; the boot lines that refuse to start it. Nothing leaves the
// namespace; needs root (skipped otherwise, except under CI=true).
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;
using Guest = Image.Tests.LinuxNetTests.Guest;

namespace Image.Tests;

public class LinuxNetReplTests
{
    // The namespace plumbing and the image on a pipe are LinuxNetTests' (one copy).
    static (int Code, string Out) Sh(string file, int timeoutMs, params string[] args) => LinuxNetTests.Sh(file, timeoutMs, args);
    static (int Code, string Out) InNs(string ns, int timeoutMs, params string[] cmd) => LinuxNetTests.InNs(ns, timeoutMs, cmd);
    static void Step((int Code, string Out) r, string what) => LinuxNetTests.Step(r, what);

    readonly ITestOutputHelper log;
    public LinuxNetReplTests(ITestOutputHelper log) { this.log = log; }

    const string Tap = "lvtap1";

    static string Client => Path.Combine(KernelImage.RepoRoot(), "tests", "net", "repl_client.py");

    static void WithNamespace(Action<string> body)
    {
        string ns = $"lispvm-repl{Environment.ProcessId}";
        LinuxNetTests.WithTapNamespace(ns, Tap, () => body(ns));
    }

    [NetNsFact]
    public void The_network_repl_passes_the_client_checks_and_serves_after_stdin_ends()
    {
        WithNamespace(ns =>
        {
            using var g = new Guest(ns, "ip=10.0.0.2/24", $"net=tap:{Tap}", "repl=10.0.0.2:4005", "repl-token=s3cret-λ");
            Assert.True(g.WaitFor(@"^net-repl: on 10\.0\.0\.2:4005, token required$", 20000) != null, "no net-repl line:\n" + g.Output);
            Assert.DoesNotContain("s3cret", g.Output);                 // the token is never printed

            // The console answers while the network REPL runs.
            g.Send("(+ 20 22)");
            Assert.True(g.WaitFor(@"^(\* )*42$") != null, "the console did not answer:\n" + g.Output);
            var one = InNs(ns, 30000, "python3", Client, "10.0.0.2", "4005", "--token", "s3cret-λ", "--eval", "(list 1 (+ 1 2))");
            Assert.True(one.Code == 0 && one.Out == "(1 3)\n", "--eval: " + one.Out + "\nguest:\n" + g.Output);
            g.Send("(+ 1 1)");
            Assert.True(g.WaitFor(@"^(\* )*2$") != null, "the console did not answer after a session:\n" + g.Output);

            // The console's input ends: the image keeps serving.
            g.P.StandardInput.Close();
            Thread.Sleep(500);
            Assert.False(g.P.HasExited, "the image exited at the end of stdin:\n" + g.Output);
            var r = InNs(ns, 900000, "python3", Client, "10.0.0.2", "4005", "--token", "s3cret-λ", "--check");
            log.WriteLine(r.Out);
            Assert.True(r.Code == 0, "repl_client.py --check failed:\n" + r.Out + "\nguest:\n" + g.Output);
            Assert.Contains("all checks passed", r.Out);
            Assert.False(g.P.HasExited, "the image exited:\n" + g.Output);
        });
    }

    [NetNsFact]
    public void The_token_comes_from_the_environment_or_a_file_and_no_token_means_no_repl()
    {
        WithNamespace(ns =>
        {
            using (var g = Guest.WithEnv(ns, new Dictionary<string, string> { ["LISPVM_REPL_TOKEN"] = "from-env" },
                                     "ip=10.0.0.2/24", $"net=tap:{Tap}", "repl=10.0.0.2:4005"))
            {
                Assert.True(g.WaitFor(@"^net-repl: on 10\.0\.0\.2:4005, token required$", 20000) != null, g.Output);
                var r = InNs(ns, 30000, "python3", Client, "10.0.0.2", "4005", "--token", "from-env", "--eval", "(* 6 7)");
                Assert.True(r.Code == 0 && r.Out == "42\n", r.Out + "\n" + g.Output);
            }
            string file = Path.GetTempFileName();
            try
            {
                File.WriteAllText(file, "from-file\n");
                using var g = new Guest(ns, "ip=10.0.0.2/24", $"net=tap:{Tap}", "repl=10.0.0.2:4005", $"repl-token-file={file}");
                Assert.True(g.WaitFor(@"^net-repl: on 10\.0\.0\.2:4005, token required$", 20000) != null, g.Output);
                var r = InNs(ns, 30000, "python3", Client, "10.0.0.2", "4005", "--token-file", file, "--eval", "(* 6 7)");
                Assert.True(r.Code == 0 && r.Out == "42\n", r.Out + "\n" + g.Output);
                var bad = InNs(ns, 30000, "python3", Client, "10.0.0.2", "4005", "--token", "from-env", "--eval", "(* 6 7)");
                Assert.NotEqual(0, bad.Code);
            }
            finally { File.Delete(file); }
        });
    }

    [Fact]
    public void Without_a_token_or_with_a_foreign_address_the_repl_does_not_start()
    {
        // No TAP needed: the words are checked after the network starts, so these use a
        // missing device (no network) or the boot lines alone.
        var r = KernelImage.Run("(+ 1 2)\n", 30000, image: KernelImage.ReplPath(), args: new[] { "repl=10.0.0.2:4005", "repl-token=x" });
        Assert.Contains("net-repl: repl= needs a network (ip=ADDR/LEN); no network REPL\n", r.Stdout);
        Assert.Contains("\n3\n", r.Stdout);
        Assert.False(r.TimedOut);
    }

    [NetNsFact]
    public void A_missing_token_or_a_foreign_address_is_one_line_at_boot()
    {
        WithNamespace(ns =>
        {
            using (var g = new Guest(ns, "ip=10.0.0.2/24", $"net=tap:{Tap}", "repl=10.0.0.2:4005"))
                Assert.True(g.WaitFor(@"^net-repl: no token: give repl-token=SECRET .*repl-insecure; no network REPL$", 20000) != null, g.Output);
            using (var g = new Guest(ns, "ip=10.0.0.2/24", $"net=tap:{Tap}", "repl=10.0.0.9:4005", "repl-token=x"))
                Assert.True(g.WaitFor(@"^net-repl: repl=ADDR must be this guest's address \(ip=\); no network REPL$", 20000) != null, g.Output);
            using (var g = new Guest(ns, "ip=10.0.0.2/24", $"net=tap:{Tap}", "repl=10.0.0.2:4005", "repl-insecure"))
            {
                Assert.True(g.WaitFor(@"^net-repl: on 10\.0\.0\.2:4005, NO TOKEN \(repl-insecure\)", 20000) != null, g.Output);
                var r = InNs(ns, 30000, "python3", Client, "10.0.0.2", "4005", "--eval", "(+ 1 2)");
                Assert.True(r.Code == 0 && r.Out == "3\n", r.Out + "\n" + g.Output);
            }
        });
    }
}
