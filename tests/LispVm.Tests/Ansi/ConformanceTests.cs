// Why: the library fixes behind the ANSI chapters packages, symbols, streams, files and
// reader (issue 13), each checked on its result here so that a regression shows without
// running the suite: #P inside RESTART-CASE, UNEXPORT and internal plist indicators,
// string designators, composite and byte streams, *READ-SUPPRESS*, readtables.
using System.IO;
using LispVm.Tests.Eval;
using Xunit;

namespace LispVm.Tests.Ansi;

public class ConformanceTests
{
    [Fact]
    public void Read_inside_restart_case_returns_the_form_around_a_sharp_p()
    {
        using var h = new EvalHost();
        Assert.Equal("(A #P\"x\" B)", h.Eval(
            "(with-input-from-string (s \"(a #p\\\"x\\\" b)\") (restart-case (read s) (continue () :skipped)))"));
        string path = Path.Combine(Path.GetTempPath(), "lispvm-conf-" + System.Guid.NewGuid().ToString("N") + ".lisp");
        try
        {
            File.WriteAllText(path, "(defmacro conf-m (&key (p #p\"tmp.dat\")) `(quote ,p))\n");
            h.Eval("(load \"" + path + "\")");
            Assert.Equal("#P\"tmp.dat\"", h.Eval("(conf-m)"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Unexport_and_the_library_indicators_stay_internal()
    {
        using var h = new EvalHost();
        Assert.Equal("(:EXTERNAL :INTERNAL)", h.Eval(
            "(let ((p (make-package \"CONF-U\" :use nil))) (export (intern \"X\" p) p)" +
            " (list (nth-value 1 (find-symbol \"X\" p)) (progn (unexport (find-symbol \"X\" p) p) (nth-value 1 (find-symbol \"X\" p)))))"));
        Assert.Equal("PACKAGE-ERROR", h.Eval(
            "(handler-case (unexport 'car (make-package \"CONF-V\" :use nil)) (package-error () 'package-error))"));
        // No plist indicator of a standard symbol is external in CL or accessible in CL-USER.
        Assert.Equal("NIL", h.Eval(
            "(let ((bad nil)) (do-external-symbols (s \"COMMON-LISP\") (loop for k in (symbol-plist s) by #'cddr" +
            " when (and (symbolp k) (or (eq (nth-value 1 (find-symbol (symbol-name k) \"COMMON-LISP\")) :external)" +
            " (eq k (find-symbol (symbol-name k) \"COMMON-LISP-USER\")))) do (pushnew k bad))) bad)"));
        Assert.Equal("\"Doc.\"", h.Eval("(progn (defun conf-f () \"Doc.\" 1) (documentation 'conf-f 'function))"));
    }

    [Fact]
    public void Package_functions_take_any_string_designator()
    {
        using var h = new EvalHost();
        Assert.Equal("(\"TEST1\" (\"ABC\") T T)", h.Eval(
            "(let* ((d (make-array 5 :element-type 'character :displaced-to (copy-seq \"XXTEST1XXX\") :displaced-index-offset 2))" +
            " (f (make-array 5 :element-type 'character :fill-pointer 3 :initial-contents \"ABCDE\"))" +
            " (p (make-package d :use nil :nicknames (list f))))" +
            " (list (package-name p) (package-nicknames p) (eq p (find-package f)) (eq p (find-package \"TEST1\"))))"));
        Assert.Equal("T", h.Eval("(progn (make-package \"Q\" :use nil) (packagep (find-package #\\Q)))"));
    }

    [Fact]
    public void Composite_streams_read_and_write_through_their_components()
    {
        using var h = new EvalHost();
        Assert.Equal("(ABC \"x42y\" T T)", h.Eval(
            "(let* ((in (make-string-input-stream \"abc\")) (out (make-string-output-stream)) (tw (make-two-way-stream in out)))" +
            " (list (read tw) (progn (format tw \"x~Ay\" 42) (get-output-stream-string out)) (typep tw 'two-way-stream) (output-stream-p tw)))"));
        Assert.Equal("(#\\a #\\a \"bc\" \"abc\")", h.Eval(
            "(let* ((out (make-string-output-stream)) (e (make-echo-stream (make-string-input-stream \"abc\") out)))" +
            " (list (read-char e) (progn (unread-char #\\a e) (read-char e)) (read-line e) (get-output-stream-string out)))"));
        Assert.Equal("(#\\a B (C D) :EOF)", h.Eval(
            "(let ((c (make-concatenated-stream (make-string-input-stream \"ab\") (make-string-input-stream \"\") (make-string-input-stream \"(c d)\"))))" +
            " (list (read-char c) (read c) (read c) (read c nil :eof)))"));
        Assert.Equal("(\"el\" \"el\")", h.Eval(
            "(let* ((a (make-string-output-stream)) (b (make-string-output-stream)) (bc (make-broadcast-stream a b)))" +
            " (write-string \"hello\" bc :start 1 :end 3) (list (get-output-stream-string a) (get-output-stream-string b)))"));
        h.Eval("(defvar *conf-out* (make-string-output-stream))");
        Assert.Equal("\"123\"", h.Eval("(progn (princ 123 (make-synonym-stream '*conf-out*)) (get-output-stream-string *conf-out*))"));
        // An error inside a component unwinds through the engine to the handler.
        Assert.Equal("(:CAUGHT 3)", h.Eval(
            "(progn (defvar *conf-bad* 3) (handler-case (write-char #\\a (make-synonym-stream '*conf-bad*))" +
            " (type-error (c) (list :caught (type-error-datum c)))))"));
        Assert.Equal("3", h.Eval("(+ 1 2)"));
    }

    [Fact]
    public void Byte_streams_round_trip_their_element_type()
    {
        using var h = new EvalHost();
        string path = Path.Combine(Path.GetTempPath(), "lispvm-conf-" + System.Guid.NewGuid().ToString("N") + ".bin").Replace('\\', '/');
        try
        {
            Assert.Equal("((UNSIGNED-BYTE 8) 5)", h.Eval(
                "(with-open-file (s \"" + path + "\" :direction :output :if-exists :supersede :element-type '(unsigned-byte 8))" +
                " (write-byte 200 s) (write-sequence #(7 1 2 255) s) (list (stream-element-type s) (file-length s)))"));
            Assert.Equal(new byte[] { 200, 7, 1, 2, 255 }, File.ReadAllBytes(path));
            Assert.Equal("(5 200 (4 #(7 1 2 255)) :EOF)", h.Eval(
                "(with-open-file (s \"" + path + "\" :element-type '(unsigned-byte 8))" +
                " (list (file-length s) (read-byte s) (let ((v (make-array 4))) (list (read-sequence v s) v)) (read-byte s nil :eof)))"));
            h.Eval("(with-open-file (s \"" + path + "\" :direction :output :if-exists :supersede :element-type '(signed-byte 16)) (write-byte -2 s) (write-byte 1000 s))");
            Assert.Equal("(2 -2 1000)", h.Eval(
                "(with-open-file (s \"" + path + "\" :element-type '(signed-byte 16)) (list (file-length s) (read-byte s) (read-byte s)))"));
            Assert.Equal("(T T NIL)", h.Eval(
                "(list (subtypep '(unsigned-byte 8) 'integer) (subtypep 'bit '(integer 0 1)) (subtypep 'integer 'fixnum))"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Load_under_a_relative_default_directory_merges_once()
    {
        // The suite's chapter loaders bind *default-pathname-defaults* to the directory of
        // *load-pathname* and load a sibling: with a relative default, LOAD merged the name,
        // then OPEN merged the result again (sub/sub/inner.lisp).
        string dir = Path.Combine(Path.GetTempPath(), "lvt-merge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "sub", "inner.lisp"), "(defvar *lvt-inner* 7)\n");
            File.WriteAllText(Path.Combine(dir, "sub", "outer.lisp"),
                "(let ((*default-pathname-defaults* (make-pathname :directory (pathname-directory *load-pathname*))))" +
                " (load \"inner.lisp\")" +
                " (with-open-file (s \"made.txt\" :direction :output :if-does-not-exist :create) (write-line \"x\" s)))\n");
            using var h = new EvalHost();
            h.Eval("(setf *default-pathname-defaults* (make-pathname :directory '(:relative)))");
            string rel = Path.GetRelativePath(Environment.CurrentDirectory, dir).Replace('\\', '/');
            Assert.Equal("T", h.Eval("(load \"" + rel + "/sub/outer.lisp\")"));
            Assert.Equal("7", h.Eval("*lvt-inner*"));
            Assert.True(File.Exists(Path.Combine(dir, "sub", "made.txt")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Read_suppress_read_eval_and_stream_errors()
    {
        using var h = new EvalHost();
        Assert.Equal("(NIL NIL NIL)", h.Eval(
            "(let ((*read-suppress* t)) (list (read-from-string \"#(a b)\") (read-from-string \"nonexistent-package::foo\") (read-from-string \"#c(1 2)\")))"));
        Assert.Equal("T", h.Eval(
            "(let ((*read-eval* nil)) (handler-case (progn (read-from-string \"#.(+ 1 2)\") nil) (reader-error () t)))"));
        Assert.Equal("T", h.Eval(
            "(with-input-from-string (s \"(\") (handler-case (read s) (end-of-file (c) (eq (stream-error-stream c) s))))"));
    }

    [Fact]
    public void Readtable_case_and_set_syntax_from_char()
    {
        using var h = new EvalHost();
        Assert.Equal("(|abc| 1500.0 T |(| |a(b|)", h.Eval(
            "(let ((*readtable* (copy-readtable nil))) (setf (readtable-case *readtable*) :preserve)" +
            " (list (read-from-string \"abc\") (read-from-string \"1.5e3\") (set-syntax-from-char #\\( #\\X) (read-from-string \"(\") (read-from-string \"a(b\")))"));
        Assert.Equal("(A B)", h.Eval(
            "(let ((*readtable* (copy-readtable nil))) (set-syntax-from-char #\\! #\\() (set-syntax-from-char #\\] #\\)) (values (read-from-string \"!a b]\")))"));
        Assert.Equal("(ABC |abc| |aBc|)", h.Eval(
            "(let ((*readtable* (copy-readtable nil))) (setf (readtable-case *readtable*) :invert)" +
            " (mapcar #'read-from-string '(\"abc\" \"ABC\" \"aBc\")))"));
        Assert.Equal(":GOOD", h.Eval(
            "(let ((*readtable* (copy-readtable nil))) (set-syntax-from-char #\\Tab #\\X)" +
            " (handler-case (read-from-string (format nil \"~CZ\" #\\Tab)) (reader-error () :good)))"));
        Assert.Equal("(T T NIL NIL)", h.Eval(
            "(list (functionp (get-macro-character #\\()) (nth-value 1 (get-macro-character #\\#)) (nth-value 1 (get-macro-character #\\()) (get-macro-character #\\a))"));
        // The standard readtable is untouched.
        Assert.Equal("FOO", h.Eval("(values (read-from-string \"foo\"))"));
    }
}
