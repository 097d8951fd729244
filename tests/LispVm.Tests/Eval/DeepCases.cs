// Why: the Lisp definitions behind the deep cases of issue 12 item 7, one copy for the
// hosted StackDepthTests and the image's LinuxDeepTests (linked into Image.Tests).
namespace LispVm.Tests.Eval;

public static class DeepCases
{
    /// <summary>The last one defined is M3.</summary>
    public const string Defs =
        "(defun mk (n) (let ((x nil)) (dotimes (i n) (setq x (list x))) x))\n" +
        "(defun mk2 (n) (let ((x nil)) (dotimes (i n) (setq x (list x 1))) x))\n" +
        "(defun mkf (n) (let ((x 1)) (dotimes (i n) (setq x (list 'identity x))) x))\n" +
        "(defmacro try (form) `(handler-case ,form (storage-condition (c) (list 'caught (princ-to-string c)))))\n" +
        "(defun deep (n) (if (= n 0) 0 (1+ (deep (1- n)))))\n" +
        // a sort predicate that sorts again; read-from-string + eval; print-object printing the next node
        "(defun rs (n) (if (= n 0) 0 (progn (sort (list 2 1) (lambda (a b) (rs (1- n)) (< a b))) n)))\n" +
        "(defun re (n) (if (= n 0) 0 (1+ (eval (read-from-string (format nil \"(re ~D)\" (1- n)))))))\n" +
        "(defstruct (node (:print-object (lambda (n s) (write-string \"<\" s) (prin1 (node-next n) s) (write-string \">\" s)))) next)\n" +
        // macro expanders that call EVAL / COMPILE: nested compiles in C#
        "(defvar *mx* 0)\n" +
        "(defmacro m (n) (setq *mx* (max *mx* n)) (if (= n 0) 0 (list '1+ (eval (list 'let nil (list 'm (1+ n)))))))\n" +
        "(defmacro m3 (n) (setq *mx* (max *mx* n)) (if (= n 0) 0 (list '1+ (funcall (compile nil (list 'lambda nil (list 'm3 (1+ n))))))))\n";
}
