// Why: issue 14's console probe set (tests/probes/console-probes.txt) against the REPL image
// as a Linux process, in both of its console modes: a pipe (bytes straight to the REPL) and
// a pty (raw mode, the line discipline echoing and editing as on the Xen console), each
// probe followed by (+ 40 2) answering 42. The hosted REPL and the Xen guest run the same
// list (tests/LispVm.Tests/Probes, Lab/XenProbeTests.cs).
using System.Diagnostics;
using System.Text.Json;
using LispVm.Tests.Probes;
using Xunit;

namespace Image.Tests;

public class LinuxProbeTests
{
    [Fact]
    public void Every_probe_is_survived_on_a_pipe()
    {
        var probes = ConsoleProbes.Load();
        var r = ConsoleProbes.RunPipe(KernelImage.ReplPath(), ConsoleProbes.AllInput(probes), 300000, "--heap-limit=256");
        Assert.DoesNotContain("PANIC", r.Out);
        var failures = ConsoleProbes.Check(probes, r.Out);
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.False(r.TimedOut, "the image did not end after its input ended");
        Assert.Equal(0, r.Exit);
    }

    [Fact]
    public void Every_probe_is_survived_on_a_terminal()
    {
        ConsoleProbes.CheckOnPty(KernelImage.ReplPath(), "debugger=off", "--heap-limit=256");
    }
}
