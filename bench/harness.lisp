;;; Why: every system times its own loop with get-internal-real-time so process start-up,
;;; loading and compiling never count; one line per benchmark is what bench/run.sh parses.
;;; (bench-run NAME N THUNK): calls THUNK N times, prints
;;;   BENCH <name> <microseconds per iteration> <result of the last call>
(defun bench-run (name n thunk)
  (let ((result nil)
        (start (get-internal-real-time)))
    (dotimes (i n) (setq result (funcall thunk)))
    (let* ((ticks (- (get-internal-real-time) start))
           (us (round (* ticks 1000000) (* n internal-time-units-per-second))))
      (let ((*print-pretty* nil) (*print-circle* nil) (*print-level* nil) (*print-length* nil))
        (format t "~&BENCH ~a ~d ~s~%" name us result))
      (finish-output)
      result)))
