// Why: the GC-vs-paging workloads (bench/gc-vs-paging/workloads, issue 18) must keep
// running unchanged in the image as a Linux process: each, at a tiny size, prints RESULT ok
// and one STATS line with the keys the harness parses and pause figures from (gc-stats).
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Image.Tests;

public class GcVsPagingWorkloadTests
{
    [Theory]
    [InlineData("gcbench", "scale=0.01 live-mb=4 gcbench-depth=10")]
    [InlineData("churn", "scale=0.02 live-mb=4")]
    [InlineData("boyer", "scale=0.01 boyer-chain=2")]
    [InlineData("deriv", "scale=0.01")]
    [InlineData("destructive", "scale=0.01")]
    public void WorkloadRunsInTheImageAndChecksItself(string workload, string parameters)
    {
        string root = KernelImage.RepoRoot();
        string script = Path.Combine(root, "bench/gc-vs-paging/workloads/run.sh");
        var psi = new ProcessStartInfo("/bin/bash", $"{script} image {workload} {parameters}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["LISPVM_IMAGE"] = KernelImage.ReplPath();
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(120000));
        Assert.True(p.ExitCode == 0, stdout + stderr);
        Assert.Matches(@"(?m)^RESULT ok \S+$", stdout);
        var m = Regex.Match(stdout, @"(?m)^STATS impl=lispvm workload=" + workload + @" wall-ms=\d+ gc-ms=\d+ gc-count=(\d+) max-pause-us=(\d+) p99-pause-us=(\d+) .*minor=(\d+) full=(\d+)");
        Assert.True(m.Success, stdout);
        long count = long.Parse(m.Groups[1].Value), max = long.Parse(m.Groups[2].Value), p99 = long.Parse(m.Groups[3].Value);
        Assert.Equal(count, long.Parse(m.Groups[4].Value) + long.Parse(m.Groups[5].Value));
        Assert.True(p99 <= max, stdout);
        if (count > 0) Assert.True(max > 0, stdout);
    }
}
