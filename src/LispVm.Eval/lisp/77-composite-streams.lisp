;;;; 77-composite-streams.lisp — Why: echo, two-way, concatenated, broadcast and synonym
;;;; streams. Each is an engine stream of the "Lisp" kind (Builtins/CoreLispStreams.cs)
;;;; carrying one of the structures below; the engine calls %LSTREAM-PUT, %LSTREAM-GET and
;;;; %LSTREAM-UNREAD for each character, so READ-CHAR, READ, FORMAT and PRINT work on them.
;;;; Also the stream type names, stream predicates over every kind, READ-CHAR-NO-HANG,
;;;; LISTEN and the keyword arguments of WRITE-STRING and WRITE-LINE.

(defstruct (%two-way-state (:constructor %make-two-way-state (in out))) in out)
(defstruct (%echo-state (:constructor %make-echo-state (in out))) in out (unread nil))
(defstruct (%concatenated-state (:constructor %make-concatenated-state (streams))) streams)
(defstruct (%broadcast-state (:constructor %make-broadcast-state (streams))) streams)
(defstruct (%synonym-state (:constructor %make-synonym-state (symbol))) symbol)

(defconstant +%lisp-stream-kind+ 30)

(defun %lstream-target (state)
  (let ((s (symbol-value (%synonym-state-symbol state))))
    (unless (streamp s) (error 'type-error :datum s :expected-type 'stream))
    s))

(defun %lstream-put (state char)
  (etypecase state
    (%two-way-state (write-char char (%two-way-state-out state)))
    (%echo-state (write-char char (%echo-state-out state)))
    (%broadcast-state (dolist (s (%broadcast-state-streams state)) (write-char char s)))
    (%synonym-state (write-char char (%lstream-target state)))
    (%concatenated-state (error "~S is not an output stream." state)))
  nil)

(defun %lstream-get (state consume)
  (flet ((get1 (s) (if consume (read-char s nil nil) (peek-char nil s nil nil))))
    (etypecase state
      (%two-way-state (get1 (%two-way-state-in state)))
      (%echo-state
       (let ((c (get1 (%echo-state-in state))))
         (when (and c consume)
           (if (%echo-state-unread state)
               (setf (%echo-state-unread state) nil)
               (write-char c (%echo-state-out state))))
         c))
      (%concatenated-state
       (loop
         (let ((streams (%concatenated-state-streams state)))
           (when (null streams) (return nil))
           (let ((c (get1 (car streams))))
             (when c (return c))
             (setf (%concatenated-state-streams state) (cdr streams))))))
      (%synonym-state (get1 (%lstream-target state)))
      (%broadcast-state nil))))

(defun %lstream-unread (state char)
  (etypecase state
    (%two-way-state (unread-char char (%two-way-state-in state)))
    (%echo-state (unread-char char (%echo-state-in state)) (setf (%echo-state-unread state) t))
    (%concatenated-state
     (when (%concatenated-state-streams state)
       (unread-char char (car (%concatenated-state-streams state)))))
    (%synonym-state (unread-char char (%lstream-target state)))
    (%broadcast-state nil))
  nil)

(defun %lstream-state (x) (and (streamp x) (%lisp-stream-state x)))

