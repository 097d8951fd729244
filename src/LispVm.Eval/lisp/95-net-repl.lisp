;;;; 95-net-repl.lisp — the network REPL (issue 17): the console's read-eval-print loop served
;;;; over TCP, one green thread per connection. Off unless the command line says
;;;; repl=ADDR:PORT (the kernel checks the words, KernelNetRepl.cs, and calls
;;;; %NET-REPL-START). Security: the first line must be the token (repl-token=, or on Linux
;;;; LISPVM_REPL_TOKEN / repl-token-file=), compared in constant time; a wrong or missing
;;;; token closes the connection and counts; more than +NET-REPL-MAX-FAILURES+ failures in
;;;; 10 s refuse every new connection for +NET-REPL-LOCKOUT+ s. Limits, fixed at start-up:
;;;; +NET-REPL-MAX-SESSIONS+ sessions (threads of the 8-thread pool), half-open connections
;;;; bounded by the listener's backlog (8) and the stack's SYN-RECEIVED timeout, per session
;;;; the stack's 16+16 KiB rings, a 4096-character input buffer (one READ of a longer form
;;;; grows it, up to 1M characters) and a 4 KiB output buffer; the token line at most 1024
;;;; characters within 10 s. Errors print ";; Error: ..." and return to that session's
;;;; prompt (no debugger levels over the network). IAC IP (telnet interrupt) aborts the
;;;; session's running form: the listener thread reads every session's input even while
;;;; the session computes and interrupts that thread only. (quit) or EOF ends the session.

(defconstant +net-repl-max-sessions+ 4)
(defconstant +net-repl-max-failures+ 5)
(defconstant +net-repl-lockout+ 30)
(defconstant +net-repl-token-seconds+ 10)
(defconstant +net-repl-token-max+ 1024)

(defvar *%net-repl* nil)
(defvar *%net-session* nil "The socket stream of the network session this thread serves.")

(defstruct (%net-repl (:constructor %make-net-repl (listener token)) (:copier nil))
  listener token (sessions nil) (accepted 0) (token-failures 0) (refused-busy 0)
  (refused-locked 0) (recent-failures nil) (locked-until 0) thread)

(defstruct (%net-session (:constructor %make-net-session (stream id)) (:copier nil))
  stream id thread)

(defun %seconds-ticks (s) (* s internal-time-units-per-second))

;;; The listener thread: accepts, pumps every session's input (so IAC IP is seen while the
;;; session computes) and output (so output shows while a form runs), reaps ended sessions.

(defun %socket-close-now (stream message)
  "Writes MESSAGE without waiting (what the ring takes) and closes STREAM."
  (ignore-errors
    (%socket-put-string stream message 0 (length message))
    (%socket-flush stream)
    (%tcp-close (%socket-handle stream))
    (%stream-close stream)))

(defun %net-repl-admit (r stream)
  (let ((now (get-internal-real-time)))
    (cond ((< now (%net-repl-locked-until r))
           (incf (%net-repl-refused-locked r))
           (%socket-close-now stream (format nil ";; Refused: too many wrong tokens; try again later.~%")))
          ((>= (length (%net-repl-sessions r)) +net-repl-max-sessions+)
           (incf (%net-repl-refused-busy r))
           (%socket-close-now stream (format nil ";; Refused: all ~D sessions are in use.~%" +net-repl-max-sessions+)))
          (t
           (let* ((id (incf (%net-repl-accepted r)))
                  (s (%make-net-session stream id))
                  (th (ignore-errors
                        (make-thread (lambda () (%net-repl-session r s))
                                     :name (format nil "net-repl-~D" id)))))
             (cond (th (setf (%net-session-thread s) th)
                       (%socket-set-owner stream (thread-handle th))
                       (push s (%net-repl-sessions r)))
                   (t (incf (%net-repl-refused-busy r))
                      (%socket-close-now stream (format nil ";; Refused: no free thread.~%")))))))))

(defun %net-repl-pump (r)
  (let ((l (tcp-listener-handle (%net-repl-listener r))))
    (%net-poll)
    (loop
      (let ((h (%tcp-accept l)))
        (when (< h 0) (return))
        (%net-repl-admit r (%make-socket-stream h t))))
    (dolist (s (%net-repl-sessions r))
      (let ((st (%net-session-stream s)))
        (when (%socket-stream-p st)
          (%socket-fill st)
          (%socket-flush st))))
    (setf (%net-repl-sessions r)
          (delete-if-not (lambda (s) (thread-alive-p (%net-session-thread s))) (%net-repl-sessions r)))))

(defun %net-repl-serve (r)
  (loop
    (handler-case (%net-repl-pump r)
      (error (e) (format *terminal-io* "~&;; net-repl: ~A~%" (%condition-message e))))
    (%io-wait 20000)))

;;; A session.

