;;;; 72-format-parse.lisp — a FORMAT control string parsed once into a directive tree.
;;;; Why: FORMAT used to re-scan its control string on every call (issue 19: 98.6 K
;;;; instructions for one (format nil "~a-~d~%" ...), 33.4 K now). A control is parsed
;;;; into a list of items (literal strings and %FD directive records; ~[ ~{ ~( ~< carry
;;;; their clauses as item lists).
;;;; Literal controls are parsed at load time (the compiler hands (format d "..." ...) to
;;;; %FORMAT-FORM); other strings go through a small EQ cache with a content check, so a
;;;; mutated string is parsed again. A parse error never escapes at compile time: the
;;;; string is kept and FORMAT signals the same error when it runs.

(defvar *%fmt-stream* nil)
(defvar *%fmt-col* nil)
(defvar *%fmt-all* nil)
(defvar *%fmt-args* nil)

;;; One directive. CHAR is upcased; PARAMS holds integers, characters, NIL (omitted) and
;;; the markers %FMT-V / %FMT-HASH, resolved when the directive runs (DYNAMIC says any is
;;; there). CLAUSES: item lists of ~[ ~< (split at ~;) or the one body of ~{ ~(; SEPS the
;;; ~; colon flags; EMPTY: ~{~} with nothing between (the body is an argument). CONTROL
;;; is the whole control string, for error messages.
(defstruct (%fd (:constructor %make-fd (char params dynamic colon at name control))
                (:copier nil))
  char params dynamic colon at name control clauses seps close-colon empty)

;;; A parsed control: what FORMAT gets from a literal control string.
(defstruct (%fmt-parsed (:constructor %make-fmt-parsed (items control)) (:copier nil))
  items control)

(defun %fmt-next-arg ()
  (when (null *%fmt-args*) (error "FORMAT: not enough arguments for the control string."))
  (pop *%fmt-args*))

(defun %fmt-parse-directive (control i end)
  "I is just after the tilde. Values: directive char, params, colon, at, next index, name
(~/), dynamic (a V or # parameter is there)."
  (let ((params nil) (colon nil) (at nil) (name nil) (dynamic nil))
    (flet ((more () (if (and (< i end) (char= (char control i) #\,)) (progn (setq i (+ i 1)) t) nil)))
      (loop
        (when (>= i end) (error "FORMAT: the control string ~S ends inside a directive." control))
        (let ((c (char control i)))
          (cond ((or (digit-char-p c)
                     (and (or (char= c #\+) (char= c #\-)) (< (+ i 1) end) (digit-char-p (char control (+ i 1)))))
                 (let ((j (+ i 1)))
                   (loop (if (and (< j end) (digit-char-p (char control j))) (setq j (+ j 1)) (return)))
                   (push (parse-integer control :start i :end j) params)
                   (setq i j)
                   (unless (more) (return))))
                ((char= c #\')
                 (push (char control (+ i 1)) params) (setq i (+ i 2))
                 (unless (more) (return)))
                ((char-equal c #\V)
                 (push '%fmt-v params) (setq i (+ i 1) dynamic t)
                 (unless (more) (return)))
                ((char= c #\#)
                 (push '%fmt-hash params) (setq i (+ i 1) dynamic t)
                 (unless (more) (return)))
                ((char= c #\,) (push nil params) (setq i (+ i 1)))
                (t (return))))))
    (loop
      (when (>= i end) (error "FORMAT: the control string ~S ends inside a directive." control))
      (let ((c (char control i)))
        (cond ((char= c #\:) (setq colon t) (setq i (+ i 1)))
              ((char= c #\@) (setq at t) (setq i (+ i 1)))
              (t (return)))))
    (let ((c (char control i)))
      (when (char= c #\/)
        (let ((close (position #\/ control :start (+ i 1) :end end)))
          (unless close (error "FORMAT: unterminated ~~/ in ~S." control))
          (setq name (subseq control (+ i 1) close) i close)))
      (values c (nreverse params) colon at (+ i 1) name dynamic))))

(defun %fmt-closer (c)
  (case c (#\[ #\]) (#\{ #\}) (#\( #\)) (#\< #\>) (t nil)))

(defun %fmt-parse-seq (control i end close)
  "Items from I to END, or to the directive ~CLOSE at this level (CLOSE nil: the end).
Values: clauses (item lists; split at ~; for ~[ and ~<), seps (their colon flags), index
after the close, the close's colon flag, index of the close's tilde."
  (let ((items nil) (clauses nil) (seps nil) (split (or (eql close #\]) (eql close #\>))))
    (flet ((text (s)
             ;; adjacent literal text (around a ~newline) becomes one string
             (if (stringp (car items))
                 (setf (car items) (concatenate 'string (car items) s))
                 (push s items))))
      (loop
        (let ((tilde (if (< i end) (position #\~ control :start i :end end) nil)))
          (when (null tilde)
            (when close (error "FORMAT: missing ~~~A in ~S." close control))
            (when (< i end) (text (subseq control i end)))
            (push (nreverse items) clauses)
            (return (values (nreverse clauses) (nreverse seps) end nil end)))
          (when (> tilde i) (text (subseq control i tilde)))
          (multiple-value-bind (c params colon at next name dynamic)
              (%fmt-parse-directive control (+ tilde 1) end)
            (let ((uc (char-upcase c)))
              (cond ((and close (char= uc close))
                     (push (nreverse items) clauses)
                     (return (values (nreverse clauses) (nreverse seps) next colon tilde)))
                    ((and split (char= uc #\;))
                     (push (nreverse items) clauses) (setq items nil)
                     (push colon seps)
                     (setq i next))
                    ((char= uc #\Newline)
                     ;; ~newline: the newline and following blanks vanish; ~:newline keeps
                     ;; the blanks, ~@newline keeps the newline
                     (when at (text (string #\Newline)))
                     (setq i next)
                     (unless colon
                       (loop (if (and (< i end) (member (char control i) '(#\Space #\Tab)))
                                 (setq i (+ i 1))
                                 (return)))))
                    (t
                     (let ((d (%make-fd uc params dynamic colon at name control))
                           (closer (%fmt-closer uc)))
                       (setq i next)
                       (when closer
                         (multiple-value-bind (cls sps nx ccolon ctilde)
                             (%fmt-parse-seq control next end closer)
                           (setf (%fd-clauses d) cls (%fd-seps d) sps (%fd-close-colon d) ccolon
                                 (%fd-empty d) (= ctilde next))
                           (setq i nx)))
                       (push d items)))))))))))

(defun %fmt-parse (control)
  "CONTROL (a string) as a %FMT-PARSED; signals the control string's errors."
  (let ((copy (copy-seq control)))
    (%make-fmt-parsed (car (%fmt-parse-seq copy 0 (length copy) nil)) copy)))

;;; The run-time cache: 16 entries #(string copy parsed), replaced round robin. An entry
;;; is one vector stored in one slot, so a reader never sees a key with another's parse.
(defconstant +%fmt-cache-size+ 16)
(defvar *%fmt-cache* (make-array +%fmt-cache-size+ :initial-element nil))
(defvar *%fmt-cache-next* 0)

(defun %fmt-cached (control)
  "The parsed form of the string CONTROL, from the cache when CONTROL is EQ to a cached
string whose contents are unchanged."
  (let ((cache *%fmt-cache*))
    (dotimes (i +%fmt-cache-size+)
      (let ((e (svref cache i)))
        (when (and e (eq (svref e 0) control))
          (when (string= (svref e 1) control) (return-from %fmt-cached (svref e 2)))
          ;; the string was changed since: parse it again into the same slot
          (let ((p (%fmt-parse control)))
            (setf (svref cache i) (vector control (%fmt-parsed-control p) p))
            (return-from %fmt-cached p)))))
    (let ((p (%fmt-parse control)) (n *%fmt-cache-next*))
      (setf (svref cache n) (vector control (%fmt-parsed-control p) p))
      (setq *%fmt-cache-next* (if (>= (+ n 1) +%fmt-cache-size+) 0 (+ n 1)))
      p)))

(defun %fmt-items (control)
  "The item list of a control that is a string or a %FMT-PARSED."
  (cond ((%fmt-parsed-p control) (%fmt-parsed-items control))
        ((stringp control) (%fmt-parsed-items (%fmt-cached control)))
        (t (%type-error control '(or string function)))))

;;; Compile time: (format dest "literal" args...) -> the parse built once at load time.
(defun %fmt-literal (control)
  "CONTROL parsed, or CONTROL itself when it has an error (FORMAT then signals it when it
runs, as it would have without the parse)."
  (let ((p (handler-case (%fmt-parse control) (error () nil))))
    (or p control)))

(defun %format-form (form env)
  (declare (ignore env))
  `(format ,(cadr form) (load-time-value (%fmt-literal ,(caddr form)) t) ,@(cdddr form)))
