// Why: the image's behaviour as a Linux process, the same kernel main that runs on Xen:
// banner, echo until "halt" or EOF, LF line endings, and the panic path for each kind
// of deliberate fault (report on the console, nonzero exit).
using System.Text.RegularExpressions;
using Xunit;

namespace Image.Tests;

public class LinuxRunTests
{
    private static readonly Regex Banner = new(@"^LispVm kernel on Linux: (\d+) pages, (\d+) us from entry to banner$");

    private static string[] Lines(string s) => s.Split('\n');

    [Fact]
    public void PrintsBannerWithPagesAndStartupTime()
    {
        var r = KernelImage.Run("halt\n");
        Assert.False(r.TimedOut, "image did not exit");
        string first = Lines(r.Stdout)[0];
        var m = Banner.Match(first);
        Assert.True(m.Success, $"banner line not recognised: '{first}'");
        Assert.True(long.Parse(m.Groups[1].Value) > 0, "page count must be positive");
        Assert.True(long.Parse(m.Groups[2].Value) < 1_000_000, "start-up took over a second");
    }

    [Fact]
    public void EchoesLinesUntilHaltThenExitsZero()
    {
        var r = KernelImage.Run("a\nb\nhalt\nnot echoed\n");
        Assert.False(r.TimedOut, "image did not exit on halt");
        Assert.Equal(0, r.ExitCode);
        var lines = Lines(r.Stdout);
        int a = Array.IndexOf(lines, "echo: a");
        int b = Array.IndexOf(lines, "echo: b");
        Assert.True(a > 0 && b == a + 1, "expected 'echo: a' then 'echo: b' after the banner, got:\n" + r.Stdout);
        Assert.DoesNotContain("echo: halt", r.Stdout);
        Assert.DoesNotContain("not echoed", r.Stdout);
    }

    [Fact]
    public void EndOfInputExitsZero()
    {
        var r = KernelImage.Run("one\ntwo");   // last line without newline, then EOF
        Assert.False(r.TimedOut, "image did not exit at end of input");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("echo: one\n", r.Stdout);
        Assert.Contains("echo: two", r.Stdout);
    }

    [Fact]
    public void EmptyInputExitsZero()
    {
        var r = KernelImage.Run("");
        Assert.False(r.TimedOut);
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(Banner, Lines(r.Stdout)[0]);
    }

    [Fact]
    public void LinuxOutputUsesPlainLineFeeds()
    {
        var r = KernelImage.Run("x\nhalt\n");
        Assert.DoesNotContain("\r", r.Stdout);
        Assert.Contains("echo: x\n", r.Stdout);
    }

    [Fact]
    public void ManyLinesAllEchoedInOrder()
    {
        var input = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n")) + "halt\n";
        var r = KernelImage.Run(input);
        Assert.Equal(0, r.ExitCode);
        var echoed = Lines(r.Stdout).Where(l => l.StartsWith("echo: ")).ToArray();
        Assert.Equal(2000, echoed.Length);
        Assert.Equal("echo: line 0", echoed[0]);
        Assert.Equal("echo: line 1999", echoed[^1]);
    }

    [Theory]
    [InlineData("null", "page fault")]
    [InlineData("div", "divide error")]
    [InlineData("ud", "invalid opcode")]
    public void DeliberateFaultPrintsPanicReportAndExitsNonzero(string kind, string expectedName)
    {
        var r = KernelImage.Run($"before\n#fault {kind}\nafter\n");
        Assert.False(r.TimedOut, "image hung after the fault");
        Assert.NotEqual(0, r.ExitCode);
        string all = r.Stdout + r.Stderr;
        Assert.Contains("echo: before", r.Stdout);
        Assert.Contains("PANIC", all);
        Assert.Contains(expectedName, all);
        Assert.Matches(@"rip=0x[0-9a-f]{16}", all);
        Assert.Matches(@"rsp=0x[0-9a-f]{16}", all);
        Assert.Contains("backtrace:", all);
        Assert.DoesNotContain("echo: after", r.Stdout);
    }

    [Fact]
    public void NullFaultReportsTheFaultAddress()
    {
        var r = KernelImage.Run("#fault null\n");
        Assert.Matches(@"fault address 0x0000000000000000", r.Stdout + r.Stderr);
    }

    [Fact]
    public void FloodPrintsAThousandLinesInOrder()
    {
        // #flood writes 1000 numbered lines in one go (on Xen: through a full console ring).
        var r = KernelImage.Run("#flood\nhalt\n");
        Assert.Equal(0, r.ExitCode);
        var flood = Lines(r.Stdout).Where(l => l.StartsWith("flood ")).ToArray();
        Assert.Equal(1000, flood.Length);
        for (int i = 0; i < 1000; i++) Assert.StartsWith($"flood {i} ", flood[i]);
        Assert.Contains("flood: done\n", r.Stdout);
    }

    [Fact]
    public void CorelibSelfTestPasses()
    {
        // #selftest exercises corelib features inside the image (statics, interfaces, casts, ...).
        var r = KernelImage.Run("#selftest\nhalt\n");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("selftest: ok\n", r.Stdout);
    }

    [Fact]
    public void AllocationAfterStartupPanics()
    {
        var r = KernelImage.Run("#fault alloc\n");
        Assert.False(r.TimedOut);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("PANIC", r.Stdout + r.Stderr);
        Assert.Contains("allocation", r.Stdout + r.Stderr);
    }
}
