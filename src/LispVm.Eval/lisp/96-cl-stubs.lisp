;;;; 96-cl-stubs.lisp — the standard COMMON-LISP symbols LispVm does not implement yet
;;;; (issue 13: every one of the 978 is external in COMMON-LISP and either works or says
;;;; clearly that it does not). This is the one list of them: it shrinks as they are
;;;; implemented. A stub is only installed when nothing defined the name before (a real
;;;; definition in an earlier file wins); calling one signals "not implemented".

(define-condition %not-implemented (error)
  ((name :initarg :name :reader %not-implemented-name))
  (:report (lambda (c s)
             (format s "~S is a standard Common Lisp operator that LispVm does not implement yet."
                     (%not-implemented-name c)))))

(defun %install-stub-function (name)
  (unless (fboundp name)
    (setf (symbol-function name)
          (lambda (&rest arguments)
            (declare (ignore arguments))
            (error '%not-implemented :name name)))))

(defun %install-stub-macro (name)
  (unless (fboundp name)
    (%set-macro name (lambda (form env)
                       (declare (ignore form env))
                       `(error '%not-implemented :name ',name)))))

;;; Functions: CLOS, the pretty printer, readtable syntax, composite streams, byte I/O.
(dolist (name '(add-method allocate-instance break call-next-method change-class class-name
                class-of compute-applicable-methods copy-pprint-dispatch describe
                describe-object disassemble dribble ed ensure-generic-function
                file-string-length find-class find-method function-keywords
                function-lambda-expression get-dispatch-macro-character
                initialize-instance inspect invalid-method-error
                make-dispatch-macro-character make-instance make-instances-obsolete
                make-load-form make-load-form-saving-slots make-method
                method-combination-error method-qualifiers next-method-p
                no-applicable-method no-next-method print-object
                reinitialize-instance remove-method set-dispatch-macro-character
                set-macro-character set-pprint-dispatch
                shared-initialize slot-boundp slot-exists-p slot-makunbound slot-missing
                slot-unbound slot-value stream-external-format
                update-instance-for-different-class update-instance-for-redefined-class
                upgraded-complex-part-type))
  (%install-stub-function name))

;;; Macros: expanding one gives code that signals when it runs.
(dolist (name '(call-method defclass defgeneric define-method-combination define-symbol-macro
                defmethod with-accessors with-slots))
  (%install-stub-macro name))

;;; Names of types, classes and declarations that exist only as symbols so far.
(defparameter *%standard-names-only*
  '(broadcast-stream built-in-class compilation-speed compiler-macro concatenated-stream
    debug declaration dynamic-extent echo-stream extended-char file-stream ftype
    generic-function inline method method-combination notinline optimize safety speed
    standard standard-class standard-generic-function standard-method standard-object
    string-stream structure structure-class synonym-stream two-way-stream variable))

;;; Compiler macros are never applied here (which the standard allows); they are kept.
(defun compiler-macro-function (name &optional environment)
  (declare (ignore environment))
  (get (if (consp name) (%setf-name (cadr name)) name) '%compiler-macro))
(defun %set-compiler-macro-function (name function)
  (setf (get (if (consp name) (%setf-name (cadr name)) name) '%compiler-macro) function))
(defsetf compiler-macro-function %set-compiler-macro-function)
(defmacro define-compiler-macro (name lambda-list &body body)
  (let ((form (gensym "FORM")) (env (gensym "ENV")))
    `(progn
       (%set-compiler-macro-function
        ',name
        (lambda (,form ,env)
          (declare (ignore ,env))
          (destructuring-bind ,lambda-list (cdr ,form) ,@body)))
       ',name)))
