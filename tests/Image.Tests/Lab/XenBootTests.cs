// Why: the image's behaviour as a Xen PV guest in the lab, end to end: banner (platform
// "Xen", page count, guest-side start-up time), line echo over the Xen console ring,
// `halt` removes the domain, and `#fault null` reaches the panic report and crashes the
// domain (preserved for xl dmesg/xenctx). Prints the lab and boot timings. LISPVM_LAB=1.
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class XenBootTests(LabFixture fixture, ITestOutputHelper log)
{
    private const string BannerRe = @"LispVm kernel on Xen[^\r\n]*: (\d+) pages, (\d+) us from entry to banner\r?\n";

    private void Say(string s) { log.WriteLine(s); Console.Error.WriteLine("[lab] " + s); }

    private void PrintLabTimes(LabDriver lab)
    {
        string cold = File.Exists(Path.Combine(lab.Cache, "build-ms"))
            ? (int.Parse(File.ReadAllText(Path.Combine(lab.Cache, "build-ms")).Trim()) / 1000.0).ToString("F1") + " s" : "unknown";
        Say($"lab build: {lab.BuildTime.TotalSeconds:F1} s this run ({(lab.BuildWasWarm ? "warm" : "cold")}); last cold build {cold}");
        Say($"Dom0 boot to agent ready: {lab.Dom0BootTime.TotalSeconds:F1} s");
    }

    [LabFact]
    public void BootsToBannerEchoesTwoLinesAndHaltRemovesTheDomain()
    {
        var lab = fixture.Lab;
        PrintLabTimes(lab);
        var g = lab.StartGuest(new LabDriver.GuestOptions(KernelImage.Path_(), MemoryMb: 32));
        var banner = g.Expect(BannerRe, TimeSpan.FromSeconds(60));
        var toBanner = g.SinceUnpause.Elapsed;
        long pages = long.Parse(banner.Groups[1].Value), guestUs = long.Parse(banner.Groups[2].Value);
        Say($"guest xl create: {g.CreateTime.TotalSeconds:F2} s; unpause to banner: {toBanner.TotalSeconds:F2} s; " +
            $"guest-side entry to banner: {guestUs} us; pages: {pages}");
        Assert.Contains("Xen", banner.Value);
        Assert.True(pages > 0, "banner page count must be positive: " + banner.Value);
        Assert.InRange(pages, 1, 32L * 256);   // a 32 MiB domain owns at most 8192 pages

        var sw = Stopwatch.StartNew();
        g.SendLine("hello from the lab");
        g.Expect(@"echo: hello from the lab\r?\n");
        Say($"input line to echo: {sw.Elapsed.TotalSeconds:F2} s");
        g.SendLine("second line 2");
        g.Expect(@"echo: second line 2\r?\n");

        g.SendLine("halt");
        sw.Restart();
        bool gone = g.WaitGoneOrCrashed(TimeSpan.FromSeconds(30), out string state);
        Say($"halt to domain gone: {sw.Elapsed.TotalSeconds:F2} s");
        Assert.True(gone, $"after halt the domain should be gone, xl list state '{state}'; console:\n{g.Output}");
        Assert.DoesNotContain(g.Name, lab.Dom0("xl list").Output);
        Assert.DoesNotContain("echo: halt", g.Output);
    }

    [LabFact]
    public void FaultNullPrintsPanicReportAndCrashesTheDomain()
    {
        var lab = fixture.Lab;
        var g = lab.StartGuest(new LabDriver.GuestOptions(KernelImage.Path_()));
        g.Expect(BannerRe, TimeSpan.FromSeconds(60));
        g.SendLine("before");
        g.Expect(@"echo: before\r?\n");
        g.SendLine("#fault null");
        g.Expect("PANIC");
        g.Expect("page fault");
        bool gone = g.WaitGoneOrCrashed(TimeSpan.FromSeconds(30), out string state);
        string dmesg = lab.Dom0("xl dmesg | tail -40").Output;
        Say($"after #fault null: domain {(gone ? "gone" : "state " + state)}; console:\n{g.Output}\nxl dmesg tail:\n{dmesg}");
        Assert.Matches(@"rip=0x[0-9a-f]{16}", g.Output);
        Assert.Contains("fault address 0x0000000000000000", g.Output);
        Assert.Contains("backtrace:", g.Output);
        Assert.DoesNotContain("echo: #fault null", g.Output);
        if (!gone)
        {
            Assert.Contains("c", state);                       // crashed, kept by on_crash="preserve"
            // The kernel's panic path ends with SCHEDOP_shutdown(crash): Xen logs nothing for a
            // voluntary crash, so only the state and the console report are checked here.
            g.Destroy();
            Assert.Null(g.State());
        }
    }

    [LabFact]
    public void RunShPrintsXlDmesgWhenTheGuestCrashes()
    {
        // Its own Dom0 boot: lab/run.sh is the command-line path (stdin/stdout console).
        var r = LabDriver.RunHost(Path.Combine(KernelImage.RepoRoot(), "lab", "run.sh"), "before\n#fault null\n",
                                  TimeSpan.FromSeconds(240), KernelImage.Path_(), "--timeout", "200");
        Say("lab/run.sh stdout:\n" + r.Stdout + "\nstderr:\n" + r.Stderr);
        Assert.False(r.TimedOut, "lab/run.sh did not finish");
        Assert.Contains("echo: before", r.Stdout);
        Assert.Contains("PANIC", r.Stdout);
        Assert.Equal(2, r.ExitCode);                            // 2 = guest crashed
        Assert.Contains("=== xl dmesg", r.Stderr);
        Assert.Contains("=== xenctx", r.Stderr);
    }
}
