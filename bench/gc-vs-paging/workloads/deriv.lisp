;;; Why: symbolic differentiation in the spirit of Gabriel's deriv, scaled up: the
;;; derivative of a polynomial in prefix form (n-ary + and *, unsimplified, so every call
;;; conses a fresh tree), many times over; the last *DERIV-KEEP* results stay live a while
;;; (a ring), so some data survives a few collections. Checked by evaluating derivatives
;;; at a point against the derivative's value worked out by hand.
;;; Parameters: *scale* (derivatives taken), *deriv-degree*.

(defvar *deriv-iters* 300000)         ; at *scale* 1
(defvar *deriv-degree* 6)
(defvar *deriv-keep* 1000)

(defun dv (e)
  (cond ((eq e 'x) 1)
        ((atom e) 0)
        ((eq (car e) '+) (cons '+ (mapcar #'dv (cdr e))))
        ((eq (car e) '*)                 ; n-ary product rule
         (cons '+ (let ((terms nil) (args (cdr e)))
                    (dotimes (i (length args) (nreverse terms))
                      (let ((k -1))
                        (push (cons '* (mapcar (lambda (a) (incf k) (if (= k i) (dv a) a)) args))
                              terms))))))
        (t (error "dv: ~S" e))))

(defun dv-eval (e env)
  (cond ((numberp e) e)
        ((symbolp e) (cdr (assoc e env)))
        ((eq (car e) '+) (let ((s 0)) (dolist (a (cdr e) s) (incf s (dv-eval a env)))))
        ((eq (car e) '*) (let ((p 1)) (dolist (a (cdr e) p) (setq p (* p (dv-eval a env))))))))

;; sum over k=1..degree of (* ck x ... x) (k copies of x) + c0; ck is the symbol Ck.
(defun dv-poly (degree)
  (let ((terms (list 'c0)))
    (do ((k 1 (1+ k))) ((> k degree))
      (push (cons '* (cons (intern (format nil "C~D" k)) (make-list k :initial-element 'x))) terms))
    (cons '+ (nreverse terms))))

(defun dv-env (degree x)
  (let ((env (list (cons 'x x))))
    (dotimes (k (1+ degree) env) (push (cons (intern (format nil "C~D" k)) (+ k 2)) env))))

(defun dv-expected (degree x)          ; d/dx sum ck x^k = sum k ck x^(k-1), ck = k + 2
  (let ((s 0))
    (do ((k 1 (1+ k))) ((> k degree) s) (incf s (* k (+ k 2) (expt x (1- k)))))))

(defun deriv-main ()
  (let* ((p (dv-poly *deriv-degree*))
         (ring (make-array *deriv-keep* :initial-element nil))
         (n (bench-scaled *deriv-iters*))
         (env (dv-env *deriv-degree* 3))
         (want (dv-expected *deriv-degree* 3)))
    (dotimes (i n)
      (let ((d (dv p)))
        (setf (svref ring (mod i *deriv-keep*)) d)
        (when (zerop (mod i 4096))
          (let ((got (dv-eval d env)))
            (unless (= got want)
              (return-from deriv-main (values nil (format nil "f'(3)=~D/=~D" got want))))))))
    (let ((got 0))
      (dotimes (i *deriv-keep*) (when (svref ring i) (incf got (dv-eval (svref ring i) env))))
      (if (= got (* want (min n *deriv-keep*)))
          (values t (format nil "~D-derivatives-f'(3)=~D" n want))
          (values nil (format nil "ring-sum ~D" got))))))

(bench-run "deriv" #'deriv-main)
