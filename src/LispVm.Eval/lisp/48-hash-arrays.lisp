;;;; 48-hash-arrays.lisp — hash-table iteration (maphash, with-hash-table-iterator), equalp,
;;;; sxhash, and array functions over the engine's 1-D vectors: make-array with
;;;; :initial-contents and a one-element dimension list, array dimensions/rank/size,
;;;; vector-pop, adjust-array. The engine's make-array is kept as %make-array-1.

(defun %hash-table-key-list (table)
  (let ((keys (%hash-table-keys-vector table)) (r nil))
    (dotimes (i (length keys) (nreverse r)) (push (aref keys i) r))))

(defun maphash (fn table)
  (let ((f (%fn fn)) (keys (%hash-table-keys-vector table)))
    (dotimes (i (length keys) nil)
      (let ((k (aref keys i)))
        (multiple-value-bind (v found) (gethash k table)
          (when found (funcall f k v)))))))

(defmacro with-hash-table-iterator ((name table) &body body)
  (let ((keys (gensym "KEYS")) (i (gensym "I")) (h (gensym "H")))
    `(let* ((,h ,table) (,keys (%hash-table-keys-vector ,h)) (,i 0))
       (macrolet ((,name ()
                    '(loop
                       (when (>= ,i (length ,keys)) (return (values nil nil nil)))
                       (let ((k (aref ,keys ,i)))
                         (setq ,i (+ ,i 1))
                         (multiple-value-bind (v found) (gethash k ,h)
                           (when found (return (values t k v))))))))
         ,@body))))

(defun hash-table-keys (table) (%hash-table-key-list table))

(defun sxhash (x)
  (cond ((stringp x)
         (let ((h 5381))
           (dotimes (i (length x) h)
             (setq h (logand (+ (* h 33) (char-code (char x i))) #x3FFFFFFF)))))
        ((symbolp x) (sxhash (symbol-name x)))
        ((characterp x) (char-code x))
        ((integerp x) (logand (abs x) #x3FFFFFFF))
        ((numberp x) (sxhash (princ-to-string x)))
        ((consp x) (logand (+ (* 31 (sxhash (car x))) (sxhash (cdr x))) #x3FFFFFFF))
        (t 42)))

;;; Arrays

(unless (fboundp '%make-array-1)
  (%set-symbol-function '%make-array-1 (symbol-function 'make-array)))

(defun make-array (dimensions &rest args &key (element-type t) (initial-element nil iep)
                                           (initial-contents nil icp) adjustable fill-pointer
                                           displaced-to displaced-index-offset)
  (declare (ignore args displaced-index-offset))
  (when displaced-to (error "MAKE-ARRAY: displaced arrays are not supported."))
  (let ((n (cond ((integerp dimensions) dimensions)
                 ((and (consp dimensions) (null (cdr dimensions))) (car dimensions))
                 ((null dimensions) 1)
                 (t (error "MAKE-ARRAY: multidimensional arrays ~S are not supported yet." dimensions)))))
    (unless (and (integerp n) (>= n 0)) (%type-error dimensions '(integer 0)))
    (let ((v (if iep
                 (%make-array-1 n :element-type element-type :initial-element initial-element
                                  :adjustable adjustable :fill-pointer fill-pointer)
                 (%make-array-1 n :element-type element-type
                                  :adjustable adjustable :fill-pointer fill-pointer))))
      (when icp
        (unless (= (length initial-contents) n)
          (error "MAKE-ARRAY: :initial-contents ~S does not have length ~S." initial-contents n))
        (let ((i 0))
          (map nil (lambda (x) (%aset v i x) (setq i (+ i 1))) initial-contents)))
      v)))

(defun array-rank (a) (unless (arrayp a) (%type-error a 'array)) 1)
(defun array-dimensions (a) (list (array-dimension a 0)))
(defun array-dimension (a axis)
  (unless (arrayp a) (%type-error a 'array))
  (unless (eql axis 0) (error "Axis ~S out of range for an array of rank 1." axis))
  (if (array-has-fill-pointer-p a) (%array-capacity a) (length a)))
(defun array-total-size (a) (array-dimension a 0))
(defun array-in-bounds-p (a &rest subscripts)
  (and (= (length subscripts) 1) (<= 0 (car subscripts)) (< (car subscripts) (array-dimension a 0))))
(defun array-row-major-index (a &rest subscripts) (declare (ignore a)) (car subscripts))
(defun row-major-aref (a i) (aref a i))
(defun %set-row-major-aref (a i v) (%aset a i v) v)
(defsetf row-major-aref %set-row-major-aref)
(defun %set-aref (a &rest args)
  (let ((v (car (last args))))
    (unless (= (length args) 2) (error "AREF: multidimensional arrays are not supported yet."))
    (%aset a (car args) v)
    v))
(defsetf aref (array &rest subscripts) (v)
  (if (and subscripts (null (cdr subscripts)))
      `(%aset* ,array ,(car subscripts) ,v)
      `(%set-aref ,array ,@subscripts ,v)))
(defun %aset* (a i v) (%aset a i v) v)
(defun bit (a i) (aref a i))
(defun sbit (a i) (aref a i))
(defsetf bit %aset*)
(defsetf sbit %aset*)

(defun %set-fill-pointer* (v n)
  (unless (and (integerp n) (<= 0 n (%array-capacity v)))
    (error "Fill pointer ~S out of range for ~S." n v))
  (%set-fill-pointer v n)
  n)
(defsetf fill-pointer %set-fill-pointer*)

(defun vector-pop (v)
  (let ((fp (fill-pointer v)))
    (when (<= fp 0) (error "VECTOR-POP: the fill pointer of ~S is already 0." v))
    (setf (fill-pointer v) (- fp 1))
    (aref v (- fp 1))))

(defun adjust-array (array new-dimensions &key (element-type t) (initial-element nil iep)
                                            initial-contents fill-pointer)
  (let* ((n (if (consp new-dimensions) (car new-dimensions) new-dimensions))
         (fp (cond ((integerp fill-pointer) fill-pointer)
                   ((array-has-fill-pointer-p array) (min (fill-pointer array) n))
                   (t nil)))
         (new (if iep
                  (make-array n :element-type element-type :initial-element initial-element
                                :adjustable t :fill-pointer fp)
                  (make-array n :element-type element-type :adjustable t :fill-pointer fp))))
    (if initial-contents
        (let ((i 0)) (map nil (lambda (x) (%aset new i x) (incf i)) initial-contents))
        (dotimes (i (min n (array-dimension array 0)))
          (%aset new i (aref array i))))
    new))

