// Why: the balloon collects from the VM's safe-point poll (a running loop must be able to
// give memory back). The VM caches code/consts/frame registers and the stack pointer in
// locals; these tests collect (full, compacting) at every poll while loops, calls,
// closures and specials run, and check the results and the heap.
using LispVm.Eval;
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Eval;

public class PollCollectTests
{
    sealed class CollectingPoller : IVmPoller
    {
        public int Polls, Collections, NotAllowed;
        public void Poll(Vm vm)
        {
            Polls++;
            if (!vm.PollMayCollect) { NotAllowed++; return; }
            vm.Heap.Collect(true);
            Collections++;
        }
    }

    static (EvalHost h, CollectingPoller p) Host(bool stress)
    {
        var o = new HeapOptions { LimitBytes = 256UL << 20, VerifyAfterGc = true, VerifyEvery = 25 };
        if (stress) { o.StressMinorEvery = 7; o.StressFullEvery = 5; }
        var h = new EvalHost(o);
        var p = new CollectingPoller();
        h.Host.Vm.Poller = p;
        h.Host.Vm.StepLimit = 37;            // a poll every few back-edges and calls
        return (h, p);
    }

    const string Program = @"
(defvar *keep* nil)
(defvar *dyn* 0)
(defun build (n) (let ((acc nil)) (dotimes (i n) (push (cons i (format nil ""s~D"" i)) acc)) acc))
(defun sum-list (l) (if (null l) 0 (+ (car (car l)) (sum-list (cdr l)))))
(defun adder (k) (lambda (x) (+ x k)))
(defun churn (n)
  (let ((f (adder 3)) (total 0) (v (make-array 50 :initial-element 1)))
    (dotimes (i n)
      (let ((*dyn* (+ *dyn* 1)))
        (setq total (+ total (funcall f i) *dyn* (reduce #'+ v)))
        (setq *keep* (cons (list i (string-upcase ""abc"")) (if (> (length *keep*) 20) nil *keep*)))))
    total))
";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FullCollectionsAtEveryPollKeepRunningCodeCorrect(bool stress)
    {
        var (h, p) = Host(stress);
        using (h)
        {
            h.Eval(Program);
            Assert.Equal("44850", h.Eval("(sum-list (build 300))"));
            // sum over i of (i+3) + 1 + 50, i < 600
            Assert.Equal((599L * 600 / 2 + 600L * 54).ToString(), h.Eval("(churn 600)"));
            Assert.Equal("\"s299\"", h.Eval("(cdr (car (build 300)))"));
            Assert.Equal("T", h.Eval("(equal (build 200) (build 200))"));
            Assert.True(p.Collections > 100, $"only {p.Collections} collections at polls");
            Assert.Null(h.Host.Heap.LastVerifyError);
        }
    }

    [Fact]
    public void PollOutsideASafePointMayNotCollect()
    {
        var (h, p) = Host(false);
        using (h)
        {
            h.Eval("(dotimes (i 1000) (cons i i))");
            Assert.True(p.Polls > 0);
            Assert.Equal(p.Polls, p.Collections + p.NotAllowed);
            Assert.Equal(0, p.NotAllowed);
            Assert.False(h.Host.Vm.PollMayCollect);    // only while the VM polls
        }
    }
}
