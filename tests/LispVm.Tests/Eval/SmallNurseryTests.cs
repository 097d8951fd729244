// Regression: with a 2 MiB nursery the session lost a global (*HOG* unbound after a failed
// DEFPARAMETER) — the last session saw "function I is undefined" with the same nursery.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Eval;

public class SmallNurseryTests
{
    [Theory]
    [InlineData(2, 2, 48)]
    [InlineData(2, 4, 512)]
    [InlineData(1, 4, 512)]
    public void Globals_survive_with_a_small_nursery(int nurseryMb, int reserveMb, int limitMb)
    {
        using var h = new EvalHost(new HeapOptions { LimitBytes = (ulong)limitMb << 20, NurseryBytes = (ulong)nurseryMb << 20, ReserveBytes = (ulong)reserveMb << 20 });
        Assert.Equal("*HOG*", h.Eval("(defparameter *hog* (make-list 1000000))"));
        Assert.Equal("1000000", h.Eval("(length *hog*)"));
        Assert.Equal("NIL", h.Eval("(setq *hog* nil)"));
        Assert.Equal("45", h.Eval("(let ((s 0)) (dotimes (i 10) (setq s (+ s i))) s)"));
    }
}
