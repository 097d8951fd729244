// Why: the line editor on a real terminal: the REPL image (artifacts/lispvm.elf) runs on a
// pty (tests/Image.Tests/pty_session.py, python3's pty and termios) while keys are typed:
// a form recalled with the up arrow (its escape sequence split across writes) and edited,
// multi-line recall, Emacs keys and C-r, Home/End, the width from `cols=` and SIGWINCH,
// and the terminal's modes given back on exit, SIGTERM, SIGHUP, SIGTSTP and Ctrl-Z.
using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Image.Tests;

public class LinuxTtyTests
{
    sealed record Session(string Output, int Exit, bool Restored, Dictionary<string, string> Record, string Failed);

    const string Prompt = "\\* $";

    static Session Run(object[][] steps, params string[] args)
    {
        string script = Path.Combine(KernelImage.RepoRoot(), "tests", "Image.Tests", "pty_session.py");
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(JsonSerializer.Serialize(steps));
        psi.ArgumentList.Add(KernelImage.ReplPath());
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string json = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60000), "pty_session.py did not finish");
        Assert.True(p.ExitCode == 0, "pty_session.py failed: " + err.Result);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var record = new Dictionary<string, string>();
        foreach (var kv in root.GetProperty("record").EnumerateObject()) record[kv.Name] = kv.Value.GetString()!;
        var s = new Session(root.GetProperty("output").GetString()!, root.GetProperty("exit").GetInt32(),
            root.GetProperty("restored").GetBoolean(), record,
            root.GetProperty("failed").ValueKind == JsonValueKind.Null ? null : root.GetProperty("failed").GetString());
        Assert.True(s.Failed == null, $"{s.Failed}; output:\n{s.Output}");
        return s;
    }

    static object[] Step(string kind, object arg) => new[] { kind, arg };

    [Fact]
    public void UpArrowRecallsAFormThatIsEditedAndRun()
    {
        var s = Run(new[]
        {
            Step("wait", Prompt), Step("modes", "start"),
            Step("send", "(+ 1 2)\r"), Step("wait", "\r\n3\r\n"),
            Step("sendsplit", "\u001b[A"),                       // ESC, [, A in three writes
            Step("send", "\u007f\u007f40)\r"), Step("wait", "\r\n41\r\n"),
            Step("send", "\u0004"),                              // Ctrl-D at the top level: the end
        });
        Assert.Equal("raw", s.Record["start"]);
        Assert.Equal(0, s.Exit);
        Assert.True(s.Restored, "the terminal's modes were not given back");
        Assert.Contains("\r\n41\r\n", s.Output);
    }

    [Fact]
    public void MultiLineFormIsRecalledWhole()
    {
        var s = Run(new[]
        {
            Step("wait", Prompt),
            Step("send", "(list 1\r"), Step("send", "2)\r"), Step("wait", "\\(1 2\\)\r\n"),
            Step("send", "\u001b[A\u007f\u007f3)\r"), Step("wait", "\\(1 3\\)\r\n"),
            Step("send", "\u0004"),
        });
        Assert.Equal(0, s.Exit);
    }

    [Fact]
    public void EmacsKeysHomeEndAndReverseSearch()
    {
        var s = Run(new[]
        {
            Step("wait", Prompt),
            Step("send", "(+ 10 20)\r"), Step("wait", "\r\n30\r\n"),
            Step("send", "(* 2 3)\r"), Step("wait", "\r\n6\r\n"),
            Step("send", "junk\u0001\u000b(+ 1 1)\r"), Step("wait", "\r\n2\r\n"),        // C-a C-k
            Step("send", "+ 1 5)\u001b[H(\u001b[F\r"), Step("wait", "\r\n6\r\n\\* $"),   // Home, End
            Step("send", "\u0012 10\r"), Step("wait", "(?s)30\r\n.*30\r\n"),               // C-r " 10"
            Step("send", "(- 9 1)\u001b[D\u001b[D\u00042\r"), Step("wait", "\r\n7\r\n"),      // C-d deletes
            Step("send", "\u0004"),
        });
        Assert.Equal(0, s.Exit);
        Assert.Contains("(reverse-i-search)` 10': (+ 10 20)", s.Output);
    }

    // Issue 14: what is typed at the debugger's prompt goes into the history too (each line
    // its own entry): after :top, up twice recalls the form typed at "1] ".
    [Fact]
    public void DebuggerInputLinesAreInTheHistory()
    {
        var s = Run(new[]
        {
            Step("wait", Prompt),
            Step("send", "(+ 1 dbg-nope)\r"), Step("wait", "1\\] $"),
            Step("send", "(+ 2 3)\r"), Step("wait", "\r\n5\r\n1\\] $"),
            Step("send", ":top\r"), Step("wait", Prompt),
            Step("send", "\u001b[A\u001b[A\r"), Step("wait", "\\(\\+ 2 3\\)\r\n5\r\n\\* $"),
            Step("send", "\u0004"),
        });
        Assert.Equal(0, s.Exit);
    }

    [Fact]
    public void WidthFromColsAndFromSigwinchWrapsTheEcho()
    {
        string x30 = new string('x', 30);
        // cols=20: 18 characters after the prompt, then the editor breaks the row (CR LF;
        // the tty's output processing makes it CR CR LF).
        var s = Run(new[]
        {
            Step("wait", Prompt),
            Step("send", $"(length \"{x30}\")\r"), Step("wait", "\r\n30\r\n"),
            Step("send", "\u0004"),
        }, "cols=20");
        Assert.Contains("(length \"xxxxxxxxx\r\r\nxxxxxxxxxxxxxxxxxxxx\r\r\nx\")", s.Output);
        var w = Run(new[]
        {
            Step("wait", Prompt), Step("resize", 30), Step("sleep", 0.2),
            Step("send", $"(length \"{x30}\")\r"), Step("wait", "\r\n30\r\n"),
            Step("send", "\u0004"),
        });
        Assert.Contains("(length \"xxxxxxxxxxxxxxxxxxx\r\r\nxxxxxxxxxxx\")", w.Output);
    }

    [Theory]
    [InlineData("TERM", 128 + 15)]
    [InlineData("HUP", 128 + 1)]
    public void FatalSignalsGiveTheTerminalBack(string signal, int exit)
    {
        var s = Run(new[] { Step("wait", Prompt), Step("modes", "before"), Step("signal", signal) });
        Assert.Equal("raw", s.Record["before"]);
        Assert.Equal(exit, s.Exit);
        Assert.True(s.Restored, "the terminal's modes were not given back");
    }

    [Theory]
    [InlineData("signal", "TSTP")]
    [InlineData("send", "\u001a")]           // Ctrl-Z typed: raw mode makes it a byte
    public void StopGivesTheTerminalBackAndContinueTakesItAgain(string kind, string how)
    {
        var s = Run(new[]
        {
            Step("wait", Prompt), Step(kind, how),
            Step("state", "state"), Step("modes", "whileStopped"),
            Step("signal", "CONT"), Step("modes", "continued"),
            Step("send", "(+ 2 3)\r"), Step("wait", "\r\n5\r\n"),
            Step("send", "\u0004"),
        });
        Assert.Equal("T", s.Record["state"]);
        Assert.Equal("cooked", s.Record["whileStopped"]);
        Assert.Equal("raw", s.Record["continued"]);
        Assert.Equal(0, s.Exit);
        Assert.DoesNotContain("\u001a", s.Output);
    }
}
