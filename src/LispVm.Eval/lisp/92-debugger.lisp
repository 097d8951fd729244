;;;; 92-debugger.lisp — the interactive debugger (issue 14). Why: an unhandled error used to
;;;; print one line and abort, so no restart could ever be chosen. Now INVOKE-DEBUGGER runs
;;;; the handler's side of the error (before unwinding): it prints ";; Error: ..." as before,
;;;; then, when *INTERACTIVE-DEBUGGER* is true (set at start-up from the debugger=on|off
;;;; word), a nested level "N] " that lists the active restarts, takes a number, :bt, :abort,
;;;; :top or any form, evaluated in the erring frame's dynamic environment. The system
;;;; restarts (unbound variable, undefined function, Ctrl-C) are established here too.

(defvar *interactive-debugger* nil
  "True: an unhandled error enters the debugger; NIL: it prints one line and aborts.")
(defvar *debugger-hook* nil)
(defvar *%debug-level* 0)
(defvar *%max-debug-level* 16)
;; Debugger input: the console's input stream (*DEBUG-IO* and *QUERY-IO* are its output).
(defvar *%console-in* *standard-input*)

;;; The REPL variables and the top level's ABORT restart.
(defvar + nil) (defvar ++ nil) (defvar +++ nil)
(defvar / nil) (defvar // nil) (defvar /// nil)
(defvar - nil)

(defun %note-repl-values (form vals)
  (setq +++ ++ ++ + + form
        /// // // / / vals
        *** ** ** * * (car vals)))

(defun %repl-eval (form)
  (setq - form)
  (restart-case
      (let ((vals (multiple-value-list (%eval-toplevel form))))
        (%note-repl-values form vals)
        (dolist (v vals) (fresh-line) (prin1 v) (terpri))
        (values))
    (abort () :report "Return to top level." (%abort-toplevel))))

;;; Restarts as the debugger shows them.
(defun %restart-report (r stream)
  (let ((*print-escape* nil)) (%print-restart r stream 0)))

(defun %list-restarts (restarts)
  (format *debug-io* "~&Restarts:~%")
  (let ((i 0))
    (dolist (r restarts)
      (format *debug-io* "~3D: [~A] " i (or (restart-name r) ""))
      (%restart-report r *debug-io*)
      (terpri *debug-io*)
      (setq i (1+ i)))))

(defun %debug-read-form ()
  "The next form typed on the console; :%EOF at end of input, :%BAD after a reader error
or a Ctrl-C typed instead of a line (the prompt comes again)."
  (let ((form (handler-case (read *%console-in* nil :%eof)
                (error (e)
                  (format *debug-io* "~&;; Error: ~A~%" (%condition-message e))
                  (when (%console-input-ready-p) (read-line *%console-in* nil nil))
                  :%bad))))
    ;; A Ctrl-C while waiting is for the prompt, not for the computation the level came from.
    (if (%take-interrupt) (if (eq form :%eof) :%bad form) form)))

(defun %query-value (what)
  "Prompts on *QUERY-IO* for a form, evaluates it and returns its value."
  (format *query-io* "~&Enter a form to be evaluated (~A): " what)
  (finish-output *query-io*)
  (%debug-wait-input)
  (let ((form (%debug-read-form)))
    (when (eq form :%eof) (%debug-leave-level))
    (%eval-toplevel (if (eq form :%bad) nil form))))

(defun %debug-wait-input ()
  "Waiting for a line is a safe point: other green threads run until input is there."
  (tagbody top
    (when (and (%threads-other-runnable-p) (not (%console-input-ready-p)))
      (thread-yield)
      (go top))))

(defun %debug-leave-level ()
  "Back one level: the innermost ABORT restart (the previous level's, or the top level's)."
  (let ((r (find-restart 'abort)))
    (if r (invoke-restart r) (%abort-toplevel))))

;;; :bt — the user's frames (not the library's), newest first, arguments bounded. The
;;; library's function names are noted when booting ends (99-boot-end.lisp).
(defvar *%library-functions* nil)
(defun %user-frame-p (f)
  (let ((name (car f)))
    (and (symbolp name) name
         (not (and *%library-functions* (gethash name *%library-functions*)))
         (not (eq (symbol-package name) (find-package "KEYWORD"))))))

(defun %print-frames (frames stream)
  (let ((*print-length* (or *print-length* 8)) (*print-level* (or *print-level* 3)) (i 0))
    (format stream "~&Backtrace (user frames, most recent first):~%")
    (dolist (f frames)
      (when (%user-frame-p f)
        (format stream "~3D: ~S~%" i f)
        (setq i (1+ i))))
    (when (= i 0) (format stream "  (no user frames)~%"))))

(defun %debugger-help ()
  (format *debug-io* "~&A number chooses a restart; :bt backtrace, :r restarts, :e the error again,~%~
                       :abort (or :a, or end of input) back one level, :top to the top level;~%~
                       any other form is evaluated here, inside the error.~%"))

(defun %debug-eval (form)
  (let ((vals (multiple-value-list (%eval-toplevel form))))
    (%note-repl-values form vals)
    (dolist (v vals) (fresh-line *debug-io*) (prin1 v *debug-io*) (terpri *debug-io*))))

(defun %debugger-level (c frames)
  (let ((level (1+ *%debug-level*)))
    (when (> level *%max-debug-level*)
      (format *debug-io* "~&;; Debugger nested ~D levels deep: back to top level.~%" *%max-debug-level*)
      (%abort-toplevel))
    (let ((*%debug-level* level)
          (restarts (compute-restarts c)))
      (%list-restarts restarts)
      (loop
        (fresh-line *debug-io*)
        (format *debug-io* "~D] " level)
        (finish-output *debug-io*)
        (%debug-wait-input)
        (let ((form (%debug-read-form)))
          (cond ((eq form :%bad))
                ((or (eq form :%eof) (eq form :abort) (eq form :a)) (%debug-leave-level))
                ((eq form :top) (%abort-toplevel))
                ((integerp form)
                 (if (and (>= form 0) (< form (length restarts)))
                     (invoke-restart-interactively (nth form restarts))
                     (format *debug-io* "~&;; No restart numbered ~D.~%" form)))
                ((or (eq form :bt) (eq form :backtrace)) (%print-frames frames *debug-io*))
                ((or (eq form :r) (eq form :restarts)) (%list-restarts restarts))
                ((or (eq form :e) (eq form :error))
                 (format *debug-io* "~&~A~%" (%condition-message c)))
                ((or (eq form :h) (eq form :help)) (%debugger-help))
                (t (restart-case (%debug-eval form)
                     (abort () :report (lambda (s) (format s "Return to debugger level ~D." level))
                       nil)))))))))

;;; INVOKE-DEBUGGER: the hook first (bound to NIL while it runs), then the report line, then
;;; the debugger proper or (debugger off, a background thread, storage exhausted) the abort.
(defun %report-unhandled (c)
  (if (> *%debugger-depth* 2)
      (progn (write-string ";; Error: (nested errors while reporting an error)" t) (terpri t) nil)
      (let ((*%debugger-depth* (1+ *%debugger-depth*)))
        (let ((msg (%condition-message c)))
          (fresh-line t)
          (if (eql (%thread-current) 0)
              (write-string (if (%condition-typep c 'serious-condition) ";; Error: " ";; Break: ") t)
              (progn (write-string ";; Error in thread " t)
                     (let ((n (%thread-name (%thread-current))))
                       (if (stringp n) (write-string n t) (write-string (%engine-prin1-to-string (%thread-current)) t)))
                     (write-string ": " t)))
          (write-string msg t)
          (terpri t)
          t))))

(defun %invoke-debugger (c)
  (%capture-backtrace)
  (let ((frames (%last-backtrace)) (hook *debugger-hook*))
    (when hook
      (let ((*debugger-hook* nil)) (funcall hook c hook)))
    (if (and (%report-unhandled c)
             *interactive-debugger*
             (eql (%thread-current) 0)
             (not (%condition-typep c 'storage-condition)))
        (%debugger-level c frames)
        (%abort-toplevel))))

(defun break (&optional (format-control "Break") &rest format-arguments)
  (with-simple-restart (continue "Return from BREAK.")
    (let ((*debugger-hook* nil))
      (invoke-debugger (make-condition 'simple-condition :format-control format-control
                                                         :format-arguments format-arguments))))
  nil)

;;; The system restarts: the VM signals its errors through %SIGNAL-BUILTIN-ERROR, whose
;;; value becomes the failing instruction's result (an unbound variable's value; for Ctrl-C
;;; at a safe point the :%RESUME value, which leaves the stack as it was).
(defun %signal-builtin-error (type &rest initargs)
  (let ((c (apply 'make-condition type initargs)))
    (cond
      ((eq type 'unbound-variable)
       (let ((name (cell-error-name c)))
         (restart-case (error c)
           (continue () :report (lambda (s) (format s "Retry using ~S." name))
             (symbol-value name))
           (use-value (v) :report (lambda (s) (format s "Use a value for ~S instead." name))
             :interactive (lambda () (list (%query-value name)))
             v)
           (store-value (v) :report (lambda (s) (format s "Set ~S to a value and use it." name))
             :interactive (lambda () (list (%query-value name)))
             (set name v)))))
      ((eq type 'interactive-interrupt)
       (restart-case (error c)
         (continue () :report "Continue the interrupted computation."
           (%getf initargs :%resume nil))))
      (t (error c)))))

;; A call of an undefined global function comes here (VM: name, then the arguments).
(defun %undefined-function-called (name &rest args)
  (restart-case (error 'undefined-function :name name)
    (continue () :report (lambda (s) (format s "Retry calling ~S." name))
      (apply name args))
    (use-value (f) :report (lambda (s) (format s "Call another function instead of ~S." name))
      :interactive (lambda () (list (%query-value "a function")))
      (apply f args))
    (store-value (f) :report (lambda (s) (format s "Define ~S as a function and call it." name))
      :interactive (lambda () (list (%query-value "a function")))
      (%set-symbol-function name (if (functionp f) f (fdefinition f)))
      (apply name args))
    (return-value (v) :report (lambda (s) (format s "Return a value from the call to ~S." name))
      :interactive (lambda () (list (%query-value "the value")))
      v)))
