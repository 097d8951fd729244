// Why: COMMON-LISP exports exactly the 978 standard symbols (lisp/98-exports.lisp); the
// library's helpers stay internal there and LispVm's extensions come from LISPVM, which
// COMMON-LISP-USER uses. Before, every symbol the boot defined was external in CL, so a
// program's own POINT or QUIT in a package using CL was the library's.
using LispVm.Tests.Eval;
using Xunit;

namespace LispVm.Tests.Ansi;

public class ExportsTests
{
    const string CountCl = "(let ((n 0)) (do-external-symbols (s \"COMMON-LISP\") (incf n)) n)";

    [Fact]
    public void Common_lisp_exports_the_978_standard_symbols_only()
    {
        using var h = new EvalHost();
        Assert.Equal("978", h.Eval(CountCl));
        Assert.Equal("NIL", h.Eval(
            "(let ((bad nil)) (do-external-symbols (s \"CL\") (when (char= (char (symbol-name s) 0) #\\%) (push s bad))) bad)"));
        // Library helpers and extension names are internal to CL; standard ones external.
        Assert.Equal("(:INTERNAL :INTERNAL :INTERNAL :EXTERNAL :EXTERNAL :EXTERNAL)", h.Eval(
            "(mapcar (lambda (n) (nth-value 1 (find-symbol n \"CL\")))" +
            " '(\"%DESIGNATOR-NAME\" \"QUIT\" \"TCP-CONNECT\" \"CAR\" \"1+\" \"&ALLOW-OTHER-KEYS\"))"));
        // An error path that looks a symbol up by name at run time exports nothing.
        h.Eval("(handler-case (funcall (lambda (x) x)) (error () nil))");
        h.Eval("(handler-case (error 'control-error) (error () nil))");
        Assert.Equal("978", h.Eval(CountCl));
    }

    [Fact]
    public void Extensions_come_from_lispvm_which_cl_user_uses()
    {
        using var h = new EvalHost();
        Assert.Equal("(:INHERITED :INHERITED :INHERITED :INHERITED)", h.Eval(
            "(mapcar (lambda (n) (nth-value 1 (find-symbol n \"CL-USER\"))) '(\"QUIT\" \"GC-STATS\" \"TCP-CONNECT\" \"MAKE-THREAD\"))"));
        Assert.Equal(":EXTERNAL", h.Eval("(nth-value 1 (find-symbol \"NET-STATS\" \"LISPVM\"))"));
        Assert.Equal("(\"COMMON-LISP\" \"LISPVM\")", h.Eval("(mapcar #'package-name (package-use-list \"CL-USER\"))"));
        Assert.Equal("T", h.Eval("(eq 'quit 'lispvm:quit)"));
        Assert.Equal("T", h.Eval("(functionp (symbol-function 'gc-stats))"));
    }

    [Fact]
    public void A_package_using_cl_owns_its_names()
    {
        using var h = new EvalHost();
        h.Eval("(defpackage \"CONF-EXPORTS\" (:use \"COMMON-LISP\"))");
        Assert.Equal("(NIL NIL NIL)", h.Eval(
            "(mapcar (lambda (n) (nth-value 1 (find-symbol n \"CONF-EXPORTS\"))) '(\"POINT\" \"QUIT\" \"%DESIGNATOR-NAME\"))"));
        // Defining its own QUIT leaves LispVm's alone.
        h.Eval("(eval (list 'defun (intern \"QUIT\" \"CONF-EXPORTS\") '() 42))");
        Assert.Equal("42", h.Eval("(funcall (find-symbol \"QUIT\" \"CONF-EXPORTS\"))"));
        Assert.Equal("NIL", h.Eval("(eq (find-symbol \"QUIT\" \"CONF-EXPORTS\") 'quit)"));
    }
}

// Why: system-construction's LOAD of a string stream, PROVIDE/REQUIRE of a non-simple
// string, REQUIRE of a missing module (issue 13).
public class SystemConstructionTests
{
    [Fact]
    public void Load_reads_the_forms_of_a_string_stream_and_keeps_package_bound()
    {
        using var h = new EvalHost();
        Assert.Equal("(T GOOD \"COMMON-LISP-USER\")", h.Eval(
            "(progn (defpackage \"CONF-LOAD\" (:use \"CL\"))" +
            " (list (with-input-from-string (s \"(in-package :conf-load) (defun f () 'good)\") (load s))" +
            " (funcall (find-symbol \"F\" \"CONF-LOAD\")) (package-name *package*)))").Replace("CONF-LOAD::", ""));
    }

    [Fact]
    public void String_takes_displaced_and_fill_pointer_character_vectors()
    {
        using var h = new EvalHost();
        Assert.Equal("(\"BC\" \"AB\")", h.Eval(
            "(let ((base (make-array 4 :element-type 'character :initial-contents \"ABCD\")))" +
            " (list (string (make-array 2 :element-type 'character :displaced-to base :displaced-index-offset 1))" +
            " (string (make-array 4 :element-type 'character :initial-contents \"ABCD\" :fill-pointer 2))))"));
        Assert.Equal("T", h.Eval(
            "(let ((*modules* nil)) (provide (make-array 3 :element-type 'character :initial-contents \"FOO\" :adjustable t))" +
            " (and (member \"FOO\" *modules* :test #'string=) t))"));
        Assert.Equal("ERROR", h.Eval("(handler-case (require \"CONF-NO-SUCH-MODULE\") (error () 'error))"));
    }

    [Fact]
    public void Equal_compares_pathnames_by_components()
    {
        using var h = new EvalHost();
        Assert.Equal("(T NIL T T NIL)", h.Eval(
            "(list (equal #p\"a/b.c\" (pathname \"a/b.c\")) (equal #p\"a/b.c\" #p\"a/b.d\")" +
            " (equal (list #p\"x\") (list #p\"x\")) (equal (make-pathname :name \"n\" :type \"t\") (make-pathname :name \"n\" :type \"t\"))" +
            " (equal (make-hash-table) (make-hash-table)))"));
        Assert.Equal("FILE-ERROR", h.Eval(
            "(handler-case (ensure-directories-exist (make-pathname :directory '(:relative :wild) :name \"x\")) (file-error () 'file-error))"));
    }
}
