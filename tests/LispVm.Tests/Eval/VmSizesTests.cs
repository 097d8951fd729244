// Why: the VM's start-up arrays scale with the guest's memory (VmSizes.ForMemory), and a
// guest uses EstimateBytes to say how much memory it needs. These tests check that the
// estimate matches what a Vm + Repl really allocate, that the smallest sizes still boot
// the library (compiled, as a guest does when its heap image is refused) and run code, and
// that their smaller limits end in Lisp errors, never in a crash.
using LispVm.Eval;
using LispVm.Gc;
using LispVm.Hosted;
using Xunit;

namespace LispVm.Tests.Eval;

public class VmSizesTests
{
    const ulong MiB = 1UL << 20;

    [Fact]
    public void SizesGrowWithMemoryFromTheFloorsToTheFullKernelSizes()
    {
        VmSizes small = VmSizes.ForMemory(16 * MiB), mid = VmSizes.ForMemory(128 * MiB), big = VmSizes.ForMemory(1024 * MiB);
        // Reserved, committed as deep as used: a 1 GiB guest reads 10^6 levels.
        Assert.Equal(16384, small.ReadDepth);
        Assert.Equal(1 << 20, big.ReadDepth);
        // Lisp stacks: reservations (committed as deep as used), halved with memory; from
        // 256 MiB up a million frames fit.
        Assert.Equal(1 << 24, big.StackWords);
        Assert.Equal(1 << 23, big.Frames);
        Assert.Equal(1 << 18, small.StackWords);
        Assert.Equal(1 << 17, small.Frames);
        Assert.True(VmSizes.ForMemory(256 * MiB).Frames > 1000000 + 1024);
        Assert.Equal(0, big.CompilerShift);
        Assert.Equal(4, small.CompilerShift);
        Assert.Equal(8192, big.NumDigits);
        Assert.Equal(2048, small.NumDigits);
        // The heap image's fingerprint includes the thread pool: every size keeps it.
        Assert.Equal(big.Threads, small.Threads);
        Assert.True(small.EstimateBytes() < mid.EstimateBytes() && mid.EstimateBytes() < big.EstimateBytes());
        // The Lisp stacks are no C# objects now (was 1-3 and 14-24 MiB with them).
        Assert.InRange(small.EstimateBytes(), 1 * MiB, 2 * MiB);
        Assert.InRange(big.EstimateBytes(), 10 * MiB, 18 * MiB);
        // Reader/printer first frames and the main thread's first stack pages.
        Assert.InRange(big.WorkStackBytes(), 128UL << 10, 512UL << 10);
        // Below 16 MiB nothing shrinks further (the floors).
        Assert.Equal(small.EstimateBytes(), VmSizes.ForMemory(4 * MiB).EstimateBytes());
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(1024)]
    public void EstimateMatchesWhatAVmAndReplAllocate(int memoryMb)
    {
        VmSizes sizes = VmSizes.ForMemory((ulong)memoryMb * MiB);
        var heap = new Heap(new HostedFrameSource(), 64 * MiB, new HeapOptions { LimitBytes = 64 * MiB, Clock = new HostedGcClock() });
        try
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var vm = new Vm(heap, new HostedPlatform(false), sizes);
            var repl = new Repl(vm, sizes.ReplChars);
            long used = GC.GetAllocatedBytesForCurrentThread() - before;
            GC.KeepAlive(repl);
            double ratio = (double)sizes.EstimateBytes() / used;
            Assert.True(ratio > 0.9 && ratio < 1.25, $"{memoryMb} MiB: estimate {sizes.EstimateBytes()} vs allocated {used}");
        }
        finally { heap.Destroy(); }
    }

    [Fact]
    public void SmallestSizesCompileTheLibraryAndRunCode()
    {
        using var h = new EvalHost(new HeapOptions { LimitBytes = 12 * MiB, NurseryBytes = 2 * MiB }, sizes: VmSizes.ForMemory(16 * MiB));
        Assert.Equal("6765", h.Eval("(defun fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2))))) (fib 20)").Split('\n')[^1].Trim());
        // 4000 levels through the reader and back through the printer (the innermost () is NIL).
        Assert.Equal("8001", h.Eval("(length (prin1-to-string (read-from-string \"" + new string('(', 4000) + new string(')', 4000) + "\")))"));
        // Past the smaller limits: Lisp errors, and the REPL goes on.
        Assert.Contains("nested too deeply (more than 16384 levels)", h.Eval("(read-from-string (concatenate 'string (make-string 20000 :initial-element #\\() (make-string 20000 :initial-element #\\))))"));
        string let = "(let (" + string.Join(" ", Enumerable.Range(0, 1100).Select(i => $"(v{i} {i})")) + ") v1099)";
        Assert.Contains("Form too large to compile.", h.Eval(let));
        string flet = "(flet (" + string.Join(" ", Enumerable.Range(0, 1100).Select(i => $"(f{i} () {i})")) + ") (f1099))";
        Assert.Contains("Form too large to compile.", h.Eval(flet));
        Assert.Equal("3", h.Eval("(+ 1 2)"));
    }
}
