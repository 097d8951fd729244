// Why: complex numbers through the whole VM: values held only by Lisp data across full
// and minor collections, the conditions their misuse signals, and hash tables keyed by
// complexes after the keys' parts have moved.
using Xunit;

namespace LispVm.Tests.Eval;

public class ComplexEvalTests
{
    [Fact]
    public void Complexes_with_bignum_and_ratio_parts_survive_collections()
    {
        using var h = new EvalHost();
        h.Eval("(defparameter *zs* (let ((l nil)) (dotimes (i 20000 l) (push (complex (/ i 3) (+ (expt 2 70) i)) l))))");
        h.Eval("(gc t)");
        // sum of i/3 for i < 20000 and of 2^70 + i
        Assert.Equal("#C(199990000/3 23611832414348226268470000)",
            h.Eval("(reduce #'+ *zs*)"));
        Assert.Equal("T", h.Eval("(every (lambda (z) (= (imagpart z) (+ (expt 2 70) (* 3 (realpart z))))) *zs*)"));
    }

    [Fact]
    public void Hash_tables_find_complex_keys_after_collections()
    {
        using var h = new EvalHost();
        h.Eval("(defparameter *h* (make-hash-table :test 'eql))");
        h.Eval("(defparameter *e* (make-hash-table :test 'equal))");
        h.Eval("(dotimes (i 500) (setf (gethash (complex (/ i 7) (expt 3 50)) *h*) i (gethash (complex (float i 1d0) 1d0) *e*) i))");
        h.Eval("(gc t)");
        Assert.Equal("500", h.Eval("(count-if (lambda (i) (and (eql (gethash (complex (/ i 7) (expt 3 50)) *h*) i) (eql (gethash (complex (float i 1d0) 1d0) *e*) i))) (loop for i below 500 collect i))"));
        Assert.Equal("NIL\nNIL", h.Eval("(gethash #C(1 2) *h*)"));
    }

    [Fact]
    public void Misuse_signals_the_standard_conditions()
    {
        using var h = new EvalHost();
        string Cond(string form) => h.Eval($"(handler-case (progn {form} 'no-error) (error (c) (type-of c)))");
        Assert.Equal("TYPE-ERROR", Cond("(< #C(1 2) 1)"));
        Assert.Equal("TYPE-ERROR", Cond("(max #C(1 2) 1)"));
        Assert.Equal("TYPE-ERROR", Cond("(floor #C(1 2))"));
        Assert.Equal("TYPE-ERROR", Cond("(complex #C(1 2))"));
        Assert.Equal("TYPE-ERROR", Cond("(complex 1 'a)"));
        Assert.Equal("TYPE-ERROR", Cond("(realpart 'a)"));
        Assert.Equal("TYPE-ERROR", Cond("(cis #C(1 2))"));
        Assert.Equal("TYPE-ERROR", Cond("(float #C(1 2))"));
        Assert.Equal("DIVISION-BY-ZERO", Cond("(/ #C(1 2) 0)"));
        Assert.Equal("DIVISION-BY-ZERO", Cond("(log #C(0.0 0.0))"));
        Assert.Equal("DIVISION-BY-ZERO", Cond("(atanh 1)"));
        Assert.Equal("NO-ERROR", Cond("(sqrt -2)"));
    }

    [Fact]
    public void Compiled_arithmetic_falls_back_to_complexes()
    {
        using var h = new EvalHost();
        // + - * < = are inline opcodes with fixnum/float fast paths; complexes take the slow path
        h.Eval("(defun f (a b) (list (+ a b) (- a b) (* a b) (= a b) (1+ a)))");
        Assert.Equal("(#C(4 6) #C(-2 -2) #C(-5 10) NIL #C(2 2))", h.Eval("(f #C(1 2) #C(3 4))"));
        Assert.Equal("(#C(2.5 2.0) #C(-0.5 2.0) #C(1.5 3.0) NIL #C(2 2))", h.Eval("(f #C(1 2) 1.5)"));
        Assert.Equal("(4 2 3 NIL 4)", h.Eval("(f 3 1)"));
    }
}
