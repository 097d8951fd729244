// Why: keeps bench/net-throughput's Linux arm working (the lead runs both arms in the lab):
// in a network namespace this test creates (and always deletes) the script makes its TAP
// device, starts the image with tcp-discard=/tcp-chargen= on it, and moves 1 MB each way,
// the download checked byte for byte against RFC 864's pattern. Figures are logged, not
// asserted (a shared machine). Root only (NetNsFact).
using Xunit;
using Xunit.Abstractions;
using static Image.Tests.LinuxNetTests;

namespace Image.Tests;

public class LinuxThroughputTests
{
    readonly ITestOutputHelper log;
    public LinuxThroughputTests(ITestOutputHelper log) { this.log = log; }

    [NetNsFact]
    public void Net_throughput_bench_moves_a_megabyte_each_way_over_tap()
    {
        string ns = $"lispvm-tput{Environment.ProcessId}";
        Sh("ip", "netns", "del", ns);
        try
        {
            Step(Sh("ip", "netns", "add", ns), "ip netns add");
            Step(InNs(ns, 10000, "ip", "link", "set", "lo", "up"), "lo up");
            string bench = Path.Combine(KernelImage.RepoRoot(), "bench", "net-throughput");
            var r = InNs(ns, 300000, "python3", bench, "--image", KernelImage.ReplPath(), "--tap-addr", "10.0.0.1/24",
                         "--runs", "2", "--mb", "1");
            log.WriteLine(r.Out);
            Assert.True(r.Code == 0, "net-throughput failed:\n" + r.Out);
            Assert.Matches(@"net-throughput: image net: 10\.0\.0\.3/24 mac 02:00:00:00:00:03 on tap:lvbench0 \| net: tcp entropy", r.Out);
            Assert.Matches(@"net-throughput: run 2 image up +[\d.]+ MB/s down +[\d.]+ MB/s", r.Out);
            Assert.Matches(@"net-throughput: median image \(10\.0\.0\.3\) up +[\d.]+ MB/s down +[\d.]+ MB/s over 2 runs of 1\.0 MB", r.Out);
        }
        finally
        {
            Sh("ip", "netns", "del", ns);
        }
    }
}
