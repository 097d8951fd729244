// Why: macro characters with Lisp functions (lisp/71-io-syntax.lisp, the reader's
// IReadMacroHook and ReadNested): terminating and non-terminating ones, functions that
// READ the same stream (nested reads), # sub-characters, new dispatching characters,
// GET-MACRO-CHARACTER agreeing with SET-MACRO-CHARACTER, and readtable copies that are
// independent of each other.
using Xunit;

namespace LispVm.Tests.Eval;

public class ReadtableTests
{
    static void Check(EvalHost h, string form, string expected) => Assert.Equal(expected, h.Eval(form));

    const string Bang = "(lambda (s c) (declare (ignore c)) (list 'bang (read s t nil t)))";

    [Fact]
    public void Terminating_and_non_terminating_macro_characters()
    {
        using var h = new EvalHost();
        Check(h, $"(let ((*readtable* (copy-readtable nil))) (set-macro-character #\\! {Bang}) (values (read-from-string \"(a!b !c)\")))",
              "(A (BANG B) (BANG C))");
        Check(h, $"(let ((*readtable* (copy-readtable nil))) (set-macro-character #\\! {Bang} t) (values (read-from-string \"(a!b !c)\")))",
              "(A!B (BANG C))");
        Check(h, $"(let ((*readtable* (copy-readtable nil))) (set-macro-character #\\! {Bang} t) (cadr (multiple-value-list (get-macro-character #\\!))))",
              "T");
        Check(h, $"(let ((*readtable* (copy-readtable nil)) (f {Bang})) (set-macro-character #\\! f) (eq f (get-macro-character #\\!)))",
              "T");
        // no values: the character reads as nothing; *read-suppress* still calls the function
        Check(h, "(let ((*readtable* (copy-readtable nil))) (set-macro-character #\\% (lambda (s c) (declare (ignore s c)) (values))) (values (read-from-string \"(1 % 2)\")))",
              "(1 2)");
        Check(h, $"(let ((*readtable* (copy-readtable nil))) (set-macro-character #\\! {Bang}) (let ((*read-suppress* t)) (values (read-from-string \"(a !b c)\"))))",
              "NIL");
        Check(h, "(get-macro-character #\\a)", "NIL\nNIL");
    }

    [Fact]
    public void Macro_functions_read_recursively_from_the_same_stream()
    {
        using var h = new EvalHost();
        Check(h, "(let ((*readtable* (copy-readtable nil))) " +
                 "(set-macro-character #\\[ (lambda (s c) (declare (ignore c)) (coerce (read-delimited-list #\\] s t) 'vector))) " +
                 "(set-macro-character #\\] (get-macro-character #\\))) " +
                 "(values (read-from-string \"[1 2 [3 [4]] 5]\")))",
              "#(1 2 #(3 #(4)) 5)");
        Check(h, "(let ((*readtable* (copy-readtable nil))) " +
                 "(set-macro-character #\\! (lambda (s c) (declare (ignore c)) (error \"boom\"))) " +
                 "(handler-case (read-from-string \"(a !b)\") (error (e) (princ-to-string e))))",
              "\"boom\"");
        // from a file stream through LOAD-like reading
        Check(h, $"(let ((*readtable* (copy-readtable nil))) (set-macro-character #\\! {Bang}) " +
                 "(with-input-from-string (s \"!x !(1 2) rest\") (list (read s) (read s) (read s))))",
              "((BANG X) (BANG (1 2)) REST)");
    }

    [Fact]
    public void Dispatch_macro_characters()
    {
        using var h = new EvalHost();
        Check(h, "(let ((*readtable* (copy-readtable nil))) " +
                 "(set-dispatch-macro-character #\\# #\\z (lambda (s c n) (declare (ignore c)) (list :z n (read s t nil t)))) " +
                 "(list (read-from-string \"#3z foo\") (read-from-string \"#Zbar\") (read-from-string \"#(1 2)\")))",
              "((:Z 3 FOO) (:Z NIL BAR) #(1 2))");
        Check(h, "(funcall (get-dispatch-macro-character #\\# #\\() (make-string-input-stream \"1 2)\") #\\( nil)", "#(1 2)");
        Check(h, "(list (get-dispatch-macro-character #\\# #\\z) (get-dispatch-macro-character #\\# #\\0))", "(NIL NIL)");
        Check(h, "(let ((*readtable* (copy-readtable nil))) (make-dispatch-macro-character #\\!) " +
                 "(set-dispatch-macro-character #\\! #\\v (lambda (s c n) (declare (ignore c)) (vector n (read s t nil t)))) " +
                 "(list (read-from-string \"(!2v x !v y)\") (cadr (multiple-value-list (get-macro-character #\\!)))))",
              "((#(2 X) #(NIL Y)) NIL)");
        Check(h, "(handler-case (get-dispatch-macro-character #\\a #\\b) (error () :error))", ":ERROR");
    }

    [Fact]
    public void Readtable_copies_are_independent()
    {
        using var h = new EvalHost();
        h.Eval("(defvar *r1* (copy-readtable nil))");
        h.Eval("(set-macro-character #\\! (lambda (s c) (declare (ignore s c)) 1) nil *r1*)");
        h.Eval("(set-dispatch-macro-character #\\# #\\q (lambda (s c n) (declare (ignore s c n)) :q1) *r1*)");
        h.Eval("(defvar *r2* (copy-readtable *r1*))");
        h.Eval("(set-macro-character #\\! (lambda (s c) (declare (ignore s c)) 2) nil *r2*)");
        h.Eval("(set-dispatch-macro-character #\\# #\\q (lambda (s c n) (declare (ignore s c n)) :q2) *r2*)");
        Check(h, "(list (let ((*readtable* *r1*)) (read-from-string \"(! #q)\")) (let ((*readtable* *r2*)) (read-from-string \"(! #q)\")) " +
                 "(let ((*readtable* (copy-readtable nil))) (read-from-string \"!\")))",
              "((1 :Q1) (2 :Q2) !)");
        // COPY-READTABLE into an existing readtable replaces its macros
        Check(h, "(let ((*readtable* (copy-readtable nil *r2*))) (values (read-from-string \"!\")))", "!");
        // SET-SYNTAX-FROM-CHAR takes the function along
        Check(h, "(let ((*readtable* (copy-readtable *r1*))) (set-syntax-from-char #\\$ #\\! *readtable* *r1*) (values (read-from-string \"$\")))", "1");
        Check(h, "(read-from-string \"!\")", "!\n1");
    }
}
