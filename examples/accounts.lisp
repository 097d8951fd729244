;;;; accounts.lisp — defstruct with setf-able slots, conditions and FORMAT's ~$.
;;;; (load "examples/accounts.lisp")

(defstruct account owner (balance 0))

(define-condition insufficient-funds (error)
  ((account :initarg :account :reader insufficient-funds-account))
  (:report (lambda (c s)
             (format s "~a has only ~$ left"
                     (account-owner (insufficient-funds-account c))
                     (account-balance (insufficient-funds-account c))))))

(defun withdraw (acct amount)
  (when (> amount (account-balance acct))
    (error 'insufficient-funds :account acct))
  (decf (account-balance acct) amount))

(let ((a (make-account :owner "Ada" :balance 100)))
  (withdraw a 30)
  (format t "~a: ~$~%" (account-owner a) (account-balance a))
  (handler-case (withdraw a 500)
    (insufficient-funds (c) (format t "refused: ~a~%" c)))
  (print a)
  (terpri))
