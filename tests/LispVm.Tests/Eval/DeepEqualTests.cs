// equal / equalp / sxhash / equal hash tables on 100,000-level structures nested in the
// car, the cdr and both (through vectors for equalp): no C# recursion, right answers.
using Xunit;

namespace LispVm.Tests.Eval;

public class DeepEqualTests
{
    const string Mk = "(defun mk (n mode) (let ((a nil)) (dotimes (i n a) (setq a (case mode (:car (cons a i)) (:cdr (cons i a)) (t (if (evenp i) (cons a i) (cons i (vector a)))))))))";

    [Fact]
    public void Equal_and_equalp_on_100000_levels()
    {
        using var h = new EvalHost();
        h.Eval(Mk);
        Assert.Equal("(T T NIL)", h.Eval("(list (equal (mk 100000 :car) (mk 100000 :car)) (equal (mk 100000 :cdr) (mk 100000 :cdr)) (equal (mk 100000 :mix) (mk 100000 :mix)))"));
        Assert.Equal("(T T T)", h.Eval("(list (equalp (mk 100000 :car) (mk 100000 :car)) (equalp (mk 100000 :cdr) (mk 100000 :cdr)) (equalp (mk 100000 :mix) (mk 100000 :mix)))"));
        Assert.Equal("(NIL NIL)", h.Eval("(list (equal (mk 100000 :car) (mk 99999 :car)) (equalp (mk 100000 :mix) (mk 99999 :mix)))"));
        Assert.Equal("1\nT", h.Eval("(let ((h (make-hash-table :test 'equal))) (setf (gethash (mk 100000 :car) h) 1) (gethash (mk 100000 :car) h))"));
        Assert.Equal("T", h.Eval("(let ((x (mk 100000 :mix))) (gc) (equalp x (mk 100000 :mix)))"));
    }
}
