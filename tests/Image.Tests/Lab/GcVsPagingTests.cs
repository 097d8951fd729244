// Why: issue 18's `--quick` check in CI's one Dom0 boot: every arm of bench/gc-vs-paging (the
// image as a Dom0 process under a memory cgroup with swap, heap sized for the machine and
// from memory.max; the image as a guest, static and with `xl mem-set` mid-run; SBCL both
// ways; CLISP) completes once on the small churn workload with a right result. It runs the
// same bundle.py + dom0.sh as the full experiment, so the two cannot drift. LISPVM_LAB=1.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class GcVsPagingTests(LabFixture fixture, ITestOutputHelper log)
{
    private void Say(string s) { log.WriteLine(s); Console.Error.WriteLine("[lab] " + s); }

    [LabFact]
    public void QuickMatrixCompletesInEveryArm()
    {
        var lab = fixture.Lab;
        string root = KernelImage.RepoRoot();
        string bundleDir = Path.Combine(lab.Share, "gcvp");
        var b = LabDriver.RunHost("python3", "", TimeSpan.FromMinutes(1),
            Path.Combine(root, "bench", "gc-vs-paging", "bundle.py"), bundleDir, "--quick", "--image", KernelImage.ReplPath());
        Assert.True(b.ExitCode == 0, "bundle.py failed:\n" + b.Output);
        int expected = File.ReadAllLines(Path.Combine(bundleDir, "matrix")).Count(l => l.Length > 0 && l[0] != '#');

        var sw = Stopwatch.StartNew();
        var r = lab.Dom0("bash /mnt/share/gcvp/dom0.sh /mnt/share/gcvp /mnt/share/gcvp/matrix quick 2>&1", TimeSpan.FromMinutes(8));
        Say($"dom0.sh --quick: rc {r.ExitCode} in {sw.Elapsed.TotalSeconds:F0} s");
        foreach (var line in r.Output.Split('\n'))
            if (line.StartsWith("@@INFO") || line.StartsWith("@@ROW") || line.StartsWith("@@LOG") || line.StartsWith("@@DONE"))
                Say(line);

        Assert.Matches(@"@@INFO swap \d+ KiB on /dev/vdb: virtio-blk raw", r.Output);
        Assert.Contains("@@INFO zswap N", r.Output);
        var rows = Regex.Matches(r.Output, @"^@@ROW ([^\n]*)$", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value.Split(',')).ToList();
        Assert.Equal(expected, rows.Count);
        foreach (var f in rows)
        {
            // id,throttle,arm,workload,mem_mb,dyn_mb,rep,status,wall_ms,work_ms,gc_ms,gc_count,...,result
            Assert.True(f[7] == "ok", $"{f[2]} at {f[4]} MiB{(f[5] != "" ? " -> " + f[5] : "")}: {f[7]} ({string.Join(",", f)})");
            Assert.StartsWith("RESULT_ok", f[^1]);
            Assert.True(int.Parse(f[8]) > 0);
        }
        // LispVm reports its own GC figures in both worlds; the dynamic guest gave frames back.
        foreach (var f in rows.Where(f => f[2] is "proc-machine" or "proc-cgroup" or "guest"))
            Assert.True(long.TryParse(f[11], out var gcs) && gcs > 0, $"{f[2]}: no gc-count in {string.Join(",", f)}");
        var dynGuest = rows.Single(f => f[2] == "guest" && f[5] != "");
        Assert.True(long.TryParse(dynGuest[18], out var returned) && returned > 0,
            "the guest lowered by xl mem-set returned no frames: " + string.Join(",", dynGuest));
        // A run's time series of the dynamic runs is there (the report plots it).
        Assert.Matches(@"@@TS q\d+ \d+ mem-set \d+", r.Output);
    }
}
