;;;; 71-io-syntax.lisp — the reader variables, readtable objects (so far they carry only
;;;; READTABLE-CASE: the engine's reader has one fixed syntax) and WITH-STANDARD-IO-SYNTAX,
;;;; which binds every printer and reader variable to its standard value.

(defvar *read-eval* t)
(defvar *read-suppress* nil)
(defvar *read-default-float-format* 'single-float)

(defstruct (readtable (:constructor %make-readtable (case)) (:conc-name %readtable-)
                      (:predicate readtablep) (:copier nil)
                      (:print-function (lambda (r s d) (declare (ignore d r))
                                         (write-string "#<READTABLE>" s))))
  (case :upcase))

(defvar *%standard-readtable* (%make-readtable :upcase))
(defvar *readtable* (%make-readtable :upcase))

(defun copy-readtable (&optional (from-readtable *readtable*) to-readtable)
  (let ((from (or from-readtable *%standard-readtable*)))
    (unless (readtablep from) (error 'type-error :datum from :expected-type 'readtable))
    (if to-readtable
        (progn (%set-readtable-case to-readtable (readtable-case from)) to-readtable)
        (%make-readtable (readtable-case from)))))

(defun %set-readtable-case (readtable mode)
  (unless (readtablep readtable) (error 'type-error :datum readtable :expected-type 'readtable))
  (unless (member mode '(:upcase :downcase :preserve :invert))
    (error 'type-error :datum mode :expected-type '(member :upcase :downcase :preserve :invert)))
  (setf (%readtable-case readtable) mode))

(defun readtable-case (readtable)
  (unless (readtablep readtable) (error 'type-error :datum readtable :expected-type 'readtable))
  (%readtable-case readtable))
(defsetf readtable-case %set-readtable-case)

(defmacro with-standard-io-syntax (&body body)
  `(let ((*package* (find-package "COMMON-LISP-USER"))
         (*print-array* t)
         (*print-base* 10)
         (*print-case* :upcase)
         (*print-circle* nil)
         (*print-escape* t)
         (*print-gensym* t)
         (*print-length* nil)
         (*print-level* nil)
         (*print-lines* nil)
         (*print-miser-width* nil)
         (*print-pprint-dispatch* nil)
         (*print-pretty* nil)
         (*print-radix* nil)
         (*print-readably* t)
         (*print-right-margin* nil)
         (*read-base* 10)
         (*read-default-float-format* 'single-float)
         (*read-eval* t)
         (*read-suppress* nil)
         (*readtable* *%standard-readtable*))
     ,@body))