(defun %check-stream (x direction)
  (unless (and (streamp x)
               (if (eq direction :input) (input-stream-p x) (output-stream-p x)))
    (error 'type-error :datum x
                       :expected-type (if (eq direction :input) '(satisfies input-stream-p)
                                          '(satisfies output-stream-p)))))

(defun make-two-way-stream (input-stream output-stream)
  (%check-stream input-stream :input) (%check-stream output-stream :output)
  (%make-lisp-stream (%make-two-way-state input-stream output-stream)))
(defun make-echo-stream (input-stream output-stream)
  (%check-stream input-stream :input) (%check-stream output-stream :output)
  (%make-lisp-stream (%make-echo-state input-stream output-stream)))
(defun make-concatenated-stream (&rest input-streams)
  (dolist (s input-streams) (%check-stream s :input))
  (%make-lisp-stream (%make-concatenated-state input-streams)))
(defun make-broadcast-stream (&rest output-streams)
  (dolist (s output-streams) (%check-stream s :output))
  (%make-lisp-stream (%make-broadcast-state output-streams)))
(defun make-synonym-stream (symbol)
  (unless (symbolp symbol) (error 'type-error :datum symbol :expected-type 'symbol))
  (%make-lisp-stream (%make-synonym-state symbol)))

(defmacro %define-lstream-reader (name state-type accessor type-name)
  `(defun ,name (stream)
     (let ((st (%lstream-state stream)))
       (unless (typep st ',state-type)
         (error 'type-error :datum stream :expected-type ',type-name))
       (,accessor st))))
(%define-lstream-reader two-way-stream-input-stream %two-way-state %two-way-state-in two-way-stream)
(%define-lstream-reader two-way-stream-output-stream %two-way-state %two-way-state-out two-way-stream)
(%define-lstream-reader echo-stream-input-stream %echo-state %echo-state-in echo-stream)
(%define-lstream-reader echo-stream-output-stream %echo-state %echo-state-out echo-stream)
(%define-lstream-reader broadcast-stream-streams %broadcast-state %broadcast-state-streams broadcast-stream)
(%define-lstream-reader synonym-stream-symbol %synonym-state %synonym-state-symbol synonym-stream)
(defun concatenated-stream-streams (stream)
  (let ((st (%lstream-state stream)))
    (unless (typep st '%concatenated-state)
      (error 'type-error :datum stream :expected-type 'concatenated-stream))
    (copy-list (%concatenated-state-streams st))))

(deftype two-way-stream () '(satisfies %two-way-stream-p))
(deftype echo-stream () '(satisfies %echo-stream-p))
(deftype concatenated-stream () '(satisfies %concatenated-stream-p))
(deftype broadcast-stream () '(satisfies %broadcast-stream-p))
(deftype synonym-stream () '(satisfies %synonym-stream-p))
(deftype file-stream () '(satisfies %file-stream-p))
(deftype string-stream () '(satisfies %string-stream-p))
(defun %two-way-stream-p (x) (typep (%lstream-state x) '%two-way-state))
(defun %echo-stream-p (x) (typep (%lstream-state x) '%echo-state))
(defun %concatenated-stream-p (x) (typep (%lstream-state x) '%concatenated-state))
(defun %broadcast-stream-p (x) (typep (%lstream-state x) '%broadcast-state))
(defun %synonym-stream-p (x) (typep (%lstream-state x) '%synonym-state))
(defun %file-stream-p (x)   ; open or closed: a closed file stream keeps its path
  (and (streamp x)
       (or (member (%stream-kind x) '(4 5))
           (and (eql (%stream-kind x) 6) (stringp (%stream-path x))))
       t))
(defun %string-stream-p (x) (and (streamp x) (member (%stream-kind x) '(1 2)) t))

;;; Predicates over every kind (0 console out, 1 string out, 2 string in, 3 console in,
;;; 4 file in, 5 file out, 6 closed, 30 Lisp).
(defun %stream-direction-p (stream excluded kinds)
  "INPUT-STREAM-P and OUTPUT-STREAM-P: a Lisp stream whose state is of type EXCLUDED (the
composite that cannot go this way) is not; a synonym asks its target; other Lisp streams
are; a native stream is when its kind is in KINDS. Closed streams keep their direction."
  (unless (streamp stream) (error 'type-error :datum stream :expected-type 'stream))
  (let ((st (%lstream-state stream)))
    (cond ((eql (%stream-kind stream) 6)
           (and st (not (typep st excluded)) t))
          (st (cond ((typep st excluded) nil)
                    ((typep st '%synonym-state)
                     (%stream-direction-p (%lstream-target st) excluded kinds))
                    (t t)))
          (t (and (member (%stream-kind stream) kinds) t)))))

(defun input-stream-p (stream)
  (%stream-direction-p stream '%broadcast-state '(2 3 4 20)))

(defun output-stream-p (stream)
  (%stream-direction-p stream '%concatenated-state '(0 1 5 20)))

(defun interactive-stream-p (stream)
  (unless (streamp stream) (error 'type-error :datum stream :expected-type 'stream))
  nil)

(defun read-char-no-hang (&optional input-stream (eof-error-p t) eof-value recursive-p)
  (declare (ignore recursive-p))
  (read-char input-stream eof-error-p eof-value))

(defun listen (&optional input-stream)
  (and (peek-char nil input-stream nil nil) t))

;; WRITE-STRING is the engine's builtin: it parses :START and :END itself (CoreStreams.cs).

(defun write-line (string &optional stream &key (start 0) end)
  (write-string string stream :start start :end end)
  (terpri stream)
  string)
