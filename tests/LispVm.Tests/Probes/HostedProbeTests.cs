// Why: issue 14's console probe set against the hosted REPL as a user runs it: the `lispvm`
// program on a pipe (a separate process, so a crash or a hang is seen as one), every probe
// followed by (+ 40 2) answering 42. The image and the Xen guest run the same list
// (tests/Image.Tests/LinuxProbeTests.cs, Lab/XenProbeTests.cs).
using Xunit;

namespace LispVm.Tests.Probes;

public class HostedProbeTests
{
    [Fact]
    public void Every_probe_is_survived_and_then_42_is_answered()
    {
        var probes = ConsoleProbes.Load();
        Assert.True(probes.Count >= 18, $"{probes.Count} probes");
        var r = ConsoleProbes.RunPipe(Path.Combine(AppContext.BaseDirectory, "lispvm"), ConsoleProbes.AllInput(probes), 300000,
            "--heap-limit", "256", "debugger=off");
        var failures = ConsoleProbes.Check(probes, r.Out);
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.False(r.TimedOut, "lispvm did not end after its input ended");
        Assert.Equal(0, r.Exit);        // the REPL on stdin ends at the end of its input
    }

    [Fact]
    public void The_checker_can_fail()
    {
        var probes = ConsoleProbes.Parse("= a\n> (car 1)\n~ ;; Error: nope\n= b\n> (+ 1 1)\n~ (?m)^2$\n");
        Assert.Equal(2, probes.Count);
        Assert.Equal("(car 1)\n(+ 40 2)\n:probe-end-0\n(+ 1 1)\n(+ 40 2)\n:probe-end-1\n", ConsoleProbes.AllInput(probes));
        // The first probe's pattern is wrong; the second lacks its 42; a third marker is missing.
        string output = ";; Error: The value 1 is not of type LIST.\n42\n:PROBE-END-0\n2\n41\n:PROBE-END-1\n";
        var f = ConsoleProbes.Check(probes, output);
        Assert.Equal(2, f.Count);
        Assert.StartsWith("a: no /;; Error: nope/", f[0]);
        Assert.StartsWith("b: (+ 40 2) did not answer 42", f[1]);
        Assert.Single(ConsoleProbes.Check(ConsoleProbes.Parse("= c\n> 1\n"), "1\n42\n"));          // no marker: died
        Assert.Single(ConsoleProbes.Check(ConsoleProbes.Parse("= c\n> 1\n!~ ^1\n"), "1\n42\n:PROBE-END-0\n"));   // an absent pattern
        Assert.Empty(ConsoleProbes.Check(ConsoleProbes.Parse("= c\n> 1\n"), "* 1\n* 42\n* :probe-end-0\n:PROBE-END-0\n"));
    }

    [Fact]
    public void Repetitions_and_raw_bytes_expand()
    {
        var p = ConsoleProbes.Parse("= x\n> {rep 3 (}a{byte 00}{byte ff}\n>2 b\n")[0];
        Assert.Equal(new[] { "(((a\u0000\u00ff", "b", "b" }, p.Lines);
    }
}
