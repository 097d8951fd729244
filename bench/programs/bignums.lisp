;;; Why: factorial and fibonacci with big results measure bignum multiply/add and printing-free checks.
(defun fact (n) (let ((r 1)) (loop for i from 2 to n do (setq r (* r i))) r))
(defun fib (n) (let ((a 0) (b 1)) (dotimes (i n) (psetq a b b (+ a b))) a))
(defun bench-main ()
  (let ((f (fact 300)) (g (fib 2000)))
    (list (mod f 1000000007) (integer-length f) (mod g 1000000007) (integer-length g))))
