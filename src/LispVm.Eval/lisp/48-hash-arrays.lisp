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

;;; Arrays. Vectors are the engine's; arrays of rank /= 1 are %marray structures (dims +
;;; a row-major storage vector) that aref/arrayp/array-* know about.

(unless (fboundp '%make-array-1)
  (%set-symbol-function '%make-array-1 (symbol-function 'make-array))
  (%set-symbol-function '%aref-1 (symbol-function 'aref))
  (%set-symbol-function '%arrayp-1 (symbol-function 'arrayp)))

(defstruct (%marray (:constructor %make-marray (dims storage)) (:copier nil)
                    (:print-function %print-marray))
  dims storage)

(defun arrayp (x) (or (%arrayp-1 x) (%marray-p x)))

(defun %flatten-contents (contents dims)
  "Row-major list of the elements of nested sequences CONTENTS of shape DIMS."
  (if (null dims) (list contents)
      (progn
        (unless (= (length contents) (car dims))
          (error "MAKE-ARRAY: :initial-contents ~S does not match dimensions ~S." contents dims))
        (let ((r nil))
          (map nil (lambda (sub) (setq r (revappend (%flatten-contents sub (cdr dims)) r))) contents)
          (nreverse r)))))

(defun make-array (dimensions &rest args &key (element-type t) (initial-element nil iep)
                                           (initial-contents nil icp) adjustable fill-pointer
                                           displaced-to displaced-index-offset)
  (declare (ignore args displaced-index-offset))
  (when displaced-to (error "MAKE-ARRAY: displaced arrays are not supported."))
  (let ((dims (if (listp dimensions) dimensions (list dimensions))))
    (dolist (d dims)
      (unless (and (integerp d) (>= d 0)) (%type-error d '(integer 0))))
    (let* ((n (reduce #'* dims))
           (v (if iep
                  (%make-array-1 n :element-type element-type :initial-element initial-element
                                   :adjustable adjustable :fill-pointer (and (= (length dims) 1) fill-pointer))
                  (%make-array-1 n :element-type element-type
                                   :adjustable adjustable :fill-pointer (and (= (length dims) 1) fill-pointer)))))
      (when icp
        (let ((i 0))
          (dolist (x (if (= (length dims) 1)
                         (progn (unless (= (length initial-contents) n)
                                  (error "MAKE-ARRAY: :initial-contents ~S does not have length ~S." initial-contents n))
                                (coerce initial-contents 'list))
                         (%flatten-contents initial-contents dims)))
            (%aset v i x) (setq i (+ i 1)))))
      (if (= (length dims) 1) v (%make-marray dims v)))))

(defun %row-major-index (a subscripts)
  (let ((idx 0) (dims (%marray-dims a)) (subs subscripts))
    (loop
      (when (or (null dims) (null subs))
        (when (or dims subs)
          (error "Wrong number of subscripts ~S for an array of rank ~S." subscripts (length (%marray-dims a))))
        (return idx))
      (let ((s (car subs)) (d (car dims)))
        (unless (and (integerp s) (<= 0 s) (< s d))
          (error "Index ~S out of bounds for dimension ~S of ~S." s d a))
        (setq idx (+ (* idx d) s) dims (cdr dims) subs (cdr subs))))))

(defun aref (array &rest subscripts)
  (if (and (consp subscripts) (null (cdr subscripts)) (not (%marray-p array)))
      (%aref-1 array (car subscripts))
      (if (%marray-p array)
          (%aref-1 (%marray-storage array) (%row-major-index array subscripts))
          (if (and (arrayp array) (null subscripts))
              (error "Wrong number of subscripts (0) for ~S." array)
              (%type-error array 'array)))))

(defun %set-aref (a &rest args)
  (let ((v (car (last args))) (subs (butlast args)))
    (if (%marray-p a)
        (%aset (%marray-storage a) (%row-major-index a subs) v)
        (progn
          (unless (= (length subs) 1) (error "Wrong number of subscripts ~S for ~S." subs a))
          (%aset a (car subs) v)))
    v))
(defsetf aref (array &rest subscripts) (v)
  (if (and subscripts (null (cdr subscripts)))
      `(%aset* ,array ,(car subscripts) ,v)
      `(%set-aref ,array ,@subscripts ,v)))
(defun %aset* (a i v)
  (if (%marray-p a) (%set-aref a i v) (progn (%aset a i v) v)))

(defun array-rank (a)
  (cond ((%marray-p a) (length (%marray-dims a)))
        ((arrayp a) 1)
        (t (%type-error a 'array))))
(defun array-dimensions (a)
  (if (%marray-p a) (copy-list (%marray-dims a)) (list (array-dimension a 0))))
(defun array-dimension (a axis)
  (cond ((%marray-p a)
         (or (nth axis (%marray-dims a)) (error "Axis ~S out of range for ~S." axis a)))
        ((not (arrayp a)) (%type-error a 'array))
        ((not (eql axis 0)) (error "Axis ~S out of range for an array of rank 1." axis))
        ((array-has-fill-pointer-p a) (%array-capacity a))
        (t (length a))))
(defun array-total-size (a)
  (if (%marray-p a) (length (%marray-storage a)) (array-dimension a 0)))
(defun array-in-bounds-p (a &rest subscripts)
  (let ((dims (array-dimensions a)))
    (and (= (length dims) (length subscripts))
         (every (lambda (s d) (and (integerp s) (<= 0 s) (< s d))) subscripts dims))))
(defun array-row-major-index (a &rest subscripts)
  (if (%marray-p a) (%row-major-index a subscripts) (car subscripts)))
(defun row-major-aref (a i)
  (%aref-1 (if (%marray-p a) (%marray-storage a) a) i))
(defun %set-row-major-aref (a i v)
  (%aset (if (%marray-p a) (%marray-storage a) a) i v) v)
(defsetf row-major-aref %set-row-major-aref)

(defun %print-marray (a stream depth)
  (declare (ignore depth))
  (let ((dims (%marray-dims a)) (storage (%marray-storage a)) (i 0))
    (labels ((walk (ds)
               (if (null ds)
                   (progn (prin1 (%aref-1 storage i) stream) (setq i (+ i 1)))
                   (progn (write-string "(" stream)
                          (dotimes (k (car ds))
                            (when (> k 0) (write-string " " stream))
                            (walk (cdr ds)))
                          (write-string ")" stream)))))
      (format stream "#~DA" (length dims))
      (if (null dims) (walk nil) (walk dims)))))

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


(defun array-element-type (a)
  (cond ((%marray-p a) (array-element-type (%marray-storage a)))
        ((stringp a) 'character)
        ((arrayp a) t)
        (t (%type-error a 'array))))
(defun adjustable-array-p (a) (and (not (%marray-p a)) (array-has-fill-pointer-p a)))
