// Why: issue 20's density "done when" at CI size: bench/density/dom0.sh (the very script the
// 100-guest bench runs) creates 20 REPL guests of 16 MiB in the shared Dom0, every one must
// answer (+ 1 2) = 3 on its own console, and after `xl shutdown` all must be gone with Xen's
// free memory back. The figures it prints (xl create -> prompt, memory) go to the log.
// LISPVM_LAB=1.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class XenDensityTests(LabFixture fixture, ITestOutputHelper log)
{
    private const int Guests = 20;

    private void Say(string s) { log.WriteLine(s); Console.Error.WriteLine("[lab] " + s); }

    [LabFact]
    public void TwentySixteenMiBGuestsAllAnswerAndAllGo()
    {
        var lab = fixture.Lab;
        string root = KernelImage.RepoRoot();
        string dir = Path.Combine(lab.Share, "density");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(root, "bench", "density", "dom0.sh"), Path.Combine(dir, "dom0.sh"), true);
        File.Copy(KernelImage.ReplPath(), Path.Combine(dir, "lispvm.elf"), true);

        var sw = Stopwatch.StartNew();
        // Creation limit 20 s a guest (xl create -p took 1.3-1.9 s on an idle
        // lab host, 10-15 s with the host loaded),
        // then the script's own limits (answers 120 s, idle 20 s, shutdown 180 s).
        var r = lab.Dom0($"bash /mnt/share/density/dom0.sh /mnt/share/density/lispvm.elf {Guests} {20 * Guests} 16 2>&1",
            TimeSpan.FromSeconds(20 * Guests + 480));
        Say($"density dom0.sh with {Guests} guests: rc {r.ExitCode} in {sw.Elapsed.TotalSeconds:F0} s");
        foreach (var line in r.Output.Split('\n'))
            if (!line.StartsWith("@@GUEST")) Say(line.TrimEnd('\r'));

        var booted = Regex.Matches(r.Output, @"^@@GUEST dens\d{3} create_ms (\d+) create_to_prompt_ms (\d+) after_create_ms \d+ guest_boot_ms (\d+)\r?$",
            RegexOptions.Multiline);
        Assert.True(booted.Count == Guests, $"{booted.Count} of {Guests} guests reached their prompt:\n{r.Output}");
        Assert.Matches($@"@@RESULT answered {Guests} of {Guests} with 3 ", r.Output);
        Assert.Matches($@"@@RESULT all {Guests} gone after xl shutdown in \d+ ms \({Guests} said 'xl shutdown: powering off'\)", r.Output);
        // The (room) sample came from a live guest: a heap limit and the frames it owns.
        Assert.Matches(@"@@ROOM dens001: .*the platform owns [\d,]+", r.Output);
        // The guests' memory is Xen's again (a few MiB of slack for Xen's own bookkeeping).
        var before = Regex.Match(r.Output, @"@@FIG before: xl free_memory (\d+) MiB");
        var gone = Regex.Match(r.Output, @"@@FIG gone: xl free_memory (\d+) MiB");
        Assert.True(before.Success && gone.Success, "free_memory figures missing:\n" + r.Output);
        Assert.InRange(int.Parse(gone.Groups[1].Value), int.Parse(before.Groups[1].Value) - 4, int.MaxValue);
        Assert.Matches($@"DENSITY OK {Guests} guests of 16 MiB: {Guests} answered", r.Output);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", lab.Dom0("xl list | awk '$1 ~ /^dens/'").Output.Trim());
    }
}
