;;;; 94-dribble.lisp — Why: DRIBBLE (CLHS 25.2): a transcript of the REPL session in a
;;;; file. While it is on, every form the REPL reads is written to the file ("* " and the
;;;; form as read), then what evaluating it prints to *STANDARD-OUTPUT* (values, output,
;;;; ";; Error:" reports) goes to the console and the file. The file is appended to; in the
;;;; Xen guest it lives in the in-memory file store. A path that cannot be opened signals
;;;; FILE-ERROR and leaves the transcript as it was. (DRIBBLE) ends it and closes the file.

(defvar *%dribble* nil "The transcript's file stream while DRIBBLE is on, else NIL.")
;; Where the REPL's copy of the output goes: the file, or a sink once the transcript ends
;; (a form that ends it is still printing through the copy it started with).
(defvar *%dribble-sink* (make-broadcast-stream))

(defun %dribble-stop ()
  (let ((s *%dribble*))
    (when s
      (setq *%dribble* nil *%dribble-sink* (make-broadcast-stream))
      (when (open-stream-p s)
        (fresh-line s)
        (write-line ";; Dribble ends." s)
        (close s)))))

(defun dribble (&optional (pathname nil pathname-p))
  "With PATHNAME, writes a transcript of the REPL session (the forms read, what they print,
their values) to that file, appending; without, ends the transcript and closes the file."
  (if pathname-p
      (let ((s (open pathname :direction :output :if-exists :append :if-does-not-exist :create)))
        (%dribble-stop)
        (write-line ";; Dribble of a LispVm session." s)
        (finish-output s)
        (setq *%dribble* s *%dribble-sink* s))
      (%dribble-stop))
  (values))

(let ((plain (symbol-function '%repl-eval)))
  (defun %repl-eval (form)
    (let ((d *%dribble*))
      (if (not (and d (open-stream-p d)))
          (funcall plain form)
          (progn
            (let ((*print-pretty* nil) (*print-length* nil) (*print-level* nil) (*print-circle* t))
              (format d "~&* ~S~%" form))
            (let ((*standard-output* (make-broadcast-stream *standard-output* (make-synonym-stream '*%dribble-sink*))))
              (unwind-protect
                   ;; The top level reports an unhandled error on *TERMINAL-IO*: the copy here.
                   (handler-bind ((serious-condition
                                    (lambda (c)
                                      ;; Handlers inside the form ran first: nobody handled it.
                                      (format *%dribble-sink* "~&;; Error: ~A~%" (%condition-message c)))))
                     (funcall plain form))
                (let ((d2 *%dribble*)) (when (and d2 (open-stream-p d2)) (finish-output d2))))))))))
