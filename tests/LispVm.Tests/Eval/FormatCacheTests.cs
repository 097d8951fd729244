// Issue 19: FORMAT parses a control string once (lisp/72-format-parse.lisp). A literal
// control is parsed at load time (the compiler hands the call to %FORMAT-FORM), other
// strings go through an EQ cache with a content check. These check that a mutated string
// is parsed again, that the literal path really carries a parse, and that an error in a
// control string is still signalled when FORMAT runs, not when the call is compiled.
using Xunit;

namespace LispVm.Tests.Eval;

public class FormatCacheTests
{
    [Fact]
    public void A_mutated_control_string_is_parsed_again()
    {
        using var h = new EvalHost();
        h.Eval("(defvar *fc-s* (copy-seq \"<~a>\"))");
        Assert.Equal("\"<1>\"", h.Eval("(format nil *fc-s* 1)"));
        Assert.Equal("\"<2>\"", h.Eval("(format nil *fc-s* 2)"));   // from the cache
        h.Eval("(setf (char *fc-s* 2) #\\d)");
        Assert.Equal("\"<255>\"", h.Eval("(let ((*print-base* 16)) (format nil *fc-s* 255))"));
        h.Eval("(setf (char *fc-s* 2) #\\x)");
        Assert.Equal("\"<FF>\"", h.Eval("(format nil *fc-s* 255)"));
        // A changed length too (adjustable string with a fill pointer).
        h.Eval("(defvar *fc-f* (make-array 3 :element-type 'character :adjustable t :fill-pointer 3 :initial-contents \"~a.\"))");
        Assert.Equal("\"7.\"", h.Eval("(format nil *fc-f* 7)"));
        h.Eval("(vector-push-extend #\\~ *fc-f*) (vector-push-extend #\\a *fc-f*)");
        Assert.Equal("\"7.8\"", h.Eval("(format nil *fc-f* 7 8)"));
    }

    [Fact]
    public void More_strings_than_the_cache_holds_all_format_right()
    {
        using var h = new EvalHost();
        // 40 different strings, twice over: entries are evicted and parsed again.
        Assert.Equal("T", h.Eval(
            "(let ((ss (loop for i below 40 collect (format nil \"~d:~~a\" i))))" +
            "  (every #'identity (loop repeat 2 append (loop for s in ss for i from 0" +
            "    collect (string= (format nil s 'x) (format nil \"~d:X\" i))))))"));
    }

    [Fact]
    public void A_literal_control_is_parsed_at_load_time()
    {
        using var h = new EvalHost();
        Assert.Equal("T", h.Eval("(cl::%fmt-parsed-p (cl::%fmt-literal \"x~{~a~}y\"))"));
        h.Eval("(defun fc-lit (x) (format nil \"[~:(~a~)~@[ ~a~]]\" x (and (numberp x) x)))");
        // The compiled call carries its parse: running it leaves the run-time cache alone.
        h.Eval("(fill cl::*%fmt-cache* nil)");
        Assert.Equal("(\"[Ab Cd]\" \"[3 3]\")", h.Eval("(list (fc-lit \"ab cd\") (fc-lit 3))"));
        Assert.Equal("T", h.Eval("(every #'null cl::*%fmt-cache*)"));
        // A control that is not a literal does go through it.
        Assert.Equal("\"3\"", h.Eval("(let ((s (copy-seq \"~a\"))) (format nil s 3))"));
        Assert.Equal("NIL", h.Eval("(every #'null cl::*%fmt-cache*)"));
        Assert.Equal("\"1+2\"", h.Eval("(format nil (formatter \"~a+~a\") 1 2)"));
    }

    [Fact]
    public void An_error_in_a_literal_control_is_signalled_when_format_runs()
    {
        using var h = new EvalHost();
        // Compiling the function must not signal; calling it must, with the same message
        // as a control string handed to FORMAT at run time.
        Assert.Equal("FC-BAD", h.Eval("(defun fc-bad (x) (if x (format nil \"~a ~{\" x) :not-run))"));
        Assert.Equal(":NOT-RUN", h.Eval("(fc-bad nil)"));
        string lit = h.Eval("(handler-case (fc-bad 1) (error (e) (princ-to-string e)))");
        string run = h.Eval("(handler-case (format nil (copy-seq \"~a ~{\") 1) (error (e) (princ-to-string e)))");
        Assert.Equal("\"FORMAT: missing ~} in \\\"~a ~{\\\".\"", lit);
        Assert.Equal(lit, run);
        Assert.Equal("\"FORMAT: unknown directive ~Q in \\\"~q\\\".\"",
            h.Eval("(handler-case (funcall (compile nil '(lambda () (format nil \"~q\")))) (error (e) (princ-to-string e)))"));
        // An unknown directive in a clause that is not taken is not an error (as before).
        Assert.Equal("\"b\"", h.Eval("(format nil \"~[~q~;b~]\" 1)"));
    }
}
