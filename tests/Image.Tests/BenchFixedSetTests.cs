// Why: issue 19's goal figures (geometric means against CLISP, the library-bound group apart,
// the entries above 1.0/1.2, SBCL where CLISP fails, pauses) come from bench/fixedreport.py; a
// wrong mean there would pass or fail the issue silently. These build the report from a CSV
// with known numbers (no cl-bench, no peers needed) and check the result rules of fixedset.py.
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Image.Tests;

public class BenchFixedSetTests
{
    readonly ITestOutputHelper log;
    public BenchFixedSetTests(ITestOutputHelper log) { this.log = log; }

    static (int, string) Python(string root, params string[] args)
    {
        var psi = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    const string Header = "benchmark,group,system,iterations,basis,scaled,status,error,median_us,runs_us,peak_rss_kb,gc_share,max_pause_us,p99_pause_us,minor_p99_us,pauses,full_gcs,result";

    static string Row(string b, string g, string s, string status, string us, string pause = ",,,,") =>
        $"{b},{g},{s},10,clisp,,{status},{(status == "ok" ? "" : "boom")},{us},{us},4096,0.0,{pause},7";

    [Fact]
    public void Report_gives_the_means_against_clisp_the_groups_and_sbcl_where_clisp_fails()
    {
        string root = KernelImage.RepoRoot();
        string dir = Directory.CreateTempSubdirectory("lispvm-fixedreport-").FullName;
        string csv = Path.Combine(dir, "bench-2026-01-01.csv");
        File.WriteAllLines(csv, new[] {
            "# test machine; reps 5, target 0.2 s of CLISP, budget 60.0 s per run", Header,
            // run-tak: image 0.25 of CLISP, hosted 0.5; the image had 10 pauses, hosted none
            Row("run-tak", "core", "clisp", "ok", "1000"), Row("run-tak", "core", "image", "ok", "250", "2500,1200,1200,10,0"),
            Row("run-tak", "core", "lispvm", "ok", "500", "0,0,0,0,0"), Row("run-tak", "core", "sbcl", "ok", "100"),
            // factorial (library-bound): image 1.0, hosted 1.3 (above 1.2)
            Row("factorial", "library-bignum", "clisp", "ok", "1000"), Row("factorial", "library-bignum", "image", "ok", "1000", "1,1,1,1,0"),
            Row("factorial", "library-bignum", "lispvm", "ok", "1300", "1,1,1,1,0"), Row("factorial", "library-bignum", "sbcl", "ok", "100"),
            // ackermann: CLISP fails, so image/SBCL = 2.0 and it is in no mean
            Row("ackermann", "core", "clisp", "failed", ""), Row("ackermann", "core", "image", "ok", "2000", "0,0,0,0,0"),
            Row("ackermann", "core", "lispvm", "ok", "3000", "0,0,0,0,0"), Row("ackermann", "core", "sbcl", "ok", "1000"),
        });
        var (rc, o) = Python(root, "bench/bench.py", "--report", csv);
        log.WriteLine(o);
        Assert.Equal(0, rc);
        string md = File.ReadAllText(Path.Combine(dir, "bench-2026-01-01.md"));
        // sqrt(0.25 * 1.0) = 0.50; sqrt(0.5 * 1.3) = 0.81
        Assert.Contains("**image/CLISP** geometric mean **0.50** (goal ≤ 0.5) over 2 entries correct in both; library-bound group 1.00 (1), the rest 0.25 (1)", md);
        Assert.Contains("**hosted/CLISP** geometric mean **0.81** (goal ≤ 0.6) over 2 entries", md);
        Assert.Contains("above 1.0: 1: factorial 1.30; above 1.2: 1: factorial.", md);
        Assert.Contains("ackermann image/SBCL 2.00", md);
        Assert.Contains("| run-tak | core | 10 (CLISP) | 1000 | 250 | 0.25 |", md);
        Assert.Contains("| 2.5 / 1.2 | no GC |", md);
        Assert.Contains("CLISP fails or is wrong on: ackermann", md);
        Assert.Contains("5 repetitions", md);
    }

    [Fact]
    public void Results_are_checked_by_value_range_or_type_as_fixedset_says()
    {
        string root = KernelImage.RepoRoot();
        var (rc, o) = Python(root, "-c",
            "import sys; sys.path.insert(0, 'bench'); import fixedset, bench\n" +
            "c = lambda n, g, r: int(fixedset.check_result(n, g, r, bench.same))\n" +
            "print('CHECK', c('run-tak', '7', '7'), c('run-tak', '8', '7'), c('run-fft', '1.0000000000001d0', '1.0d0'),\n" +
            "  c('mrg32k3a', '1.9567974052701795d0', '1.1171558794942427d0'), c('mrg32k3a', '3.5d0', '1.1d0'),\n" +
            "  c('clos-defclass', '#<STANDARD-METHOD :AFTER (#<STANDARD-CLASS C>)>', '#<STANDARD-METHOD COMMON-LISP:INITIALIZE-INSTANCE :AFTER (C) {1002}>'),\n" +
            "  c('clos-defclass', '#<STANDARD-CLASS C>', '#<STANDARD-METHOD X>'), c('compiler', '#P\"/x/gabriel.fas\"', '#P\"/x/gabriel.fasl\"'),\n" +
            "  c('compiler', 'NIL', '#P\"/x/gabriel.fasl\"'))");
        log.WriteLine(o);
        Assert.Equal(0, rc);
        Assert.Contains("CHECK 1 0 1 1 0 1 0 1 0", o);
    }
}
