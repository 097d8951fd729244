;;;; 93-tools.lisp — the standard REPL tools (issue 14): DESCRIBE, INSPECT (simple),
;;;; APROPOS, APROPOS-LIST, DOCUMENTATION (docstrings kept by DEFUN/DEFVAR), DISASSEMBLE
;;;; (the bytecode, named by Vm/OpInfo.cs), STEP (simple), MACHINE-INSTANCE,
;;;; SOFTWARE-TYPE. Why here: one file of tools over engine primitives; output is
;;;; deterministic (no addresses), so transcripts can check it.

;;; DOCUMENTATION
(defun %doc-indicator (doc-type)
  (case doc-type
    ((variable) '%doc-variable)
    ((function compiler-macro setf) '%doc-function)
    (t nil)))

;; Other objects and doc types (types, structures, packages, anonymous functions...):
;; set with (SETF DOCUMENTATION) only, kept here by (object . doc-type).
(defvar *%documentation* (make-hash-table :test 'equal))

;; DOCUMENTATION and (SETF DOCUMENTATION) are generic functions (CLHS 25.2): the methods
;; below cover functions, symbols, classes, generic functions and methods; users may add
;; their own.
(defgeneric documentation (x doc-type))
(defgeneric (setf documentation) (new-value x doc-type))

(defun %doc-gf-record (x doc-type)
  "The %gf record whose documentation (X DOC-TYPE) names, or nil."
  (when (member doc-type '(t function))
    (let ((f (cond ((functionp x) x)
                   ((and (symbolp x) x (fboundp x) (not (macro-function x)) (not (special-operator-p x)))
                    (fdefinition x))
                   ((and (consp x) (eq (car x) 'setf) (fboundp x)) (fdefinition x)))))
      (and f (%gf-record f nil)))))

(defun %doc-class (x doc-type)
  "The class whose documentation (X DOC-TYPE) names, or nil."
  (cond ((and (%class-p x) (member doc-type '(t type))) x)
        ((and (symbolp x) (eq doc-type 'type))
         (let ((c (find-class x nil))) (and c (eq (%class-metaclass c) 'standard-class) c)))
        (t nil)))

(defmethod documentation ((x t) doc-type)
  (let ((gf (%doc-gf-record x doc-type)) (class (%doc-class x doc-type)))
    (cond ((and gf (%gf-documentation gf)) (%gf-documentation gf))
          (class (%class-documentation class))
          ((and (%method-p x) (eq doc-type t)) (%method-documentation x))
          (t (let ((name (if (functionp x) (%function-name x) x))
                   (ind (if (and (functionp x) (eq doc-type t)) '%doc-function (%doc-indicator doc-type))))
               (if (and (symbolp name) name ind)
                   (get name ind)
                   (values (gethash (cons x doc-type) *%documentation*))))))))

(defmethod (setf documentation) (new (x t) doc-type)
  (unless (or (null new) (stringp new))
    (error 'type-error :datum new :expected-type '(or null string)))
  (let ((gf (%doc-gf-record x doc-type)) (class (%doc-class x doc-type))
        (name (if (functionp x) (%function-name x) x))
        (ind (if (and (functionp x) (eq doc-type t)) '%doc-function (%doc-indicator doc-type))))
    (cond (gf (setf (%gf-documentation gf) new))
          (class (setf (%class-documentation class) new))
          ((and (%method-p x) (eq doc-type t)) (setf (%method-documentation x) new))
          ((and (symbolp name) name ind) (%set-doc name ind new))
          (t (setf (gethash (cons x doc-type) *%documentation*) new)))
    new))

;;; APROPOS (over %ALL-PACKAGES, the engine's registry: LIST-ALL-PACKAGES copies it, so
;;; defining %ALL-PACKAGES through LIST-ALL-PACKAGES here recursed forever)

(defun apropos-list (string &optional package)
  "The symbols whose names contain STRING (case-insensitive), sorted by name."
  (let ((s (string string)) (found nil))
    (dolist (p (if package (list (%package-arg package)) (%all-packages)))
      (dolist (sym (%package-symbol-list p nil))
        (when (search s (symbol-name sym) :test #'char-equal)
          (pushnew sym found))))
    (sort found (lambda (a b)
                  (let ((na (symbol-name a)) (nb (symbol-name b)))
                    (or (string< na nb)
                        (and (string= na nb)
                             (string< (package-name (symbol-package a)) (package-name (symbol-package b))))))))))

(defun apropos (string &optional package)
  "Prints each symbol whose name contains STRING, saying what it names."
  (dolist (sym (apropos-list string package))
    (format t "~&~S" sym)
    (cond ((special-operator-p sym) (write-string " (special operator)"))
          ((macro-function sym) (write-string " (macro)"))
          ((fboundp sym) (write-string " (function)")))
    (when (boundp sym)
      (if (%constant-symbol-p sym) (write-string " (constant)") (write-string " (variable)")))
    (terpri))
  (values))

;;; DESCRIBE / INSPECT
(defun %describe-symbol (x s)
  (format s "~&~S is a SYMBOL in ~A.~%" x
          (if (symbol-package x) (format nil "package ~A" (package-name (symbol-package x))) "no package"))
  (when (boundp x)
    (format s "  ~A: ~S~%" (if (%constant-symbol-p x) "Constant value" "Value") (symbol-value x)))
  (let ((vd (get x '%doc-variable))) (when vd (format s "  Variable documentation: ~A~%" vd)))
  (cond ((special-operator-p x) (format s "  It is a special operator.~%"))
        ((macro-function x) (format s "  It names a macro.~%"))
        ((fboundp x)
         (format s "  It names a function, lambda list ~S.~%" (%function-lambda-list (fdefinition x)))))
  (let ((fd (get x '%doc-function))) (when fd (format s "  Function documentation: ~A~%" fd)))
  (let ((pl (remove-if (lambda (k) (member k '(%doc-function %doc-variable %traced-original)))
                       (loop for (k v) on (symbol-plist x) by #'cddr collect k))))
    (when pl (format s "  Property list indicators: ~S~%" pl))))

(defun describe (object &optional stream)
  "Prints what OBJECT is: its type and contents, a symbol's bindings and documentation."
  (let ((s (cond ((null stream) *standard-output*) ((eq stream t) *terminal-io*) (t stream))))
    (cond ((and object (symbolp object)) (%describe-symbol object s))
          ((functionp object)
           (format s "~&~S is a FUNCTION.~%" object)
           (let ((name (%function-name object)))
             (when name (format s "  Name: ~S~%" name))
             (format s "  Lambda list: ~S~%" (%function-lambda-list object))
             (let ((d (documentation object 'function))) (when d (format s "  Documentation: ~A~%" d)))))
          ((%std-instance-p object) (describe-object object s))     ; CLOS instances
          ((and (%instance-p object) (not (%condition-p object)) (fboundp '%struct-slot-names))
           (format s "~&~S is a structure of type ~S.~%" object (type-of object))
           (let ((i 0))
             (dolist (name (%struct-slot-names object))
               (format s "  ~A: ~S~%" name (%instance-ref object i))
               (setq i (1+ i)))))
          ((%condition-p object)
           (format s "~&~S is a condition of type ~S.~%  ~A~%" object (type-of object) (%condition-message object)))
          ((consp object)
           (format s "~&~S is a ~A of length ~D.~%" object (if (listp (cdr (last object))) "LIST" "dotted list")
                   (let ((n 0)) (loop for l on object do (setq n (1+ n))) n)))
          ((stringp object) (format s "~&~S is a STRING of length ~D.~%" object (length object)))
          ((vectorp object) (format s "~&~S is a VECTOR of length ~D.~%" object (length object)))
          ((arrayp object) (format s "~&~S is an ARRAY of dimensions ~S.~%" object (array-dimensions object)))
          ((hash-table-p object)
           (format s "~&~S is a HASH-TABLE with ~D entries, test ~S.~%" object (hash-table-count object) (hash-table-test object)))
          ((integerp object)
           (format s "~&~S is an INTEGER (~S).~%" object (if (typep object 'fixnum) 'fixnum 'bignum)))
          ((numberp object) (format s "~&~S is a ~S.~%" object (type-of object)))
          ((characterp object) (format s "~&~S is a CHARACTER, code ~D.~%" object (char-code object)))
          ((packagep object)
           (format s "~&~S is a PACKAGE named ~A.~%" object (package-name object)))
          (t (format s "~&~S is of type ~S.~%" object (type-of object))))
    (values)))

(defun inspect (object)
  "Simple: describes OBJECT and returns it."
  (describe object)
  object)

;;; DISASSEMBLE: the bytecode listing, one instruction a line, constants shown by value.
(defun %disassemble-operand (o s)
  (cond ((and (consp o) (eq (car o) '%k))
         (let ((v (cddr o)))
           (if (functionp v)
               (format s " #<FUNCTION ~S>" (%function-name v))
               (let ((*print-length* 5) (*print-level* 2)) (format s " '~S" v)))))
        (t (format s " ~D" o))))

(defun disassemble (fn)
  "Prints the bytecode of FN (a function, or a function name; a lambda form is compiled)."
  (let ((f (cond ((functionp fn) fn)
                 ((and (consp fn) (eq (car fn) 'lambda)) (compile nil fn))
                 (t (fdefinition fn)))))
    (format t "~&; ~A~%" (let ((name (%function-name f))) (if name (format nil "~S" name) "anonymous function")))
    (let ((code (%disassemble f)))
      (if (null code)
          (format t "; a builtin (native code): no bytecode~%")
          (dolist (insn code)
            (format t "~5D  ~A" (car insn) (cadr insn))
            (dolist (o (cddr insn)) (%disassemble-operand o *standard-output*))
            (terpri)))))
  nil)

;;; STEP (simple): shows the form and its values.
(defmacro step (form)
  `(%step ',form (lambda () ,form)))
(defun %step (form thunk)
  (format *trace-output* "~&; step: ~S~%" form)
  (let ((vals (multiple-value-list (funcall thunk))))
    (format *trace-output* "~&; => ~{~S~^, ~}~%" vals)
    (values-list vals)))

;;; Implementation information: set at boot by the platform (the heap image comes from a
;;; Linux run, so nothing platform-specific is baked in): *FEATURES* gets :LINUX or :XEN.
(defvar *%software-type* "LispVm")
(defvar *%machine-instance* nil)
(defun software-type () *%software-type*)
(defun machine-instance () *%machine-instance*)
(defun %set-platform (software instance)
  (setq *%software-type* software *%machine-instance* instance)
  (setq *features* (remove :linux (remove :xen *features*)))
  (cond ((string= software "Linux") (pushnew :linux *features*))
        ((string= software "Xen") (pushnew :xen *features*)))
  software)
