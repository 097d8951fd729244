;;;; 71-io-syntax.lisp — the reader variables, readtable objects (READTABLE-CASE, the
;;;; syntax SET-SYNTAX-FROM-CHAR gives characters, macro characters with Lisp functions:
;;;; SET-MACRO-CHARACTER, dispatching ones and # sub-characters) and WITH-STANDARD-IO-SYNTAX,
;;;; which binds every printer and reader variable to its standard value.

(defvar *read-eval* t)
(defvar *read-suppress* nil)
(defvar *read-default-float-format* 'single-float)

;; The engine reader (ReadOptionsNow in VmIo.cs) reads slot 1 (CASE), slot 2 (SYNTAX:
;; NIL, or a string of 128 characters: for each code, the standard character whose syntax
;; it has, code 0 for its own), slot 3 (MACRO-KINDS: NIL or 128 characters, code 1 for a
;; terminating macro character with a Lisp function, 2 for a non-terminating one) and slot
;; 4 (SHARP-USER: NIL or 128 characters, code 1 for a # sub-character with a Lisp
;; function) of *READTABLE*; keep them first. Characters from code 128 up can have macro
;; functions here, but the engine reader treats them as constituents.
;; MACROS: alist (char fn . non-terminating-p); DISPATCH: alist (char . hash table of the
;; upcased sub-character -> function), #\# always a dispatching macro character.
(defstruct (readtable (:constructor %make-readtable (case &optional syntax)) (:conc-name %readtable-)
                      (:predicate readtablep) (:copier nil)
                      (:print-function (lambda (r s d) (declare (ignore d r))
                                         (write-string "#<READTABLE>" s))))
  (case :upcase)
  (syntax nil)
  (macro-kinds nil)
  (sharp-user nil)
  (macros nil)
  (dispatch nil))

(defvar *%standard-readtable* (%make-readtable :upcase))
(defvar *readtable* (%make-readtable :upcase))

(defun %copy-dispatch-table (table)
  (let ((new (make-hash-table)))
    (maphash (lambda (k v) (setf (gethash k new) v)) table)
    new))

(defun copy-readtable (&optional (from-readtable *readtable*) to-readtable)
  (let ((from (or from-readtable *%standard-readtable*)))
    (unless (readtablep from) (error 'type-error :datum from :expected-type 'readtable))
    (let ((to (or to-readtable (%make-readtable (readtable-case from)))))
      (unless (readtablep to) (error 'type-error :datum to :expected-type 'readtable))
      (unless (eq from to)
        (%set-readtable-case to (readtable-case from))
        (flet ((copy (s) (and s (copy-seq s))))
          (setf (%readtable-syntax to) (copy (%readtable-syntax from))
                (%readtable-macro-kinds to) (copy (%readtable-macro-kinds from))
                (%readtable-sharp-user to) (copy (%readtable-sharp-user from))))
        ;; fresh conses and tables: changing one readtable never changes the other
        (setf (%readtable-macros to)
              (mapcar (lambda (e) (list* (car e) (cadr e) (cddr e))) (%readtable-macros from))
              (%readtable-dispatch to)
              (mapcar (lambda (e) (cons (car e) (%copy-dispatch-table (cdr e)))) (%readtable-dispatch from))))
      to)))

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
  ;; A Lisp macro function (and a dispatch table) goes along with the syntax; without one,
  ;; TO-CHAR loses any it had.
  (let* ((from (or from-readtable *%standard-readtable*))
         (m (assoc from-char (%readtable-macros from)))
         (d (assoc from-char (%readtable-dispatch from))))
    (%remove-macro to-char to-readtable)
    (when m
      (%store-macro to-char (cadr m) (cddr m) to-readtable)
      (when d (push (cons to-char (%copy-dispatch-table (cdr d))) (%readtable-dispatch to-readtable)))))
  (let ((b (%syntax-of from-readtable from-char)) (code (char-code to-char)))
    (when (< code 128)
      (unless (%readtable-syntax to-readtable)
        (setf (%readtable-syntax to-readtable) (make-string 128 :initial-element (code-char 0))))
      (setf (char (%readtable-syntax to-readtable) code) (if (char= b to-char) (code-char 0) b)))
    t))

;;; Macro characters with Lisp functions.

(defun %check-readtable (rt)
  (unless (readtablep rt) (error 'type-error :datum rt :expected-type 'readtable)))

(defun %kinds-string (rt slot)
  (or (if (eq slot :macro) (%readtable-macro-kinds rt) (%readtable-sharp-user rt))
      (let ((s (make-string 128 :initial-element (code-char 0))))
        (if (eq slot :macro) (setf (%readtable-macro-kinds rt) s) (setf (%readtable-sharp-user rt) s))
        s)))

(defun %remove-macro (char rt)
  (setf (%readtable-macros rt) (remove char (%readtable-macros rt) :key #'car)
        (%readtable-dispatch rt) (remove char (%readtable-dispatch rt) :key #'car))
  (when (and (< (char-code char) 128) (%readtable-macro-kinds rt))
    (setf (char (%readtable-macro-kinds rt) (char-code char)) (code-char 0))))

(defun %store-macro (char function non-terminating-p rt)
  (let ((e (assoc char (%readtable-macros rt))))
    (if e
        (progn (rplaca (cdr e) function) (rplacd (cdr e) (and non-terminating-p t)))
        (push (list* char function (and non-terminating-p t)) (%readtable-macros rt))))
  (when (< (char-code char) 128)
    (setf (char (%kinds-string rt :macro) (char-code char)) (code-char (if non-terminating-p 2 1)))))

(defun set-macro-character (char new-function &optional non-terminating-p (readtable *readtable*))
  (unless (characterp char) (error 'type-error :datum char :expected-type 'character))
  (unless (or (functionp new-function) (and (symbolp new-function) new-function))
    (error 'type-error :datum new-function :expected-type '(or function symbol)))
  (%check-readtable readtable)
  (setf (%readtable-dispatch readtable) (remove char (%readtable-dispatch readtable) :key #'car))
  (%store-macro char new-function non-terminating-p readtable)
  t)

(defvar *%standard-macro-functions*
  (list (cons #\; (lambda (stream char) (declare (ignore char)) (read-line stream nil) (values)))
        (cons #\) (lambda (stream char) (declare (ignore char))
                    (error 'reader-error :stream stream)))
        (cons t (lambda (stream char) (unread-char char stream) (read stream t nil t)))))

(defun get-macro-character (char &optional (readtable *readtable*))
  (unless (characterp char) (error 'type-error :datum char :expected-type 'character))
  (unless (or (null readtable) (readtablep readtable))
    (error 'type-error :datum readtable :expected-type '(or null readtable)))
  (let ((m (assoc char (%readtable-macros (or readtable *%standard-readtable*)))))
    (if m
        (values (cadr m) (cddr m))
        (let ((b (%syntax-of readtable char)))
          (if (member b '(#\( #\) #\' #\; #\" #\` #\, #\#))
              (values (cdr (or (assoc b *%standard-macro-functions*)
                               (assoc t *%standard-macro-functions*)))
                      (char= b #\#))
              (values nil nil))))))

(defun %read-dispatch-argument (stream)
  "The decimal argument and the sub-character after a dispatching macro character."
  (let ((arg nil))
    (loop
      (let* ((c (read-char stream t nil t)) (d (digit-char-p c 10)))
        (if d (setq arg (+ (* (or arg 0) 10) d)) (return (values c arg)))))))

(defun %dispatch-function (disp-char)
  "The macro function of a dispatching macro character made by MAKE-DISPATCH-MACRO-CHARACTER."
  (lambda (stream char)
    (declare (ignore char))
    (multiple-value-bind (sub arg) (%read-dispatch-argument stream)
      (let ((fn (get-dispatch-macro-character disp-char sub)))
        (unless fn
          (error '%simple-reader-error :stream stream
                 :format-control "No dispatch function for ~C~C." :format-arguments (list disp-char sub)))
        (funcall fn stream sub arg)))))

(defun make-dispatch-macro-character (char &optional non-terminating-p (readtable *readtable*))
  (unless (characterp char) (error 'type-error :datum char :expected-type 'character))
  (%check-readtable readtable)
  (%store-macro char (%dispatch-function char) non-terminating-p readtable)
  (setf (%readtable-dispatch readtable)
        (cons (cons char (make-hash-table)) (remove char (%readtable-dispatch readtable) :key #'car)))
  t)

(defun %dispatch-table (disp-char rt create)
  (or (cdr (assoc disp-char (%readtable-dispatch rt)))
      (cond ((and (char= disp-char #\#) (not (assoc #\# (%readtable-macros rt))))
             (when create
               (let ((table (make-hash-table)))
                 (push (cons #\# table) (%readtable-dispatch rt))
                 table)))
            (t (error '%simple-reader-error :stream nil
                      :format-control "~S is not a dispatching macro character." :format-arguments (list disp-char))))))

(defun set-dispatch-macro-character (disp-char sub-char new-function &optional (readtable *readtable*))
  (unless (characterp disp-char) (error 'type-error :datum disp-char :expected-type 'character))
  (unless (characterp sub-char) (error 'type-error :datum sub-char :expected-type 'character))
  (%check-readtable readtable)
  (when (digit-char-p sub-char 10)
    (error "The sub-character ~S of a dispatching macro character cannot be a digit." sub-char))
  (let ((table (%dispatch-table disp-char readtable t)) (sub (char-upcase sub-char)))
    (if new-function (setf (gethash sub table) new-function) (remhash sub table))
    (when (and (char= disp-char #\#) (< (char-code sub) 128))
      (setf (char (%kinds-string readtable :sharp) (char-code sub))
            (code-char (if new-function 1 0)))))
  t)

(defun %standard-sharp-p (sub)
  (find sub "\\'(*:.BOXRCASP+-|=#" :test #'char-equal))

(defun get-dispatch-macro-character (disp-char sub-char &optional (readtable *readtable*))
  (unless (characterp disp-char) (error 'type-error :datum disp-char :expected-type 'character))
  (unless (characterp sub-char) (error 'type-error :datum sub-char :expected-type 'character))
  (unless (or (null readtable) (readtablep readtable))
    (error 'type-error :datum readtable :expected-type '(or null readtable)))
  (let* ((rt (or readtable *%standard-readtable*))
         (table (%dispatch-table disp-char rt nil)))
    (cond ((digit-char-p sub-char 10) nil)
          ((and table (gethash (char-upcase sub-char) table)))
          ((and (char= disp-char #\#) (not (assoc #\# (%readtable-macros rt))) (%standard-sharp-p sub-char))
           ;; the engine's own # syntax: read it again through a stream that puts it back
           (lambda (stream sub arg)
             (read (make-concatenated-stream
                    (make-string-input-stream (format nil "#~@[~D~]~C" arg sub)) stream)
                   t nil t)))
          (t nil))))

;; The engine reader's calls (VmIo.cs ReadHook): a list of the function's value, NIL when
;; it returned none (the character then reads as nothing, like a comment).
(defun %read-macro-call (stream char arg)
  (declare (ignore arg))
  (let ((m (assoc char (%readtable-macros *readtable*))))
    (unless m
      (error '%simple-reader-error :stream stream
             :format-control "~S has no macro function." :format-arguments (list char)))
    (let ((values (multiple-value-list (funcall (cadr m) stream char))))
      (and values (list (car values))))))

(defun %read-sharp-macro-call (stream sub arg)
  (let ((fn (get-dispatch-macro-character #\# sub)))
    (unless fn
      (error '%simple-reader-error :stream stream
             :format-control "No dispatch function for #~C." :format-arguments (list sub)))
    (let ((values (multiple-value-list (funcall fn stream sub arg))))
      (and values (list (car values))))))

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
