;;;; 60-threads.lisp — green threads (engine: Vm/Threads.cs). A THREAD wraps the engine's
;;;; fixnum handle. Threads switch at safe points of their outermost run; special bindings
;;;; are per thread, global values shared. Background threads run while some form is
;;;; being evaluated; at an idle prompt they wait (THREAD-YIELD, JOIN-THREAD or SLEEP at
;;;; the prompt lets them run).

(defstruct (thread (:constructor %wrap-thread (handle name)) (:copier nil)
                   (:print-function (lambda (th s d)
                                      (declare (ignore d))
                                      (format s "#<THREAD ~A ~(~A~)>"
                                              (or (thread-name th) (thread-handle th))
                                              (%thread-status (thread-handle th))))))
  handle name)

(defvar *%main-thread* (%wrap-thread (%thread-current) "main"))
(defvar *%threads* (list *%main-thread*))

(defun %thread-object (handle)
  (or (find handle *%threads* :key #'thread-handle)
      (let ((th (%wrap-thread handle (%thread-name handle))))
        (push th *%threads*)
        th)))

(defun make-thread (function &key name)
  "Starts FUNCTION (no arguments) in a new green thread and returns the thread."
  (let* ((fn (if (functionp function) function (fdefinition function)))
         (h (%thread-create fn name)))
    (unless h
      (error "No free thread: the pool (sized at start-up) is full."))
    ;; Forget finished threads whose slots were reused.
    (setq *%threads* (remove-if (lambda (th) (eq (%thread-status (thread-handle th)) :gone)) *%threads*))
    (let ((th (%wrap-thread h name)))
      (push th *%threads*)
      th)))

(defun current-thread () (%thread-object (%thread-current)))
(defun main-thread () *%main-thread*)
(defun thread-yield () (%thread-yield) nil)
(defun thread-alive-p (thread) (eq (%thread-status (thread-handle thread)) :running))
(defun all-threads () (mapcar #'%thread-object (%thread-handles)))

(defun join-thread (thread &key (default nil default-p))
  "Waits (letting other threads run) until THREAD ends; returns its value. A thread that
ended in an error returns DEFAULT if given, else signals an error."
  (when (eq thread (current-thread)) (error "A thread cannot join itself."))
  (loop while (thread-alive-p thread) do (thread-yield))
  (case (%thread-status (thread-handle thread))
    (:done (%thread-result (thread-handle thread)))
    (t (if default-p default
           (error "Thread ~A ended abnormally." (or (thread-name thread) (thread-handle thread)))))))

(defun sleep (seconds)
  "Waits SECONDS; other threads run meanwhile."
  (check-type seconds (real 0))
  (let ((end (+ (get-internal-real-time) (round (* seconds internal-time-units-per-second)))))
    (loop
      (let ((left (- end (get-internal-real-time))))
        (when (<= left 0) (return nil))
        (if (%threads-other-runnable-p)
            (thread-yield)
            (%platform-sleep left))))))

(export '(thread make-thread current-thread main-thread thread-yield thread-alive-p
          all-threads join-thread thread-name threadp))
