// Issue 15's CLOS caches (lisp/53-clos-dispatch.lisp, 56-clos-instantiate.lisp): the
// discriminating functions, make-instance's per-class ctors and per-call-site caches and
// the accessor fast paths must follow every redefinition: classes gaining slots, methods
// added or removed after instances were made or calls were cached, setf find-class.
// Also issue 19's generic condition readers and DOCUMENTATION.
using Xunit;

namespace LispVm.Tests.Eval;

public class ClosCacheTests
{
    static EvalHost Session(string setup)
    {
        var h = new EvalHost();
        string o = h.Eval(setup);
        Assert.DoesNotContain("Error", o);
        return h;
    }

    [Fact]
    public void Redefining_a_class_with_a_new_slot_reaches_cached_make_instance_sites()
    {
        using var h = Session(
            "(defclass cc-a () ((x :initarg :x :reader cc-x)))" +
            "(defun cc-make (v) (make-instance 'cc-a :x v))" +
            "(defvar *cc-old* (cc-make 1))");
        Assert.Equal("(2 2)", h.Eval("(let ((o (cc-make 2))) (list (cc-x o) (slot-value o 'x)))"));
        h.Eval("(defclass cc-a () ((w :initform 'ww :reader cc-w) (x :initarg :x :reader cc-x)))");
        // New instances from the old call site, and the old instance, see the new slot.
        Assert.Equal("(WW 3)", h.Eval("(let ((o (cc-make 3))) (list (cc-w o) (cc-x o)))"));
        Assert.Equal("(WW 1)", h.Eval("(list (cc-w *cc-old*) (cc-x *cc-old*))"));
    }

    [Fact]
    public void An_initialize_instance_after_method_added_later_runs_for_new_instances()
    {
        using var h = Session(
            "(defclass cc-b () ((n :initarg :n :initform 0 :accessor cc-n)))" +
            "(defun cc-make-b () (make-instance 'cc-b :n 5))" +
            "(defvar *cc-b1* (cc-make-b))" +
            "(defvar *cc-b2* (make-instance (find-class 'cc-b)))");
        Assert.Equal("(5 0)", h.Eval("(list (cc-n *cc-b1*) (cc-n *cc-b2*))"));
        h.Eval("(defmethod initialize-instance :after ((o cc-b) &key) (incf (cc-n o) 100))");
        Assert.Equal("(105 100 5)", h.Eval("(list (cc-n (cc-make-b)) (cc-n (make-instance 'cc-b)) (cc-n *cc-b1*))"));
        // Removing it again restores the plain initialization.
        h.Eval("(remove-method #'initialize-instance (find-method #'initialize-instance '(:after) (list (find-class 'cc-b))))");
        Assert.Equal("5", h.Eval("(cc-n (cc-make-b))"));
    }

    [Fact]
    public void Methods_on_the_initialization_protocol_are_honoured()
    {
        using var h = Session(
            "(defclass cc-c () ((a :initarg :a :reader cc-a) (b :initform 'bee :reader cc-b)) (:default-initargs :a 'dflt))" +
            "(defvar *cc-log* nil)" +
            "(defun cc-make-c () (make-instance 'cc-c))");
        Assert.Equal("(DFLT BEE)", h.Eval("(let ((o (cc-make-c))) (list (cc-a o) (cc-b o)))"));
        h.Eval("(defmethod allocate-instance :before ((c (eql (find-class 'cc-c))) &key) (push :alloc *cc-log*))");
        h.Eval("(defmethod shared-initialize :after ((o cc-c) slots &key) (push (list :si slots) *cc-log*))");
        h.Eval("(defmethod make-instance ((c (eql 'cc-c)) &rest r) (push :mi *cc-log*) (apply #'make-instance (find-class 'cc-c) r))");
        Assert.Equal("(DFLT ((:SI T) :ALLOC :MI))", h.Eval("(let ((o (cc-make-c))) (list (cc-a o) *cc-log*))"));
        // Invalid initargs are still reported, and :allow-other-keys still allows them.
        Assert.Equal("ERR", h.Eval("(handler-case (make-instance 'cc-c :nope 1) (program-error () 'err))"));
        Assert.Equal("BEE", h.Eval("(cc-b (make-instance 'cc-c :nope 1 :allow-other-keys t))"));
    }

    [Fact]
    public void Setf_find_class_redirects_a_cached_call_site()
    {
        using var h = Session(
            "(defclass cc-d1 () ((v :initform 1 :reader cc-v)))" +
            "(defclass cc-d2 () ((v :initform 2 :reader cc-v)))" +
            "(defun cc-make-d () (make-instance 'cc-d1))");
        Assert.Equal("1", h.Eval("(cc-v (cc-make-d))"));
        h.Eval("(setf (find-class 'cc-d1) (find-class 'cc-d2))");
        Assert.Equal("2", h.Eval("(cc-v (cc-make-d))"));
    }

