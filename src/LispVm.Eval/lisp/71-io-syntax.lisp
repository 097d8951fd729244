;;;; 71-io-syntax.lisp — the reader variables, readtable objects (READTABLE-CASE and the
;;;; syntax SET-SYNTAX-FROM-CHAR gives characters; no Lisp macro functions yet) and WITH-STANDARD-IO-SYNTAX,
;;;; which binds every printer and reader variable to its standard value.

(defvar *read-eval* t)
(defvar *read-suppress* nil)
(defvar *read-default-float-format* 'single-float)

;; The engine reader (ReadOptionsNow in VmIo.cs) reads slot 1 (CASE) and slot 2 (SYNTAX:
;; NIL, or a string of 128 characters: for each code, the standard character whose syntax
;; it has, code 0 for its own) of *READTABLE*; keep them first.
(defstruct (readtable (:constructor %make-readtable (case &optional syntax)) (:conc-name %readtable-)
                      (:predicate readtablep) (:copier nil)
                      (:print-function (lambda (r s d) (declare (ignore d r))
                                         (write-string "#<READTABLE>" s))))
  (case :upcase)
  (syntax nil))

(defvar *%standard-readtable* (%make-readtable :upcase))
(defvar *readtable* (%make-readtable :upcase))

(defun copy-readtable (&optional (from-readtable *readtable*) to-readtable)
  (let ((from (or from-readtable *%standard-readtable*)))
    (unless (readtablep from) (error 'type-error :datum from :expected-type 'readtable))
    (let ((syntax (and (%readtable-syntax from) (copy-seq (%readtable-syntax from)))))
      (if to-readtable
          (progn (%set-readtable-case to-readtable (readtable-case from))
                 (setf (%readtable-syntax to-readtable) syntax)
                 to-readtable)
          (%make-readtable (readtable-case from) syntax)))))

(defun %syntax-of (readtable char)
  "The standard character whose syntax CHAR has in READTABLE (NIL: the standard one)."
  (let ((code (char-code char)) (syn (and readtable (%readtable-syntax readtable))))
    (cond ((>= code 128) #\A)
          ((and syn (plusp (char-code (char syn code)))) (char syn code))
          (t char))))

(defun set-syntax-from-char (to-char from-char &optional (to-readtable *readtable*) from-readtable)
  (unless (characterp to-char) (error 'type-error :datum to-char :expected-type 'character))
  (unless (characterp from-char) (error 'type-error :datum from-char :expected-type 'character))
  (unless (readtablep to-readtable) (error 'type-error :datum to-readtable :expected-type 'readtable))
  (let ((b (%syntax-of from-readtable from-char)) (code (char-code to-char)))
    (when (< code 128)
      (unless (%readtable-syntax to-readtable)
        (setf (%readtable-syntax to-readtable) (make-string 128 :initial-element (code-char 0))))
      (setf (char (%readtable-syntax to-readtable) code) (if (char= b to-char) (code-char 0) b)))
    t))

(defvar *%standard-macro-functions*
  (list (cons #\; (lambda (stream char) (declare (ignore char)) (read-line stream nil) (values)))
        (cons #\) (lambda (stream char) (declare (ignore char))
                    (error 'reader-error :stream stream)))
        (cons t (lambda (stream char) (unread-char char stream) (read stream t nil t)))))

(defun get-macro-character (char &optional (readtable *readtable*))
  (unless (characterp char) (error 'type-error :datum char :expected-type 'character))
  (unless (or (null readtable) (readtablep readtable))
    (error 'type-error :datum readtable :expected-type '(or null readtable)))
  (let ((b (%syntax-of readtable char)))
    (if (member b '(#\( #\) #\' #\; #\" #\` #\, #\#))
        (values (cdr (or (assoc b *%standard-macro-functions*)
                         (assoc t *%standard-macro-functions*)))
                (char= b #\#))
        (values nil nil))))

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
