// Why: a 16 MiB Xen guest must boot the REPL and run code, so the image's start-up memory
// scales with the memory it is given (VmSizes). As a Linux process, LISPVM_HEAP_MB sets
// that memory: a 12 MiB heap mimics what is left of a 16 MiB domain after the image.
// The lab checks the real guests (Lab/XenReplTests).
using System.Text.RegularExpressions;
using Xunit;

namespace Image.Tests;

public class SmallGuestTests
{
    static readonly Regex Stats = new(@"start-up objects (\d+) KiB \((\d+) KiB past the image's boot region\), heap (\d+) KiB");

    static (long startupKiB, long heapKiB, string output) Boot(string input, params string[] options)
    {
        var r = KernelImage.Run(input, 30000, image: KernelImage.ReplPath(), args: options.Append("LISPVM_BOOT_STATS=1").ToArray());
        Assert.False(r.TimedOut);
        Assert.Equal(0, r.ExitCode);
        var m = Stats.Match(r.Stdout);
        Assert.True(m.Success, "no boot statistics in:\n" + r.Stdout);
        return (long.Parse(m.Groups[1].Value), long.Parse(m.Groups[3].Value), r.Stdout);
    }

    [Fact]
    public void SixteenMiBGuestSizesBootAndRunFib20()
    {
        var (startup, heap, output) = Boot(
            "(defun fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n(fib 20)\n" +
            "(length (prin1-to-string (read-from-string \"" + new string('(', 4000) + new string(')', 4000) + "\")))\n",
            "LISPVM_HEAP_MB=12");
        Assert.Contains("\n6765\n", output);
        Assert.Contains("\n8001\n", output);
        // A 16 MiB domain keeps ~8 MiB for the image's boot region (4 MiB of it the static
        // boot heap these objects come from) and page tables: start-up objects must fit the
        // static boot heap, and with the heap's boot commitment leave room to run.
        Assert.InRange(startup, 1024, 3584);
        Assert.InRange(heap, 1024, 6144);
    }

    [Fact]
    public void StartUpObjectsShrinkWithMemoryAndKeepFullSizesForALargeGuest()
    {
        long small = Boot("", "LISPVM_HEAP_MB=12").startupKiB;
        long mid = Boot("", "LISPVM_HEAP_MB=256").startupKiB;
        long big = Boot("").startupKiB;          // Linux: a 1 GiB heap budget
        Assert.True(small < mid && mid < big, $"start-up KiB: 12 MiB {small}, 256 MiB {mid}, 1 GiB {big}");
        Assert.InRange(big, 14 << 10, 24 << 10);
    }

    [Fact]
    public void AGigabyteImageReadsAndPrintsAMillionLevels()
    {
        // The reader's and printer's frame stacks commit frames as deep as they go.
        string input = "(defparameter *t* (concatenate 'string (make-string 1000000 :initial-element #\\() (make-string 1000000 :initial-element #\\))))\n" +
                       "(length (prin1-to-string (read-from-string *t*)))\n";
        var r = KernelImage.Run(input, 120000, image: KernelImage.ReplPath());
        Assert.False(r.TimedOut);
        Assert.Contains("\n2000001\n", r.Stdout);
        // A 12 MiB heap reserves fewer levels and says so, then goes on.
        r = KernelImage.Run(input + "(+ 1 2)\n", 60000, image: KernelImage.ReplPath(), args: new[] { "LISPVM_HEAP_MB=12" });
        Assert.Contains("form nested too deeply (more than 16384 levels)", r.Stdout);
        Assert.Contains("\n3\n", r.Stdout);
    }
}
