;;; Why: SBCL's GC figures for the GC-vs-paging workloads (issue 18). GC time and count
;;; from sb-ext:*gc-run-time* (CPU time: it leaves out waiting for page-ins) and an
;;; *after-gc-hooks* counter; pauses in wall-clock time by wrapping sb-kernel::sub-gc
;;; (every collection goes through it, with the after-GC hooks and finalizers), kept in a
;;; preallocated vector (100,000 pauses, 800 KB) so the p99 is exact.
(defparameter *bench-impl* "sbcl")
(defvar *bench-pauses* (make-array 100000 :element-type 'fixnum :initial-element 0))
(defvar *bench-npauses* 0)
(defvar *bench-gcs* 0)
(defvar *bench-wall-gc* 0)

(push (lambda () (incf *bench-gcs*)) sb-ext:*after-gc-hooks*)

;; Without SUB-GC (another SBCL version) there are no pause figures: they print "na".
(defvar *bench-sub-gc* (find-symbol "SUB-GC" "SB-KERNEL"))
(when (and *bench-sub-gc* (fboundp *bench-sub-gc*))
  (sb-int:encapsulate *bench-sub-gc* 'bench-pause
    (lambda (f &rest args)
      (let ((t0 (get-internal-real-time)))
        (multiple-value-prog1 (apply f args)
          (let ((d (- (get-internal-real-time) t0)))
            (incf *bench-wall-gc* d)
            (when (< *bench-npauses* (length *bench-pauses*))
              (setf (aref *bench-pauses* *bench-npauses*) d))
            (incf *bench-npauses*)))))))

(defun bench-us (ticks) (round (* ticks 1000000) internal-time-units-per-second))

(defun bench-gc-begin ()
  (setq *bench-npauses* 0)
  (list :run sb-ext:*gc-run-time* :count *bench-gcs* :wall *bench-wall-gc*
        :bytes (sb-ext:get-bytes-consed)))

(defun bench-gc-end (before)
  (let* ((n (min *bench-npauses* (length *bench-pauses*)))
         (v (sort (subseq *bench-pauses* 0 n) #'<)))
    (flet ((pct (p) (cond ((not (and *bench-sub-gc* (sb-int:encapsulated-p *bench-sub-gc* 'bench-pause))) "na")
                          ((zerop n) 0)
                          (t (bench-us (aref v (min (1- n) (max 0 (1- (ceiling (* n p)))))))))))
      (list :gc-ms (round (bench-us (- sb-ext:*gc-run-time* (getf before :run))) 1000)
            :gc-count (- *bench-gcs* (getf before :count))
            :max-pause-us (pct 1) :p99-pause-us (pct 99/100) :p50-pause-us (pct 1/2)
            :gc-wall-ms (round (bench-us (- *bench-wall-gc* (getf before :wall))) 1000)
            :dynamic-space-mb (round (sb-ext:dynamic-space-size) 1048576)
            :allocated-mb (round (- (sb-ext:get-bytes-consed) (getf before :bytes)) 1048576)))))
