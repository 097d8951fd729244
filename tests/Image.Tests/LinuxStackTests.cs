// Why: issue 19 in the kernel image as a Linux process (the default heap budget): the Lisp
// stacks are reserved and committed on demand, so a 1,000,000-deep non-tail recursion read
// from stdin runs; past the reservation the result is a storage-condition that handler-case
// catches, the stack works again afterwards, and uncaught the REPL reports it and goes on.
// With a 16 MiB guest's sizes (LISPVM_HEAP_MB=12) the same million is a storage-condition.
using Xunit;

namespace Image.Tests;

public class LinuxStackTests
{
    const string Defs =
        "(defun f (n) (if (= n 0) 0 (+ 1 (f (1- n)))))\n" +
        "(defmacro try (x) `(handler-case ,x (storage-condition (c) (list 'caught (princ-to-string c)))))\n";

    static List<string> Answers(string stdout) =>
        stdout.Split('\n').Select(l => l.TrimEnd('\r')).Select(l => l.StartsWith("* ") ? l[2..] : l)
              .Where(l => l.Length > 0 && l != "*").ToList();

    [Fact]
    public void Million_deep_recursion_runs_and_overflow_is_a_storage_condition()
    {
        string input = Defs + "(f 1000000)\n(try (f 100000000))\n(f 1000000)\n(f 100000000)\n(+ 40 2)\n";
        var r = KernelImage.Run(input, 120000, image: KernelImage.ReplPath());
        Assert.False(r.TimedOut, "the image did not finish:\n" + r.Stdout);
        Assert.DoesNotContain("PANIC", r.Stdout);
        Assert.Equal(0, r.ExitCode);
        var a = Answers(r.Stdout);
        int at = a.IndexOf("TRY");
        Assert.True(at > 0, r.Stdout);
        Assert.Equal("1000000", a[at + 1]);
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", a[at + 2]);
        Assert.Equal("1000000", a[at + 3]);
        Assert.Contains("Stack exhausted.", a[at + 4]);
        Assert.Equal("42", a[at + 5]);
    }

    [Fact]
    public void Small_guest_sizes_end_a_million_in_a_storage_condition()
    {
        string input = Defs + "(try (f 1000000))\n(f 100000)\n(+ 40 2)\n";
        var r = KernelImage.Run(input, 60000, image: KernelImage.ReplPath(), args: new[] { "LISPVM_HEAP_MB=12" });
        Assert.False(r.TimedOut, "the image did not finish:\n" + r.Stdout);
        Assert.Equal(0, r.ExitCode);
        var a = Answers(r.Stdout);
        int at = a.IndexOf("TRY");
        Assert.True(at > 0, r.Stdout);
        Assert.Equal("(CAUGHT \"Stack exhausted.\")", a[at + 1]);
        Assert.Equal("100000", a[at + 2]);
        Assert.Equal("42", a[at + 3]);
    }
}
