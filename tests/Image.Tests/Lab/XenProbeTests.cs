// Why: issue 14's "console robustness, proven on Xen": the console probe set
// (tests/probes/console-probes.txt) typed on the guest's console, one probe at a time as
// pasted, each followed by (+ 40 2) which must answer 42 (a probe may end in a clean
// error). The hosted REPL and the Linux image run the same list (Probes/HostedProbeTests,
// LinuxProbeTests). debugger=off: the one-line report is what the probes assert. LISPVM_LAB=1.
using System.Diagnostics;
using System.Text.RegularExpressions;
using LispVm.Tests.Probes;
using Xunit;
using Xunit.Abstractions;

using static Image.Tests.Lab.LabRepl;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class XenProbeTests(LabFixture fixture, ITestOutputHelper log)
{
    private void Say(string s) { log.WriteLine(s); Console.Error.WriteLine("[lab] " + s); }

    // Waits for the regex as long as the console keeps printing: a 1 MB paste under TCG on a
    // busy machine took 3 to over 7 minutes. A wedge is two minutes without a byte (or the
    // whole probe over 30 minutes).
    static void ExpectWhileMoving(LabGuest g, string regex)
    {
        var total = Stopwatch.StartNew();
        var still = Stopwatch.StartNew();
        int seen = -1;
        for (;;)
        {
            try { g.Expect(regex, TimeSpan.FromSeconds(20)); return; }
            catch (LabException)
            {
                int now = g.TextFrom(g.Cursor).Length;
                if (now != seen) { seen = now; still.Restart(); }
                if (still.Elapsed > TimeSpan.FromSeconds(120) || total.Elapsed > TimeSpan.FromMinutes(30)) throw;
            }
        }
    }

    [LabFact]
    public void EveryConsoleProbeIsSurvivedOnTheXenConsole()
    {
        var probes = ConsoleProbes.Load();
        var g = BootToPrompt(fixture.Lab, new LabDriver.GuestOptions(KernelImage.ReplPath(), MemoryMb: 128, Extra: "debugger=off"), out _);
        var failures = new List<string>();
        var total = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < probes.Count; i++)
            {
                var sw = Stopwatch.StartNew();
                int start = g.Cursor;
                g.Send(ConsoleProbes.Input(probes[i], i));
                // A wedged console fails here, with the console text since the last probe.
                ExpectWhileMoving(g, ConsoleProbes.MarkerRegex(i).ToString());
                string text = g.TextFrom(start);
                var m = ConsoleProbes.MarkerRegex(i).Match(text);
                string f = ConsoleProbes.CheckOne(probes[i], i, text[..m.Index]);
                if (f != null) failures.Add(f);
                Say($"probe {probes[i].Name}: {sw.Elapsed.TotalSeconds:F1} s{(f == null ? "" : " FAILED")}");
            }
            Say($"{probes.Count} console probes on Xen: {total.Elapsed.TotalSeconds:F0} s, {failures.Count} failures");
            Assert.True(failures.Count == 0, string.Join("\n\n", failures));
            g.SendLine("(+ 1 2)");
            g.Expect(@"\(\+ 1 2\)\r\n3\r\n\* ");
        }
        finally { g.Destroy(); }
    }

    // Issue 14: the Xen console has no TIOCGWINSZ; without `cols=` the guest asks the terminal
    // (CSI 6n) and never waits: typing works before any answer, and the answer, whenever it
    // comes, sets the width the line editor wraps at.
    [LabFact]
    public void ConsoleWidthIsAskedWithCsi6nAndTheAnswerSetsTheWrap()
    {
        var g = BootToPrompt(fixture.Lab, new LabDriver.GuestOptions(KernelImage.ReplPath(), MemoryMb: 64), out _);
        try
        {
            g.Expect(Regex.Escape("\u001b[6n"), TimeSpan.FromSeconds(10));
            g.SendLine("(+ 1 2)");                                   // nobody answered yet: 80 columns
            g.Expect(@"\(\+ 1 2\)\r\n3\r\n\* ");
            g.Send("\u001b[24;40R");                                  // the terminal's answer, late
            g.SendLine($"(length \"{new string('x', 50)}\")");
            // The prompt takes 2 columns: 38 characters, a row break, the rest.
            g.Expect(@"\(length ""x{29}\r\nx{21}""\)\r\n50\r\n\* ", TimeSpan.FromSeconds(30));
            Say("CSI 6n answered late: the echo wraps at 40 columns");
        }
        finally { g.Destroy(); }
    }
}
