;;; Why: double-float arithmetic loops measure boxing (or not) of doubles and float dispatch.
(defun bench-main ()
  (let ((s 0d0) (x 0.5d0))
    (dotimes (i 20000)
      (setq x (+ (* x 0.999d0) 0.001d0))
      (setq s (+ s (/ (* x x) (+ 1d0 (float i 1d0))))))
    (+ s (sqrt 2d0))))
