;;; Why: a large live heap with steady churn: *LIVE-MB* of records (each a list of 8
;;; fixnums, 128 bytes) in one vector; every step replaces a random *CHURN-PERCENT* of them
;;; with fresh ones, so a collector must keep tracing (or paging in) the whole live set
;;; while garbage keeps coming. A running checksum, kept apart from the records, is
;;; checked against a walk over them at the end.
;;; Parameters: *live-mb*, *scale* (steps), *churn-percent*.

(defvar *churn-percent* 2)
(defvar *churn-steps* 250)            ; at *scale* 1

(defun churn-record (id)
  (list id (* 3 id) (logand id 255) 7 (mod id 1000) 11 13 (+ id 1)))

(defun churn-sum (rec) (reduce #'+ rec))

(defun churn-main ()
  (let* ((n (max 1000 (floor (* *live-mb* 1048576) 136)))   ; 128 bytes + its slot
         (v (make-array n))
         (sum 0)
         (per-step (max 1 (floor (* n *churn-percent*) 100)))
         (steps (bench-scaled *churn-steps*))
         (next n))
    (dotimes (i n)
      (let ((r (churn-record i))) (setf (svref v i) r) (incf sum (churn-sum r))))
    (dotimes (s steps)
      (dotimes (k per-step)
        (let* ((i (bench-random n)) (old (svref v i)) (new (churn-record next)))
          (incf next)
          (decf sum (churn-sum old))
          (incf sum (churn-sum new))
          (setf (svref v i) new))))
    (let ((walk 0))
      (dotimes (i n) (incf walk (churn-sum (svref v i))))
      (if (= walk sum)
          (values t (format nil "~D-records-~D-replaced" n (- next n)))
          (values nil (format nil "checksum ~D /= ~D" walk sum))))))

(bench-run "churn" #'churn-main)
