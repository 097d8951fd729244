;;; Why: LispVm's GC figures for the GC-vs-paging workloads (issue 18): (gc-stats) gives
;;; counts, GC time, pause percentiles from the engine's pause histogram (one pause per
;;; collection request, minor and full), sizes, and on Xen the balloon's frame counts.
(defparameter *bench-impl* "lispvm")

(defun bench-gc-begin ()
  (gc-stats-reset)                     ; pauses from here on only
  (gc-stats))

(defun bench-gc-end (before)
  (let ((s (gc-stats)))
    (flet ((d (k) (- (getf s k) (getf before k)))
           (mb (k) (round (getf s k) 1048576)))
      (append
       (list :gc-ms (round (d :gc-us) 1000) :gc-count (d :gc-count)
             :max-pause-us (getf s :max-pause-us) :p99-pause-us (getf s :p99-pause-us)
             :p50-pause-us (getf s :p50-pause-us) :minor (d :minor) :full (d :full)
             :full-max-pause-us (getf s :full-max-pause-us)
             :minor-p99-pause-us (getf s :minor-p99-pause-us)
             :live-mb (mb :live-bytes) :committed-mb (mb :committed-bytes)
             :limit-mb (mb :limit-bytes) :allocated-mb (round (d :bytes-allocated) 1048576))
       (when (getf s :frames-owned)
         (list :frames-owned (getf s :frames-owned) :frames-returned (getf s :frames-returned)
               :frames-populated (getf s :frames-populated)
               :balloon-target-kib (getf s :balloon-target-kib)))))))
