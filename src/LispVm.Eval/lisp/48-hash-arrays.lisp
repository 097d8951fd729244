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

(unless (fboundp 'sxhash)
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
        (t 42))))

;;; Arrays. Vectors are the engine's; arrays of rank /= 1 and displaced arrays are %marray
;;; structures (dims + a row-major storage vector + an offset into it; a displaced array
;;; shares its target's storage) that aref/arrayp/array-* know about. Displaced arrays are
;;; arrays, not sequences: use aref/row-major-aref on them (or coerce).

(unless (fboundp '%make-array-1)
  (%set-symbol-function '%make-array-1 (symbol-function 'make-array))
  (%set-symbol-function '%aref-1 (symbol-function 'aref))
  (%set-symbol-function '%arrayp-1 (symbol-function 'arrayp)))

(defstruct (%marray (:constructor %make-marray (dims storage &optional (offset 0) displaced-to))
                    (:copier nil) (:print-function %print-marray))
  dims storage (offset 0) displaced-to)
(%register-marray-layout (get '%marray '%struct-layout))

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
  (declare (ignore args))
  (when displaced-to
    (return-from make-array
      (%make-displaced-array dimensions displaced-to (or displaced-index-offset 0))))
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

(defun %make-displaced-array (dimensions target offset)
  (let* ((dims (if (listp dimensions) dimensions (list dimensions)))
         (n (reduce #'* dims)))
    (unless (arrayp target) (%type-error target 'array))
    (unless (and (integerp offset) (>= offset 0)
                 (<= (+ offset n) (array-total-size target)))
      (error "MAKE-ARRAY: ~S elements at offset ~S do not fit in ~S (total size ~S)."
             n offset target (array-total-size target)))
    (if (%marray-p target)
        (%make-marray dims (%marray-storage target) (+ offset (%marray-offset target)) target)
        (%make-marray dims target offset target))))

(defun array-displacement (a)
  (if (and (%marray-p a) (%marray-displaced-to a))
      (values (%marray-displaced-to a) (- (%marray-offset a)
                                          (if (%marray-p (%marray-displaced-to a))
                                              (%marray-offset (%marray-displaced-to a)) 0)))
      (values nil 0)))

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

;; One and two subscripts take no &rest list (puzzle-style 2-D code calls AREF in its
;; inner loop); more subscripts go the general way.
(defun aref (array &optional (i nil ip) (j nil jp) &rest more)
  (cond ((not (%marray-p array))
         (if (and ip (not jp)) (%aref-1 array i)
             (if (arrayp array)
                 (error "Wrong number of subscripts (~D) for ~S." (+ (if ip 1 0) (if jp 1 0) (length more)) array)
                 (%type-error array 'array))))
        ((and jp (null more)) (%aref-1 (%marray-storage array) (%index-2 array i j)))
        (t (if ip (if jp (apply #'%aref-n array i j more) (%aref-n array i)) (%aref-n array)))))

;; Storage index of (i j) in a rank-2 %marray (offset included), bounds checked.
(defun %index-2 (a i j)
  (let ((dims (%marray-dims a)))
    (if (and (consp (cdr dims)) (null (cddr dims)))
        (let ((d0 (car dims)) (d1 (cadr dims)))
          (unless (and (fixnump i) (<= 0 i) (< i d0)) (error "Index ~S out of bounds for dimension ~S of ~S." i d0 a))
          (unless (and (fixnump j) (<= 0 j) (< j d1)) (error "Index ~S out of bounds for dimension ~S of ~S." j d1 a))
          (+ (%marray-offset a) (* i d1) j))
        (+ (%marray-offset a) (%row-major-index a (list i j))))))

(defun %aset-2 (a i j v)
  (if (%marray-p a)
      (%aset (%marray-storage a) (%index-2 a i j) v)
      (%set-aref a i j v))
  v)

;; %SET-AREF (array subscript* value) is a builtin (Builtins/CoreArefN.cs), as is %AREF-N
;; (array subscript*), where the compiler sends AREF calls with three or more subscripts.
(defsetf aref (array &rest subscripts) (v)
  (cond ((and subscripts (null (cdr subscripts))) `(%aset* ,array ,(car subscripts) ,v))
        ((and (consp (cdr subscripts)) (null (cddr subscripts)))
         `(%aset-2 ,array ,(car subscripts) ,(cadr subscripts) ,v))
        (t `(%set-aref ,array ,@subscripts ,v))))
(defun %aset* (a i v)
  (if (%marray-p a) (%set-aref a i v) (progn (%aset a i v) v)))
(%put 'aref '%setf-fast '(2 . %aset*))

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
  (if (%marray-p a) (reduce #'* (%marray-dims a)) (array-dimension a 0)))
(defun array-in-bounds-p (a &rest subscripts)
  (let ((dims (array-dimensions a)))
    (and (= (length dims) (length subscripts))
         (every (lambda (s d) (and (integerp s) (<= 0 s) (< s d))) subscripts dims))))
(defun array-row-major-index (a &rest subscripts)
  (if (%marray-p a) (%row-major-index a subscripts) (car subscripts)))
(defun row-major-aref (a i)
  (if (%marray-p a) (%aref-1 (%marray-storage a) (+ i (%marray-offset a))) (%aref-1 a i)))
(defun %set-row-major-aref (a i v)
  (if (%marray-p a) (%aset (%marray-storage a) (+ i (%marray-offset a)) v) (%aset a i v))
  v)
(defsetf row-major-aref %set-row-major-aref)

(defun %print-marray (a stream depth)
  (declare (ignore depth))
  (let ((dims (%marray-dims a)) (storage (%marray-storage a)) (i (%marray-offset a)))
    (labels ((walk (ds)
               (if (null ds)
                   (progn (prin1 (%aref-1 storage i) stream) (setq i (+ i 1)))
                   (progn (write-string "(" stream)
                          (dotimes (k (car ds))
                            (when (> k 0) (write-string " " stream))
                            (walk (cdr ds)))
                          (write-string ")" stream)))))
      (if (= (length dims) 1) (write-string "#" stream) (format stream "#~DA" (length dims)))
      (if (null dims) (walk nil) (walk dims)))))

(defun bit (a &rest subscripts) (apply #'aref a subscripts))
(defun sbit (a &rest subscripts) (apply #'aref a subscripts))
(defsetf bit (array &rest subscripts) (v) `(setf (aref ,array ,@subscripts) ,v))
(defsetf sbit (array &rest subscripts) (v) `(setf (aref ,array ,@subscripts) ,v))

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

;; In place for arrays made :adjustable (and any array with a fill pointer or of rank /= 1):
;; the same object comes back with the new size; elements at the same subscripts are kept.
(defun adjust-array (array new-dimensions &key (element-type (array-element-type array))
                                            (initial-element nil iep) (initial-contents nil icp)
                                            fill-pointer displaced-to displaced-index-offset)
  (let* ((dims (if (listp new-dimensions) new-dimensions (list new-dimensions)))
         (old-dims (array-dimensions array)))
    (unless (= (length dims) (length old-dims))
      (error "ADJUST-ARRAY: ~S has rank ~S, not ~S." array (length old-dims) (length dims)))
    (when displaced-to
      (let ((d (%make-displaced-array dims displaced-to (or displaced-index-offset 0))))
        (if (%marray-p array)
            (progn (setf (%marray-dims array) (%marray-dims d) (%marray-storage array) (%marray-storage d)
                         (%marray-offset array) (%marray-offset d) (%marray-displaced-to array) displaced-to)
                   (return-from adjust-array array))
            (return-from adjust-array d))))
    (let* ((rank1 (= (length dims) 1))
           (n (car dims))
           (fp (and rank1
                    (cond ((integerp fill-pointer) fill-pointer)
                          ((eq fill-pointer t) n)
                          ((array-has-fill-pointer-p array) (min (fill-pointer array) n))
                          (t nil))))
           (new (cond (icp (make-array dims :element-type element-type :adjustable t :fill-pointer fp
                                            :initial-contents initial-contents))
                      (iep (make-array dims :element-type element-type :adjustable t :fill-pointer fp
                                            :initial-element initial-element))
                      (t (make-array dims :element-type element-type :adjustable t :fill-pointer fp)))))
      (unless icp (%copy-common-elements array old-dims new dims))
      (cond ((%marray-p array)
             (setf (%marray-dims array) (%marray-dims new) (%marray-storage array) (%marray-storage new)
                   (%marray-offset array) 0 (%marray-displaced-to array) nil)
             array)
            ((%array-header-p array) (%array-header-replace array new) array)
            (t new)))))

(defun %rmi (dims subs)
  (let ((i 0)) (loop for d in dims for x in subs do (setq i (+ (* i d) x))) i))
;; Element i of the storage, ignoring a fill pointer (ADJUST-ARRAY keeps what lies beyond it).
(defun %aref-raw (a i)
  (cond ((%marray-p a) (row-major-aref a i))
        ((array-has-fill-pointer-p a)
         (let ((fp (fill-pointer a)))
           (if (< i fp) (aref a i)
               (progn (setf (fill-pointer a) (%array-capacity a))
                      (prog1 (aref a i) (setf (fill-pointer a) fp))))))
        (t (aref a i))))

(defun %copy-common-elements (from from-dims to to-dims)
  "Copies the elements whose subscripts are valid in both arrays."
  (let ((common (mapcar #'min from-dims to-dims)))
    (unless (some #'zerop common)
      (let ((subs (make-list (length common) :initial-element 0)))
        (loop
          (%set-row-major-aref to (%rmi to-dims subs) (%aref-raw from (%rmi from-dims subs)))
          ;; next subscript tuple, last axis fastest
          (let ((k (1- (length common))))
            (loop
              (when (< k 0) (return-from %copy-common-elements nil))
              (incf (nth k subs))
              (if (< (nth k subs) (nth k common)) (return) (setf (nth k subs) 0))
              (decf k))))))))



(unless (fboundp '%array-element-type-1)
  (%set-symbol-function '%array-element-type-1
                        (if (fboundp 'array-element-type)
                            (symbol-function 'array-element-type)
                            (lambda (a) (cond ((stringp a) 'character)
                                              ((%arrayp-1 a) t)
                                              (t (%type-error a 'array)))))))
(defun array-element-type (a)
  (if (%marray-p a)
      (%array-element-type-1 (%marray-storage a))
      (%array-element-type-1 a)))
(defun adjustable-array-p (a) (and (not (%marray-p a)) (array-has-fill-pointer-p a)))

;;; Bit arrays: BIT-AND ... BIT-NOT element by element over arrays of the same shape.
;;; OPT-ARG NIL makes a new array, T reuses the first argument, an array receives it.

(defun bit-vector-p (x) (typep x 'bit-vector))
(defun simple-bit-vector-p (x) (typep x 'simple-bit-vector))

(defun %bit-result (a opt-arg)
  (cond ((null opt-arg) (make-array (array-dimensions a) :element-type 'bit))
        ((eq opt-arg t) a)
        (t opt-arg)))

(defun %bit-op (op code a b opt-arg)
  "CODE: the operation's number for %BIT-VECTOR-OP (a word at a time on simple bit
vectors); other bit arrays go element by element with OP."
  (unless (equal (array-dimensions a) (array-dimensions b))
    (error "Bit arrays ~S and ~S have different dimensions." a b))
  (let ((r (%bit-result a opt-arg)))
    (or (%bit-vector-op code a b r)
        (dotimes (i (array-total-size a) r)
          (setf (row-major-aref r i)
                (logand 1 (funcall op (row-major-aref a i) (row-major-aref b i))))))))

(defun bit-and (a b &optional opt-arg) (%bit-op #'logand 0 a b opt-arg))
(defun bit-ior (a b &optional opt-arg) (%bit-op #'logior 1 a b opt-arg))
(defun bit-xor (a b &optional opt-arg) (%bit-op #'logxor 2 a b opt-arg))
(defun bit-eqv (a b &optional opt-arg) (%bit-op #'logeqv 3 a b opt-arg))
(defun bit-nand (a b &optional opt-arg) (%bit-op #'lognand 4 a b opt-arg))
(defun bit-nor (a b &optional opt-arg) (%bit-op #'lognor 5 a b opt-arg))
(defun bit-andc1 (a b &optional opt-arg) (%bit-op #'logandc1 6 a b opt-arg))
(defun bit-andc2 (a b &optional opt-arg) (%bit-op #'logandc2 7 a b opt-arg))
(defun bit-orc1 (a b &optional opt-arg) (%bit-op #'logorc1 8 a b opt-arg))
(defun bit-orc2 (a b &optional opt-arg) (%bit-op #'logorc2 9 a b opt-arg))
(defun bit-not (a &optional opt-arg)
  (let ((r (%bit-result a opt-arg)))
    (or (%bit-vector-op 10 a a r)
        (dotimes (i (array-total-size a) r)
          (setf (row-major-aref r i) (- 1 (row-major-aref a i)))))))

(defconstant array-dimension-limit (ash 1 28))
(defconstant array-rank-limit 8)
(defconstant array-total-size-limit (ash 1 28))

(defun hash-table-size (hash-table) (max 16 (hash-table-count hash-table)))
(defun hash-table-rehash-size (hash-table) (declare (ignore hash-table)) 2.0)
(defun hash-table-rehash-threshold (hash-table) (declare (ignore hash-table)) 0.75)
