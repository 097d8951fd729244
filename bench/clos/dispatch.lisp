;;;; bench/clos/dispatch.lisp — why: CLOS dispatch cost next to a plain function call
;;;; (issue 15). Times N calls of a generic function with one method, of one dispatching
;;;; on two classes and on eql, of a slot reader and of the same code as a defun, and
;;;; prints each µs/call and its ratio to the defun. Portable CL: runs in LispVm and SBCL.
;;;; Usage: lispvm bench/clos/dispatch.lisp   (or: sbcl --script bench/clos/dispatch.lisp)

(defclass shape () ((size :initarg :size :reader shape-size)))
(defclass square (shape) ())
(defclass circle (shape) ())

(defun plain-area (s) (if s 4 0))
(defgeneric area (s))
(defmethod area ((s square)) 4)
(defmethod area ((s circle)) 3)
(defgeneric eql-area (s))
(defmethod eql-area ((s (eql 0))) 0)
(defmethod eql-area ((s t)) 4)
(defgeneric two-area (a b))
(defmethod two-area ((a square) (b circle)) 1)
(defmethod two-area ((a shape) (b shape)) 2)

(defvar *sq* (make-instance 'square :size 2))
(defvar *ci* (make-instance 'circle :size 3))

(defmacro timed (n form)
  `(let ((t0 (get-internal-real-time)) (acc 0))
     (dotimes (i ,n) (setq acc (+ acc ,form)))
     (values (/ (* 1000000.0 (/ (- (get-internal-real-time) t0) internal-time-units-per-second)) ,n) acc)))

(defun run (n)
  (let ((base (timed n (plain-area *sq*))))
    (format t "~&~28A ~10,3F us/call~%" "defun" base)
    (dolist (row (list (cons "generic, 1 class arg" (lambda () (timed n (area *sq*))))
                       (cons "generic, 2 classes" (lambda () (timed n (two-area *sq* *ci*))))
                       (cons "generic, eql" (lambda () (timed n (eql-area 0))))
                       (cons "slot reader" (lambda () (timed n (shape-size *ci*))))
                       (cons "make-instance" (lambda () (timed (floor n 10) (progn (make-instance 'square :size 1) 1))))))
      (let ((us (funcall (cdr row))))
        (format t "~28A ~10,3F us/call  ratio ~6,1F~%" (car row) us (/ us (max base 1e-6)))))))

(run 200000)
