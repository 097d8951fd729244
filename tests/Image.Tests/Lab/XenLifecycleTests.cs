// Why: issue 12's control/shutdown "done when", asserted from Dom0: `xl shutdown` at the idle
// prompt, during (loop) and during (sleep 60) ends the domain within 20 s; a garbled target
// is left alone (suspend is carried out since issue 20: XenSaveRestoreTests); `xl reboot`
// with on_reboot="restart"
// brings the prompt back in a new domain of the same name (followed by name, its boot
// read from xenconsoled's log because it prints before the console is re-bridged).
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

using static Image.Tests.Lab.LabRepl;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class XenLifecycleTests(LabFixture fixture, ITestOutputHelper log)
{
    private static readonly TimeSpan GoneLimit = TimeSpan.FromSeconds(20);

    private void Say(string s) { log.WriteLine(s); Console.Error.WriteLine("[lab] " + s); }

    private LabGuest Boot(string onReboot = "destroy")
    {
        return BootToPrompt(fixture.Lab, new LabDriver.GuestOptions(KernelImage.ReplPath(), MemoryMb: 64, OnReboot: onReboot), out _);
    }

    private void ShutdownAndWait(LabGuest g, string when)
    {
        var sw = Stopwatch.StartNew();
        fixture.Lab.Dom0("xl shutdown " + g.DomId);
        bool gone = g.WaitGoneOrCrashed(GoneLimit, out var state);
        Say($"xl shutdown {when}: domain gone after {sw.Elapsed.TotalSeconds:F1} s");
        Assert.True(gone, $"after xl shutdown the domain should be gone, state '{state}'; console:\n{g.Output}");
        Assert.Contains("xl shutdown: powering off", g.Output);
    }

    [LabFact]
    public void XlShutdownAtTheIdlePromptEndsTheDomain()
    {
        var g = Boot();
        g.SendLine("(+ 1 2)");
        g.Expect(@"\r\n3\r\n\* ");
        ShutdownAndWait(g, "at the prompt");
    }

    [LabFact]
    public void XlShutdownDuringALoopEndsTheDomainWithOutputFlushed()
    {
        var g = Boot();
        g.SendLine("(progn (print 'started) (loop))");
        g.Expect(@"\r\nSTARTED ", TimeSpan.FromSeconds(30));
        Thread.Sleep(1000);
        ShutdownAndWait(g, "during (loop)");
    }

    // Values the guest does not carry out: an unknown request stays in control/shutdown
    // (clearing it would tell libxl the guest accepted) and a garbled memory/target is
    // ignored, one console line each; then `xl shutdown` ends a (sleep 60), which waits on the
    // event ports. (`suspend` is carried out since issue 20: XenSaveRestoreTests.)
    [LabFact]
    public void UnknownRequestAndAGarbledTargetAreLeftAloneThenXlShutdownEndsASleep()
    {
        var lab = fixture.Lab;
        var g = Boot();
        string dom = "/local/domain/" + g.DomId;
        lab.Dom0($"xenstore-write {dom}/control/shutdown hibernate && xenstore-write {dom}/memory/target 12abc");
        const string unknown = @"control/shutdown: ignoring 'hibernate' \(unknown request, left in place\)\r\n";
        const string target = @"memory/target: ignoring '12abc' \(not a KiB count\)\r\n";
        g.Expect("(?s)(?:" + unknown + ".*" + target + "|" + target + ".*" + unknown + ")", TimeSpan.FromSeconds(20));   // either order
        Assert.Equal("hibernate", lab.XenstoreRead(g.DomId, "control/shutdown"));
        g.SendLine("(+ 40 2)");
        g.Expect(@"\(\+ 40 2\)\r\n42\r\n\* ");
        lab.Dom0($"xenstore-write {dom}/control/shutdown ''");
        g.SendLine("(sleep 60)");
        g.Expect(@"\(sleep 60\)\r\n");
        Thread.Sleep(1000);
        ShutdownAndWait(g, "during (sleep 60)");
    }

    [LabFact]
    public void XlRebootWithOnRebootRestartBringsThePromptBack()
    {
        var lab = fixture.Lab;
        var g = Boot("restart");
        g.SendLine("(defvar *before* 'first-boot)");
        g.Expect(@"\r\n\*BEFORE\*\r\n\* ");
        int old = g.DomId;
        var sw = Stopwatch.StartNew();
        lab.Dom0("xl reboot " + g.DomId);
        g.Expect(@"xl reboot: rebooting", TimeSpan.FromSeconds(30));
        var follow = g.FollowRestart(TimeSpan.FromSeconds(60));
        Say($"xl reboot: domain {old} -> {g.DomId} after {follow.TotalSeconds:F1} s");
        // Two banners in xenconsoled's log of this name: the first boot and the restart.
        var sw2 = Stopwatch.StartNew();
        for (;;)
        {
            int banners = Regex.Matches(lab.ConsoleLog(g.Name), BannerRe).Count;
            if (banners >= 2) break;
            Assert.True(sw2.Elapsed < BootLimit, $"no second banner in xenconsoled's log after {BootLimit.TotalSeconds} s:\n{lab.ConsoleLog(g.Name)}");
            Thread.Sleep(500);
        }
        Say($"xl reboot to second banner: {sw.Elapsed.TotalSeconds:F1} s");
        g.SendLine("(list (boundp '*before*) (+ 40 2))");
        g.Expect(@"\r\n\(NIL 42\)\r\n\* ", TimeSpan.FromSeconds(60));   // a fresh Lisp, answering
        g.Destroy();
    }
}
