// Why: issue 14 item "the hosted REPL gets the same line editor": `lispvm` on a pty
// (tests/Image.Tests/pty_session.py) runs the image's LineDiscipline in raw mode: a form
// recalled with the up arrow and edited, a multi-line form, the debugger's input in the
// history, Ctrl-C interrupting a running form (the debugger, on by default on a terminal,
// offers CONTINUE), Ctrl-D ending, and the terminal's modes
// given back.
using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace LispVm.Tests.Probes;

public class HostedTtyTests
{
    static object[] Step(string kind, object arg) => new[] { kind, arg };

    [Fact]
    public void Line_editor_history_debugger_lines_and_ctrl_c_on_a_terminal()
    {
        string root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(ConsoleProbes.FilePath())))!;   // tests/probes/x.txt
        var steps = new[]
        {
            Step("wait", "\\* $"), Step("modes", "start"),
            Step("send", "(+ 1 2)\r"), Step("wait", "\r\n3\r\n\\* $"),
            Step("sendsplit", "\u001b[A"),                                  // up, split across writes
            Step("send", "\u007f\u007f40)\r"), Step("wait", "\r\n41\r\n\\* $"),
            Step("send", "(list 1\r"), Step("wait", "\n  $"), Step("send", "2)\r"), Step("wait", "\\(1 2\\)\r\n\\* $"),
            Step("send", "\u001b[A\u007f\u007f3)\r"), Step("wait", "\\(1 3\\)\r\n\\* $"),   // recalled whole
            Step("send", "junk\u0001\u000b(* 6 7)\r"), Step("wait", "\r\n42\r\n\\* $"),      // C-a C-k
            Step("send", "(+ 1 dbg-nope)\r"), Step("wait", "1\\] $"),
            Step("send", "(+ 2 3)\r"), Step("wait", "\r\n5\r\n1\\] $"),
            Step("send", ":top\r"), Step("wait", "\n\\* $"),
            Step("send", "\u001b[A\u001b[A\r"), Step("wait", "\\(\\+ 2 3\\)\r*\n5\r\n\\* $"),
            Step("send", "(loop)\r"), Step("sleep", 0.5), Step("send", "\u0003"), Step("wait", ";; Error: Interrupted\\.\r\n(?s:.*)\\[CONTINUE\\](?s:.*)1\\] $"),
            Step("send", ":top\r"), Step("wait", "\n\\* $"),
            Step("send", "\u0004"),
        };
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(root, "tests", "Image.Tests", "pty_session.py"));
        psi.ArgumentList.Add(JsonSerializer.Serialize(steps));
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lispvm"));
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string json = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120000), "pty_session.py did not finish");
        Assert.True(p.ExitCode == 0, "pty_session.py failed: " + err.Result);
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        string output = r.GetProperty("output").GetString()!;
        Assert.True(r.GetProperty("failed").ValueKind == JsonValueKind.Null, r.GetProperty("failed") + "; output:\n" + output);
        Assert.Equal("raw", r.GetProperty("record").GetProperty("start").GetString());
        Assert.Equal(0, r.GetProperty("exit").GetInt32());
        Assert.True(r.GetProperty("restored").GetBoolean(), "the terminal's modes were not given back");
    }
    // The console probe set typed as a paste into the hosted REPL on a terminal (its line
    // editor in raw mode), each probe followed by (+ 40 2) answering 42.
    [Fact]
    public void Every_probe_is_survived_on_a_terminal()
    {
        ConsoleProbes.CheckOnPty(Path.Combine(AppContext.BaseDirectory, "lispvm"), "debugger=off", "--heap-limit", "256");
    }
}