    [Fact]
    public void Dispatch_caches_follow_added_and_removed_methods()
    {
        using var h = Session(
            "(defclass cc-e () ())" +
            "(defclass cc-f (cc-e) ())" +
            "(defgeneric cc-g (x y))" +
            "(defmethod cc-g ((x cc-e) y) :e)" +
            "(defmethod cc-g ((x integer) (y string)) :int-str)");
        Assert.Equal("(:E :E :INT-STR)", h.Eval("(list (cc-g (make-instance 'cc-f) 1) (cc-g (make-instance 'cc-f) 1) (cc-g 1 \"s\"))"));
        h.Eval("(defmethod cc-g ((x cc-f) y) (list :f (call-next-method)))");
        h.Eval("(defmethod cc-g ((x (eql 7)) (y string)) :seven)");
        Assert.Equal("((:F :E) :E :SEVEN :INT-STR)",
            h.Eval("(list (cc-g (make-instance 'cc-f) 1) (cc-g (make-instance 'cc-e) 1) (cc-g 7 \"s\") (cc-g 8 \"s\"))"));
        h.Eval("(remove-method #'cc-g (find-method #'cc-g nil (list (find-class 'cc-f) (find-class t))))");
        Assert.Equal(":E", h.Eval("(cc-g (make-instance 'cc-f) 1)"));
        Assert.Equal("ARITY", h.Eval("(handler-case (cc-g 1) (program-error () 'arity))"));
    }

    [Fact]
    public void Eql_dispatch_and_a_class_redefined_under_a_cached_reader()
    {
        using var h = Session(
            "(defgeneric cc-fib (n))" +
            "(defmethod cc-fib ((n (eql 0))) 1)" +
            "(defmethod cc-fib ((n (eql 1))) 1)" +
            "(defmethod cc-fib (n) (+ (cc-fib (- n 1)) (cc-fib (- n 2))))" +
            "(defclass cc-h () ((a :initarg :a :accessor cc-ha) (b :initarg :b :accessor cc-hb)))" +
            "(defvar *cc-h* (make-instance 'cc-h :a 1 :b 2))");
        Assert.Equal("89", h.Eval("(cc-fib 10)"));
        Assert.Equal("(1 2)", h.Eval("(list (cc-ha *cc-h*) (cc-hb *cc-h*))"));
        // Slots reordered: the readers must not keep the old indices.
        h.Eval("(defclass cc-h () ((z :initform 0) (b :initarg :b :accessor cc-hb) (a :initarg :a :accessor cc-ha)))");
        Assert.Equal("(1 2 10 20)", h.Eval("(let ((n (make-instance 'cc-h :a 10 :b 20))) (list (cc-ha *cc-h*) (cc-hb *cc-h*) (cc-ha n) (cc-hb n)))"));
        Assert.Equal("(7 7)", h.Eval("(progn (setf (cc-hb *cc-h*) 7) (list (cc-hb *cc-h*) (slot-value *cc-h* 'b)))"));
        h.Eval("(defmethod cc-fib ((n (eql 2))) 100)");
        Assert.Equal("201", h.Eval("(cc-fib 4)"));
    }

    [Fact]
    public void A_cached_reader_updates_instances_made_obsolete()
    {
        using var h = Session(
            "(defclass cc-ob () ((a :initarg :a :accessor cc-ob-a)))" +
            "(defvar *cc-ob* (make-instance 'cc-ob :a 1))" +
            "(defvar *cc-updates* 0)" +
            "(defmethod update-instance-for-redefined-class :after ((x cc-ob) added discarded plist &rest r) (incf *cc-updates*))");
        Assert.Equal("(1 1 0)", h.Eval("(list (cc-ob-a *cc-ob*) (cc-ob-a *cc-ob*) *cc-updates*)"));
        h.Eval("(make-instances-obsolete 'cc-ob)");
        // The reader's cached emf knew the old wrapper: the access must still update.
        Assert.Equal("(1 1)", h.Eval("(list (cc-ob-a *cc-ob*) *cc-updates*)"));
    }

    [Fact]
    public void Condition_readers_and_documentation_are_generic_functions()
    {
        using var h = Session(
            "(define-condition cc-cond (error) ((w :initarg :w :reader cc-w :writer cc-set-w)))" +
            "(defmethod cc-w :around ((c cc-cond)) (list :around (call-next-method)))" +
            "(defgeneric cc-doc (x) (:documentation \"gf doc\"))" +
            "(defclass cc-doc-class () () (:documentation \"class doc\"))");
        Assert.Equal("(T T T T)", h.Eval("(list (typep #'cc-w 'generic-function) (typep #'cc-set-w 'generic-function) " +
                                         "(typep #'documentation 'generic-function) (typep #'(setf documentation) 'generic-function))"));
        Assert.Equal("(:AROUND 5)", h.Eval("(let ((c (make-condition 'cc-cond :w 4))) (cc-set-w 5 c) (cc-w c))"));
        Assert.Equal("(\"gf doc\" \"class doc\" \"class doc\")",
            h.Eval("(list (documentation #'cc-doc t) (documentation 'cc-doc-class 'type) (documentation (find-class 'cc-doc-class) t))"));
        h.Eval("(defmethod documentation ((x cc-doc-class) (type (eql t))) \"instance doc\")");
        Assert.Equal("\"instance doc\"", h.Eval("(documentation (make-instance 'cc-doc-class) t)"));
    }
}