(defun %net-repl-failure (r)
  (let* ((now (get-internal-real-time))
         (recent (remove-if (lambda (at) (> (- now at) (%seconds-ticks 10)))
                            (%net-repl-recent-failures r))))
    (incf (%net-repl-token-failures r))
    (push now recent)
    (setf (%net-repl-recent-failures r) recent)
    (when (> (length recent) +net-repl-max-failures+)
      (setf (%net-repl-locked-until r) (+ now (%seconds-ticks +net-repl-lockout+))
            (%net-repl-recent-failures r) nil))))

(defun %net-repl-token-line (s)
  "The first line, at most +NET-REPL-TOKEN-MAX+ characters within the time allowed; NIL otherwise."
  (let ((deadline (+ (get-internal-real-time) (%seconds-ticks +net-repl-token-seconds+)))
        (chunks nil) (n 0))
    (loop
      (multiple-value-bind (chunk status) (%socket-take-line s)
        (when chunk (push chunk chunks) (incf n (length chunk)))
        (when (> n +net-repl-token-max+) (return nil))
        (case status
          (1 (return (%socket-line s (nreverse chunks))))
          (2 (return nil))
          (t (unless (%socket-await-input s deadline) (return nil))))))))

(defun %net-repl-read (s)
  "The next form; :%EOF at the end of the session's input; :%BAD after a reader error or an
interrupt (reported; the prompt comes again)."
  (handler-case
      (let ((form (read s nil :%eof)))
        (%socket-skip-blank-line s)
        form)
    (interactive-interrupt ()
      (%socket-discard-input s)
      :%bad)
    (error (e)
      (if (< (%socket-available s) 0)
          :%eof
          (progn
            (ignore-errors (format s "~&;; Error: ~A~%" (%condition-message e)))
            (%socket-take-line s)              ; the rest of the bad line, what has come of it
            :%bad)))))

(defun %net-repl-eval (form)
  (block one
    (handler-bind ((serious-condition
                     (lambda (c)
                       (ignore-errors (format t "~&;; Error: ~A~%" (%condition-message c)))
                       (return-from one))))
      (%repl-eval form))))

(defun %net-repl-loop (s)
  (let ((*standard-input* s) (*standard-output* s) (*error-output* s) (*terminal-io* s)
        (*debug-io* s) (*query-io* s) (*trace-output* s) (*%net-session* s)
        (*package* *package*) (*interactive-debugger* nil)
        (* nil) (** nil) (*** nil) (+ nil) (++ nil) (+++ nil) (/ nil) (// nil) (/// nil) (- nil))
    (catch '%net-session-end
      (loop
        (fresh-line)
        (write-string "* ")
        (finish-output)
        (let ((form (%net-repl-read s)))
          (when (eq form :%eof) (return))
          (unless (eq form :%bad) (%net-repl-eval form)))))))

(defun %net-repl-session (r sess)
  (let ((s (%net-session-stream sess)))
    (unwind-protect
         (let ((token (%net-repl-token r)))
           (if (or (null token)
                   (let ((line (%net-repl-token-line s)))
                     (and line (%constant-time-equal line token))))
               (ignore-errors (%net-repl-loop s))
               (progn (%net-repl-failure r)
                      (ignore-errors (write-line ";; Refused: wrong token." s)))))
      (ignore-errors (close s)))))

(let ((engine-quit (symbol-function 'quit)))
  (defun quit (&optional (code 0))
    "Ends the Lisp (exit status CODE); in a network REPL session, ends that session only."
    (if *%net-session*
        (throw '%net-session-end nil)
        (funcall engine-quit code))))
(setf (symbol-function 'exit) (symbol-function 'quit))

;;; Start-up (the kernel, from repl=) and the console's idle loop.

(defun %net-repl-start (port token)
  "Listens on PORT and starts the listener thread: T, or a message saying why not."
  (handler-case
      (let* ((l (tcp-listen port :backlog 8))
             (r (%make-net-repl l token)))
        (setq *%net-repl* r)
        (setf (%net-repl-thread r) (make-thread (lambda () (%net-repl-serve r)) :name "net-repl"))
        (%serve-at-eof t)
        t)
    (error (e) (%condition-message e))))

(defun %idle-serve (ignore-console)
  "The console's idle prompt: runs the background threads (the network REPL) until console
input is ready (IGNORE-CONSOLE: input has ended) or no background thread is left."
  (handler-case
      (loop
        (unless (%threads-other-runnable-p) (return))
        (when (and (not ignore-console) (%console-input-ready-p)) (return))
        (%io-wait 50000))
    (interactive-interrupt () nil))
  nil)

(defun net-repl-stats ()
  "The network REPL's figures as a plist (NIL when it is off)."
  (let ((r *%net-repl*))
    (when r
      (list :port (tcp-listener-port (%net-repl-listener r))
            :token (if (%net-repl-token r) :required :none)
            :sessions (length (%net-repl-sessions r)) :max-sessions +net-repl-max-sessions+
            :accepted (%net-repl-accepted r) :token-failures (%net-repl-token-failures r)
            :refused-busy (%net-repl-refused-busy r) :refused-locked (%net-repl-refused-locked r)
            :locked (> (%net-repl-locked-until r) (get-internal-real-time))))))

(export '(net-repl-stats))
