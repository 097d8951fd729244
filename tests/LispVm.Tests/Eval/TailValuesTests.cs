// Why: a body whose values leave through a later RET (BLOCK with a local RETURN-FROM, LET of
// a special variable, PROGV) in tail position was compiled without setting the value count,
// so a single value after a multiple-valued call returned that call's stale values:
// (defun f () (let ((*s* 2)) (floor 7 2) 5)) gave 3 and 1, and (block nil (gethash 1 h)
// (return t)) gave NIL NIL. Found by the complex-numbers work (loop ... always).
using Xunit;

namespace LispVm.Tests.Eval;

public class TailValuesTests
{
    [Theory]
    [InlineData("(defun f () (let ((*tv-s* 2)) (floor 7 2) 5))", "(5)")]
    [InlineData("(defun f () (progv (list '*tv-s*) (list 3) (floor 7 2) 5))", "(5)")]
    [InlineData("(defun f () (block b (when *tv-s* (floor 7 2)) (floor 7 2) 5))", "(5)")]
    [InlineData("(defun f () (block nil (gethash 1 *tv-h*) (when *tv-s* (return t)) 3))", "(T)")]
    [InlineData("(defun f () (block b (gethash 1 *tv-h*) (return-from b 9)))", "(9)")]
    [InlineData("(defun f () (block b (return-from b (floor 7 2))))", "(3 1)")]
    [InlineData("(defun f () (let ((*tv-s* 2)) (floor 7 2)))", "(3 1)")]
    [InlineData("(defun f () (loop for i below 3 always (eql (gethash i *tv-h*) nil)))", "(T)")]
    public void A_tail_body_returns_its_own_values(string defun, string expected)
    {
        using var h = new EvalHost();
        h.Eval("(defvar *tv-s* 1)");
        h.Eval("(defvar *tv-h* (make-hash-table))");
        h.Eval(defun);
        Assert.Equal(expected, h.Eval("(multiple-value-list (f))"));
    }

    [Fact]
    public void A_block_at_the_top_level_returns_one_value()
    {
        using var h = new EvalHost();
        h.Eval("(defvar *tv-h* (make-hash-table))");
        Assert.Equal("T", h.Eval("(block nil (gethash 1 *tv-h*) (return t))"));
    }
}
