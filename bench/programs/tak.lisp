;;; Why: tak-style calls measure the call/return path and fixnum compare/subtract.
(defun tak (x y z)
  (if (not (< y x)) z
      (tak (tak (1- x) y z) (tak (1- y) z x) (tak (1- z) x y))))
(defun bench-main () (list (tak 18 12 6) (tak 22 16 8)))
