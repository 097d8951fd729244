// Why: issue 15's type system and condition system, each checked on its result so that a
// regression shows without running the ANSI suite: SUBTYPEP by set algebra (ranges, signed
// zeros, member, cons, arrays, classes, and/or/not), and define-condition's options with
// restarts tied to conditions (restart-bind, with-condition-restarts, restart-case).
using LispVm.Tests.Eval;
using Xunit;

namespace LispVm.Tests.Ansi;

public class TypesConditionsTests
{
    [Fact]
    public void Subtypep_decides_ranges_and_float_zeros()
    {
        using var h = new EvalHost();
        Assert.Equal("((T T) (T T) (NIL T) (T T) (T T) (NIL T))", h.Eval(
            "(mapcar (lambda (p) (multiple-value-list (subtypep (car p) (cadr p))))" +
            " '(((integer 0 10) (or (integer 0 5) (integer 6 10)))" +
            "   ((real 0 1) (or (integer 0 1) (rational (0) (1)) (float 0 1)))" +
            "   ((single-float 0.0 11.0) (single-float 0.0 10.0))" +
            "   ((single-float 0.0 *) (or (single-float (0.0) *) (member -0.0 0.0)))" +
            "   ((and (not ratio) rational) integer)" +
            "   ((single-float 0.0) (or (single-float (0.0)) (member 0.0)))))"));
    }

    [Fact]
    public void Subtypep_decides_member_cons_and_negations()
    {
        using var h = new EvalHost();
        Assert.Equal("((T T) (T T) (T T) (NIL T) (T T) (T T))", h.Eval(
            "(mapcar (lambda (p) (multiple-value-list (subtypep (car p) (cadr p))))" +
            " '(((not (and (member a b c d e f g) (not (member b f)))) (not (member a c d e g)))" +
            "   (cons (or (cons integer t) (cons (not integer) t)))" +
            "   ((cons (cons integer t) t) (cons (cons real t) t))" +
            "   (t (or (not integer) (not (eql 1))))" +
            "   (list (or cons null))" +
            "   (keyword atom)))"));
    }

    [Fact]
    public void Subtypep_knows_arrays_classes_and_when_it_cannot_decide()
    {
        using var h = new EvalHost();
        Assert.Equal("((NIL T) (T T) (T T) (T T) (T T) (NIL T) (T T) (NIL NIL))", h.Eval(
            "(mapcar (lambda (p) (multiple-value-list (subtypep (car p) (cadr p))))" +
            " '((string (vector character)) ((vector character) string) (base-string (vector base-char))" +
            "   ((array * 2) (array * (* *))) (error condition) (condition error)" +
            "   (echo-stream stream) ((satisfies evenp) integer)))"));
        Assert.Equal("(BIT (UNSIGNED-BYTE 8) CHARACTER T NIL)", h.Eval(
            "(mapcar #'upgraded-array-element-type '((integer 0 1) (integer 0 200) standard-char fixnum nil))"));
        Assert.Equal("(NIL T)", h.Eval(
            "(list (typep (make-array 3 :fill-pointer 1) 'simple-array) (typep (make-array 3) 'simple-vector))"));
    }

    [Fact]
    public void A_tail_block_returns_one_value_after_a_multiple_value_form()
    {
        using var h = new EvalHost();
        h.Eval("(defun mv-tail-1 (x) (block b (values t t) (if x (return-from b 5)) 6))");
        Assert.Equal("((5) (6))", h.Eval("(list (multiple-value-list (mv-tail-1 t)) (multiple-value-list (mv-tail-1 nil)))"));
        Assert.Equal("NIL", h.Eval(
            "(loop for i from 0 below 3 unless (and (subtypep 'integer 'real)) collect i)"));
    }

    [Fact]
    public void Define_condition_takes_every_option()
    {
        using var h = new EvalHost();
        h.Eval("(define-condition tc-1 () ((a :initarg :a :initarg :both :reader tc-1-a)" +
               " (b :initarg :b :initarg :both :initform 'y :reader tc-1-b)" +
               " (s :allocation :class :initform 3 :accessor tc-1-s))" +
               " (:default-initargs :a 10) (:documentation \"Doc.\") (:report \"TC-1 happened.\"))");
        Assert.Equal("(T 10 Y (2 1) 7 \"TC-1 happened.\")", h.Eval(
            "(let ((c (make-condition 'tc-1)) (d (make-condition 'tc-1 :b 1 :both 2)))" +
            " (setf (tc-1-s d) 7)" +
            " (list (typep c 'condition) (tc-1-a c) (tc-1-b c) (list (tc-1-a d) (tc-1-b d)) (tc-1-s c)" +
            "       (princ-to-string c)))"));
        Assert.Equal(":TYPE-ERROR", h.Eval("(handler-case (warn 'condition) (type-error () :type-error))"));
    }

    [Fact]
    public void Restarts_are_tied_to_their_conditions()
    {
        using var h = new EvalHost();
        Assert.Equal("GOOD", h.Eval(
            "(handler-bind ((error (lambda (c2) (invoke-restart (find-restart 'foo c2)))))" +
            " (handler-bind ((error (lambda (c) (declare (ignore c)) (error \"Blah\"))))" +
            "  (restart-case (restart-case (error \"Boo!\") (foo () 'bad)) (foo () 'good))))"));
        Assert.Equal("GOOD", h.Eval(
            "(let ((c1 (make-condition 'error)) (c2 (make-condition 'error)))" +
            " (restart-case (with-condition-restarts c1 (list (first (compute-restarts))) (abort c2))" +
            "  (abort () 'bad) (abort () 'good)))"));
        Assert.Equal("(42 T \"A report\" GOOD)", h.Eval(
            "(list (restart-bind ((foo (lambda (x) (* x 2)))) (invoke-restart 'foo 21))" +
            " (restart-case (typep (find-restart 'foo) 'restart) (foo () nil))" +
            " (restart-case (princ-to-string (find-restart 'foo)) (foo () :report \"A report\"))" +
            " (restart-case (invoke-restart 'foo) (foo () :test (lambda (c) (declare (ignore c)) nil) 'bad) (foo () 'good)))"));
    }
}
