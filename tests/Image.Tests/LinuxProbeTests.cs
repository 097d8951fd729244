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
        var probes = ConsoleProbes.Load();
        string script = Path.Combine(KernelImage.RepoRoot(), "tests", "Image.Tests", "pty_session.py");
        // Typed as a paste (CR ends a line, as a terminal sends it); Ctrl-D at the end.
        var steps = new object[][]
        {
            new object[] { "wait", "\\* $" },
            new object[] { "paste", ConsoleProbes.AllInput(probes, "\r"), 300 },
            new object[] { "wait", ConsoleProbes.MarkerRegex(probes.Count - 1).ToString(), 300 },
            new object[] { "send", "\u0004" },
        };
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        string stepsFile = Path.GetTempFileName();
        File.WriteAllText(stepsFile, JsonSerializer.Serialize(steps));
        psi.ArgumentList.Add("@" + stepsFile);
        psi.ArgumentList.Add(KernelImage.ReplPath());
        psi.ArgumentList.Add("debugger=off");
        psi.ArgumentList.Add("--heap-limit=256");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string json = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(700000), "pty_session.py did not finish");
        File.Delete(stepsFile);
        Assert.True(p.ExitCode == 0, "pty_session.py failed: " + err.Result);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string output = root.GetProperty("output").GetString()!;
        Assert.DoesNotContain("PANIC", output);
        var failures = ConsoleProbes.Check(probes, output);
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(root.GetProperty("failed").ValueKind == JsonValueKind.Null, root.GetProperty("failed").ToString());
        Assert.Equal(0, root.GetProperty("exit").GetInt32());
        Assert.True(root.GetProperty("restored").GetBoolean(), "the terminal's modes were not given back");
    }
}
