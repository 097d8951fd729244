;;; Why: CLISP's GC figures for the GC-vs-paging workloads (issue 18): SYS::%ROOM's
;;; values (used room static gc-count gc-space gc-time) give the count and the time; CLISP
;;; has no per-collection hook, so the pause figures are "na".
(defparameter *bench-impl* "clisp")

(defun bench-gc-begin () (multiple-value-list (sys::%room)))

(defun bench-gc-end (before)
  (let ((now (multiple-value-list (sys::%room))))
    (list :gc-ms (round (* 1000 (- (sixth now) (sixth before))) internal-time-units-per-second)
          :gc-count (- (fourth now) (fourth before))
          :max-pause-us "na" :p99-pause-us "na"
          :used-mb (round (first now) 1048576))))
