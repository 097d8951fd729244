// Why: the product image (artifacts/lispvm.elf, the Lisp REPL) as a Linux process on a
// pipe: banner, the golden transcripts with the hosted answers, (quit) and end of input,
// 1 MB of output and a 10,000-character input line arriving whole.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Image.Tests;

public class LinuxReplTests
{
    private static KernelImage.Result Repl(string input, int timeoutMs = 30000) =>
        KernelImage.Run(input, timeoutMs, image: KernelImage.ReplPath());

    [Fact]
    public void BannerNamesVersionPlatformMemoryAndBootTime()
    {
        var r = Repl("");
        Assert.False(r.TimedOut);
        Assert.Equal(0, r.ExitCode);
        string first = r.Stdout.Split('\n')[0];
        Assert.Matches(new Regex(@"^LispVm \d+\.\d+ on Linux: \d+ MiB, boot \d+ ms$"), first);
    }

    [Theory]
    [MemberData(nameof(ImageTranscripts.Files), MemberType = typeof(ImageTranscripts))]
    public void Transcript_passes_in_the_image(string name)
    {
        string input = ImageTranscripts.Input(name, "t", out var chunks);
        var r = Repl(input, 60000);
        Assert.False(r.TimedOut, $"{name}: the image did not finish; output tail:\n{r.Stdout[^Math.Min(2000, r.Stdout.Length)..]}");
        var failures = ImageTranscripts.Check(name, "t", chunks, r.Stdout);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void TranscriptRunnerCanFail()
    {
        // A wrong expectation must be reported (the runner is not vacuous).
        var chunks = LispVm.Tests.Transcripts.Transcript.Parse("(+ 1 2)\n;=> 4\n");
        var r = Repl(ImageTranscripts.InputFor(chunks, "t"));
        Assert.Single(ImageTranscripts.Check("x.txt", "t", chunks, r.Stdout));
        var good = LispVm.Tests.Transcripts.Transcript.Parse("(+ 1 2)\n;=> 3\n");
        Assert.Empty(ImageTranscripts.Check("x.txt", "t", good, r.Stdout));
    }

    // Issue 19: every compiled function in the heap image linked into the ELF (the library
    // compiled at build time, then mapped) decodes with the opcode table, peephole'd or not.
    [Fact]
    public void Every_function_in_the_linked_heap_image_decodes()
    {
        var r = Repl("(%check-all-code)\n");
        Assert.False(r.TimedOut);
        var m = Regex.Match(r.Stdout, @"\((\d+) (\d+)[ )]");
        Assert.True(m.Success, r.Stdout);
        Assert.True(int.Parse(m.Groups[1].Value) > 2000, r.Stdout);
        Assert.True(m.Groups[2].Value == "0", r.Stdout);
    }

    // Issue 14: the heap image comes from a Linux run, so the platform is set at every boot:
    // SOFTWARE-TYPE, :LINUX (not :XEN) in *FEATURES*, MACHINE-INSTANCE the host name.
    [Fact]
    public void PlatformFeaturesAreSetAtBoot()
    {
        var r = Repl("(list (software-type) (and (member :linux *features*) t) (and (member :xen *features*) t) (machine-instance))\n");
        Assert.False(r.TimedOut);
        Assert.Contains($"(\"Linux\" T NIL \"{System.Net.Dns.GetHostName()}\")", r.Stdout);
    }

    // A pipe keeps the one-line report; debugger=on on the command line opens the debugger.
    [Fact]
    public void DebuggerWordOnTheCommandLineTurnsItOnForAPipe()
    {
        var off = Repl("(+ 1 dbg-nope)\n(+ 40 2)\n");
        Assert.Contains(";; Error: The variable DBG-NOPE is unbound.\n* \n42", off.Stdout.Replace("\r", ""));
        Assert.DoesNotContain("Restarts:", off.Stdout);
        var on = KernelImage.Run("(+ 1 dbg-nope)\n1\n41\n", image: KernelImage.ReplPath(), args: "debugger=on");
        Assert.Contains("  1: [USE-VALUE] Use a value for DBG-NOPE instead.", on.Stdout);
        Assert.Contains("\n42\n", on.Stdout);
    }

    [Fact]
    public void QuitExitsWithItsCodeAndIgnoresTheRest()
    {
        var r = Repl("(+ 1 2)\n(quit 3)\n(+ 40 2)\n");
        Assert.False(r.TimedOut);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("\n3\n", r.Stdout);
        // Not the banner's line: "boot 42 ms" once failed this.
        Assert.DoesNotContain("\n42", r.Stdout.Substring(r.Stdout.IndexOf('\n')));
    }

    [Fact]
    public void OneMegabyteOfOutputArrivesWhole()
    {
        // 16,384 lines of 63 characters + newline = 1 MiB, then a sentinel value.
        var r = Repl("(dotimes (i 16384) (format t \"~10,'0D~52,,,'xA~%\" i \"\"))\n(+ 20 22)\n");
        Assert.False(r.TimedOut);
        var lines = r.Stdout.Split('\n').Where(l => Regex.IsMatch(l, @"^(\* )?\d{10}x{52}$")).ToArray();
        Assert.Equal(16384, lines.Length);
        Assert.EndsWith("0000016383" + new string('x', 52), lines[^1]);
        Assert.Contains("\n42\n", r.Stdout);
    }

    [Fact]
    public void TenThousandCharacterLineIsReadWhole()
    {
        string s = new string('a', 10000);
        var r = Repl($"(length \"{s}\")\n(length (quote ({string.Join(" ", Enumerable.Range(0, 2000))})))\n");
        Assert.False(r.TimedOut);
        Assert.Contains("\n10000\n", r.Stdout);
        Assert.Contains("\n2000\n", r.Stdout);
    }

    [Fact]
    public void ErrorReturnsToTheTopLevelWithDefinitionsKept()
    {
        var r = Repl("(defun sq (x) (* x x))\n(car 1)\n(sq 12)\n");
        Assert.Contains(";; Error: The value 1 is not of type LIST.", r.Stdout);
        Assert.Contains("\n144\n", r.Stdout);
    }

    [Fact]
    public void EchoBootOptionKeepsTheFoundationLoop()
    {
        var r = KernelImage.Run("hello\nhalt\n", image: KernelImage.ReplPath(), args: "echo");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("echo: hello\n", r.Stdout);
    }

    [Fact]
    public void OnATerminalCtrlCInterruptsAndCtrlDExits()
    {
        // script(1) gives the image a pseudo-terminal: raw mode and the line discipline. The
        // debugger (on by default on a terminal) is off here: one-line reports as before.
        var psi = new ProcessStartInfo("script", new[] { "-qfec", KernelImage.ReplPath() + " debugger=off", "/dev/null" })
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        void Type(string s, int pauseMs) { p.StandardInput.Write(s); p.StandardInput.Flush(); Thread.Sleep(pauseMs); }
        Thread.Sleep(500);
        Type("(defun sq (x)\r", 200);
        Type(" (* x x))\r", 200);
        Type("(loop)\r", 1000);
        Type("\u0003", 300);
        Type("(sleep 30)\r", 500);
        Type("\u0003", 300);
        Type("(sq 1x\u007f2)\r", 300);
        Type("\u0004", 300);
        bool exited = p.WaitForExit(10000);
        if (!exited) p.Kill(true);
        string o = stdout.Result;
        Assert.True(exited, "Ctrl-D did not end the image; output:\n" + o);
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("(defun sq (x)\r\n   (* x x))\r\nSQ\r\n* ", o);      // secondary prompt "  "
        Assert.Contains("(loop)\r\n;; Error: Interrupted.\r\n* ", o);
        Assert.Contains("(sleep 30)\r\n;; Error: Interrupted.\r\n* ", o);   // a sleep ends early too
        Assert.Contains("(sq 1x\b \b2)\r\n144\r\n* ", o);
    }

    // The debugger transcript typed on a terminal: the image echoes each line as the Xen
    // console does, so this checks the transcript's echo handling outside the lab too.
    [Fact]
    public void DebuggerTranscriptPassesOnATerminal()
    {
        string input = ImageTranscripts.Input("14-debugger.txt", "p", out var chunks);
        var psi = new ProcessStartInfo("script", new[] { "-qfec", KernelImage.ReplPath(), "/dev/null" })
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        Thread.Sleep(500);
        foreach (string l in input.Split('\n')[..^1]) { p.StandardInput.Write(l + "\r"); p.StandardInput.Flush(); Thread.Sleep(30); }
        Thread.Sleep(1000);
        p.StandardInput.Write("\u0004"); p.StandardInput.Flush();    // at the top level: exits
        bool exited = p.WaitForExit(10000);
        if (!exited) p.Kill(true);
        string o = stdout.Result;
        var failures = ImageTranscripts.Check("14-debugger.txt", "p", chunks, o);
        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n--- output:\n" + o);
    }

    // Issue 14: on a terminal the debugger is on by default. Ctrl-C in a loop offers CONTINUE
    // (chosen: the loop goes on), Ctrl-C again then :top; an error, Ctrl-C at its prompt drops
    // the line typed, then Ctrl-D goes back one level; Ctrl-D at the top exits.
    [Fact]
    public void OnATerminalTheDebuggerTakesCtrlCAndCtrlD()
    {
        var psi = new ProcessStartInfo("script", new[] { "-qfec", KernelImage.ReplPath(), "/dev/null" })
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        void Type(string s, int pauseMs) { p.StandardInput.Write(s); p.StandardInput.Flush(); Thread.Sleep(pauseMs); }
        Thread.Sleep(500);
        Type("(defvar *k* 0)\r", 200);
        Type("(loop (setq *k* (+ *k* 1)))\r", 700);
        Type("\u0003", 400);
        Type("0\r", 700);
        Type("\u0003", 400);
        Type("(> *k* 1000)\r", 300);
        Type(":top\r", 300);
        Type("(car 1)\r", 300);
        Type("(+ 1", 200);
        Type("\u0003", 300);        // at the debugger's prompt: the line is dropped, prompt again
        Type("(+ 1 2)\r", 300);
        Type("\u0004", 300);
        Type("(+ 40 2)\r", 300);
        Type("(car 2)\r(+ 2 3)\r:top\r", 600);   // pasted: the debugger reads the lines after the error
        Type("\u0004", 300);
        bool exited = p.WaitForExit(10000);
        if (!exited) p.Kill(true);
        string o = stdout.Result;
        Assert.True(exited, "Ctrl-D did not end the image; output:\n" + o);
        Assert.Equal(0, p.ExitCode);
        Assert.Contains(";; Error: Interrupted.\r\nRestarts:\r\n  0: [CONTINUE] Continue the interrupted computation.\r\n  1: [ABORT] Return to top level.\r\n1] 0\r\n", o);
        Assert.Contains("1] (> *k* 1000)\r\nT\r\n1] :top\r\n* ", o);
        Assert.Contains("(car 1)\r\n;; Error: The value 1 is not of type LIST.\r\nRestarts:\r\n  0: [ABORT] Return to top level.\r\n1] ", o);
        Assert.Contains("1] (+ 1 2)\r\n3\r\n1] ", o);
        Assert.Contains("(+ 40 2)\r\n42\r\n* ", o);
        Assert.Contains("1] (+ 2 3)\r\n5\r\n1] :top\r\n* ", o);
    }

    [Fact]
    public void OnAPipeSigintInterruptsTheRunningForm()
    {
        var psi = new ProcessStartInfo(KernelImage.ReplPath())
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        p.StandardInput.Write("(loop)\n");
        p.StandardInput.Flush();
        Thread.Sleep(1000);
        using (var kill = Process.Start("kill", $"-INT {p.Id}")) kill!.WaitForExit();
        p.StandardInput.Write("(+ 40 2)\n");
        p.StandardInput.Close();
        bool exited = p.WaitForExit(10000);
        if (!exited) p.Kill(true);
        Assert.True(exited, "the image did not survive SIGINT / finish");
        Assert.Equal(0, p.ExitCode);
        Assert.Contains(";; Error: Interrupted.\n", stdout.Result);
        Assert.Contains("\n42\n", stdout.Result);
    }
}
