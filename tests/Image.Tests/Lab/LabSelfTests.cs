// Why: checks the lab itself with a guest that does not depend on the LispVm build:
// lab/testdata/pvecho.S (tiny PV kernel with the same console protocol). Covers Dom0
// commands (xl list, xl mem-set), console echo, poweroff, and a preserved crash.
using Xunit;
using Xunit.Abstractions;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class LabSelfTests(LabFixture fixture, ITestOutputHelper log)
{
    private static string PvEcho(LabDriver lab)
    {
        string outPath = Path.Combine(lab.Share, "pvecho-built.elf");
        if (File.Exists(outPath)) return outPath;
        var r = LabDriver.RunHost(Path.Combine(lab.RepoRoot, "lab", "testdata", "build.sh"), "", TimeSpan.FromSeconds(60), outPath);
        Assert.True(r.ExitCode == 0, "lab/testdata/build.sh failed:\n" + r.Output);
        return outPath;
    }

    [LabFact]
    public void Dom0CommandsRunAndReportExitCodes()
    {
        var lab = fixture.Lab;
        var r = lab.Dom0("xl list");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Domain-0", r.Output);
        Assert.Equal(3, lab.Dom0("echo out; exit 3").ExitCode);
        Assert.Equal("a\nb", lab.Dom0("printf 'a\\nb\\n'").Output.TrimEnd('\n'));
    }

    [LabFact]
    public void PvEchoGuestEchoesHonoursMemSetAndPowersOff()
    {
        var lab = fixture.Lab;
        var g = lab.StartGuest(new LabDriver.GuestOptions(PvEcho(lab), MemoryMb: 32, MaxMemMb: 64));
        g.Expect(@"pvecho: Xen PV lab self-test");
        g.SendLine("one");
        g.Expect(@"echo: one\r\n");
        var set = lab.Dom0($"xl mem-set {g.DomId} 48m && xenstore-read /local/domain/{g.DomId}/memory/target");
        log.WriteLine("mem-set: " + set.Output);
        Assert.Equal(0, set.ExitCode);
        Assert.Contains("49152", set.Output);
        g.SendLine("halt");
        Assert.True(g.WaitGoneOrCrashed(TimeSpan.FromSeconds(30), out string st), "pvecho did not power off: " + st);
    }

    [LabFact]
    public void CrashedGuestIsPreservedAndLoggedByXen()
    {
        var lab = fixture.Lab;
        var g = lab.StartGuest(new LabDriver.GuestOptions(PvEcho(lab)));
        g.Expect(@"pvecho: Xen PV lab self-test");
        g.SendLine("crash");
        Assert.False(g.WaitGoneOrCrashed(TimeSpan.FromSeconds(30), out string st), "expected a crashed domain");
        Assert.Contains("c", st);
        var dmesg = lab.Dom0("xl dmesg | tail -60").Output;
        Assert.Contains($"d{g.DomId}v0 Unhandled: vec 14", dmesg);
        g.Destroy();
        Assert.Null(g.State());
    }
}
