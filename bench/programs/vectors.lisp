;;; Why: simple-vector fill, sum and an insertion sort measure aref/setf aref and loops.
(defun bench-main ()
  (let* ((n 600) (v (make-array n :initial-element 0)) (seed 12345))
    (dotimes (i n)
      (setq seed (mod (+ (* seed 1103) 12345) 65536))
      (setf (svref v i) seed))
    (loop for i from 1 below n
          do (let ((x (svref v i)) (j (1- i)))
               (loop while (and (>= j 0) (> (svref v j) x))
                     do (setf (svref v (1+ j)) (svref v j)) (decf j))
               (setf (svref v (1+ j)) x)))
    (let ((sum 0))
      (dotimes (i n) (setq sum (+ sum (* (svref v i) (mod i 7)))))
      (list (svref v 0) (svref v (1- n)) sum))))
