;;; Why: rebinding a special variable in a loop measures dynamic binding push/pop and lookup.
(defvar *depth* 0)
(defvar *acc* 0)
(defun use-special () (setq *acc* (+ *acc* *depth*)))
(defun nest (n) (if (= n 0) (use-special) (let ((*depth* (+ *depth* 1))) (nest (1- n)))))
(defun bench-main ()
  (setq *acc* 0)
  (dotimes (i 1000) (let ((*depth* i)) (nest 5)))
  *acc*)
