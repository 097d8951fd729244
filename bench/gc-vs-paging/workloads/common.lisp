;;; Why: what every GC-vs-paging workload shares (issue 18): default size parameters (the
;;; harness's prologue sets them first, so DEFVAR leaves its values alone), a portable
;;; random generator (same numbers in every Lisp, so results can be checked), and
;;; BENCH-RUN, which times one workload and prints the two lines the harness parses:
;;;   RESULT ok <value>            or   RESULT wrong <what>
;;;   STATS impl=... workload=... wall-ms=... gc-ms=... gc-count=... max-pause-us=... p99-pause-us=... [more key=value]
;;; Needs an impl-*.lisp before it (BENCH-GC-BEGIN, BENCH-GC-END, *BENCH-IMPL*).

(defvar *scale* 1)          ; work: run length is proportional to it (reals allowed: 0.1)
(defvar *live-mb* 64)       ; live data the workload keeps, MB (churn, gcbench)

(defun bench-scaled (n)
  "N scaled by *SCALE*, at least 1."
  (max 1 (round (* n *scale*))))

;; Park-Miller minimal standard generator: products stay below 2^46, fixnums everywhere.
(defvar *bench-seed* 20261207)
(defun bench-random (n)
  "A pseudo-random integer in [0, N), the same sequence in every implementation."
  (setq *bench-seed* (mod (* *bench-seed* 16807) 2147483647))
  (mod *bench-seed* n))

(defun bench-stats-line (name wall-ms stats)
  (format t "STATS impl=~A workload=~A wall-ms=~D" *bench-impl* name wall-ms)
  (do ((l stats (cddr l))) ((null l))
    (format t " ~A=~A" (string-downcase (symbol-name (car l))) (cadr l)))
  (terpri))

(defun bench-run (name thunk)
  "Runs THUNK, which returns (values OK VALUE), and prints RESULT and STATS."
  (let* ((before (bench-gc-begin))
         (t0 (get-internal-real-time)))
    (multiple-value-bind (ok value) (funcall thunk)
      (let* ((t1 (get-internal-real-time))
             (stats (bench-gc-end before))
             (wall-ms (round (* 1000 (- t1 t0)) internal-time-units-per-second)))
        (fresh-line)
        (format t "RESULT ~A ~A~%" (if ok "ok" "wrong") value)
        (bench-stats-line name wall-ms stats)
        (finish-output)
        ok))))
