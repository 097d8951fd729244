;;;; 58-type-specifiers.lisp — type specifiers to the canonical types of 57-subtypep.lisp
;;;; (issue 15), and the API on them: SUBTYPEP, UPGRADED-ARRAY-ELEMENT-TYPE.
;;;; Why: one reading of every specifier form (atomic names, ranges, member/eql, and/or/not,
;;;; cons, array forms, complex, classes, deftype expansions), so every answer agrees.
;;;; SATISFIES and unknown names make the answer (values nil nil) unless it is trivial.

(defun %ty-int (lo hi) (if (and lo hi (> lo hi)) nil (list (list :int (cons lo hi)))))

(defun %arr (et simple dims) (list (list :array (list :arr et simple dims))))

(defun %ty-obj (x)
  (let ((kind (%obj-kind x)))
    (case kind
      (:int (list (list :int (cons x x))))
      ((:ratio :single :double) (let ((k (%num-key kind x))) (list (list kind (list k nil k nil)))))
      (t (list (list kind (list :objs x)))))))

(defun %ty-class (c)
  (let ((name (%class-name c)))
    (if (and (eq (%class-metaclass c) 'built-in-class)
             (member name '(t number real rational integer ratio float single-float double-float complex
                            character symbol sequence list null cons array vector string bit-vector)))
        (%ty name)
        (list (list :object (list :classes c))))))

(defun %ty-class-named (name)
  (list (list :object (list :classes (find-class name)))))

(defun %ty-symbol (spec)
  (case spec
    (number (%ty-kinds :int :ratio :single :double :complex))
    (real (%ty-kinds :int :ratio :single :double))
    (rational (%ty-kinds :int :ratio))
    (integer (%ty-kinds :int))
    (ratio (%ty-kinds :ratio))
    (float (%ty-kinds :single :double))
    ((single-float short-float) (%ty-kinds :single))
    ((double-float long-float) (%ty-kinds :double))
    (complex (%ty-kinds :complex))
    (fixnum (%ty-int most-negative-fixnum most-positive-fixnum))
    (bignum (append (%ty-int nil (- most-negative-fixnum 1)) (%ty-int (+ most-positive-fixnum 1) nil)))
    (bit (%ty-int 0 1))
    (unsigned-byte (%ty-int 0 nil))
    (signed-byte (%ty-kinds :int))
    ((character base-char) (%ty-kinds :char))
    (standard-char (list (list :char :std)))
    (extended-char nil)
    (symbol (%ty-kinds :symbol))
    (keyword (list (list :symbol :keyword)))
    (null (list (list :symbol (list :objs nil))))
    (boolean (list (list :symbol (list :objs t nil))))
    (cons (%ty-kinds :cons))
    (list (append (%ty-kinds :cons) (%ty 'null)))
    (atom (%ty-not (%ty-kinds :cons)))
    (sequence (append (%ty 'list) (%arr '* :any '(*))))
    (array (%arr '* :any '*))
    (simple-array (%arr '* :simple '*))
    (vector (%arr '* :any '(*)))
    (simple-vector (%arr t :simple '(*)))
    (string (append (%arr 'character :any '(*)) (%arr nil :any '(*))))
    (simple-string (append (%arr 'character :simple '(*)) (%arr nil :simple '(*))))
    (base-string (%arr 'character :any '(*)))
    (simple-base-string (%arr 'character :simple '(*)))
    (bit-vector (%arr 'bit :any '(*)))
    (simple-bit-vector (%arr 'bit :simple '(*)))
    ((function compiled-function) (%ty-class-named 'function))
    ;; A class first: the stream classes are also deftype'd to their predicates.
    (t (let ((c (find-class spec nil)))
         (if c
             (%ty-class c)
             (multiple-value-bind (exp expanded) (%expand-deftype spec)
               (if expanded (%ty exp) (progn (setq *%ty-unknown* t) nil))))))))

(defun %ty-bound (args i)
  (let ((x (nth i args))) (if (or (null (nthcdr i args)) (eq x '*)) '* x)))

(defun %ty-int-bounds (lo hi)
  "Integer bounds from real bounds (x inclusive, (x) exclusive, * none)."
  (values (cond ((eq lo '*) nil) ((consp lo) (+ (floor (car lo)) 1)) (t (ceiling lo)))
          (cond ((eq hi '*) nil) ((consp hi) (- (ceiling (car hi)) 1)) (t (floor hi)))))

(defun %ty-dense (kind lo hi)
  (flet ((key (b lower)
           (let ((x (if (consp b) (car b) b)))
             (if (and (not (eq kind :ratio)) (zerop x))
                 ;; 0.0 and -0.0 as bounds name both zeros.
                 (cons 0 (if (eq lower (consp b)) 1 -1))
                 (cons (rational x) 0)))))
    (let ((a (%dense-atom kind (if (eq lo '*) nil (key lo t)) (consp lo)
                          (if (eq hi '*) nil (key hi nil)) (consp hi))))
      (if (%dense-nonempty kind a) (list (list kind a)) nil))))

(defun %ty-range (kinds lo hi)
  (let ((r nil))
    (dolist (k kinds r)
      (setq r (append r (if (eq k :int)
                            (multiple-value-bind (l h) (%ty-int-bounds lo hi) (%ty-int l h))
                            (%ty-dense k lo hi)))))))

(defun %ty-dims (d)
  (cond ((eq d '*) '*)
        ((integerp d) (make-list d :initial-element '*))
        (t d)))

(defun %ty-et (et) (if (eq et '*) '* (%uaet et)))

(defun %ty-string (simple size)
  (let ((d (list size)))
    (append (%arr 'character simple d) (%arr nil simple d))))

(defun %ty-compound (spec)
  (let ((head (car spec)) (args (cdr spec)))
    (case head
      (and (let ((r (%ty-universe))) (dolist (x args r) (setq r (%ty-and r (%ty x))))))
      (or (let ((r nil)) (dolist (x args (%ty-merge r)) (setq r (append r (%ty x))))))
      (not (%ty-not (%ty (car args))))
      (member (let ((r nil)) (dolist (x args (%ty-merge r)) (setq r (append r (%ty-obj x))))))
      (eql (%ty-obj (car args)))
      (satisfies (setq *%ty-unknown* t) nil)
      (integer (%ty-range '(:int) (%ty-bound args 0) (%ty-bound args 1)))
      (rational (%ty-range '(:int :ratio) (%ty-bound args 0) (%ty-bound args 1)))
      (real (%ty-range '(:int :ratio :single :double) (%ty-bound args 0) (%ty-bound args 1)))
      (float (%ty-range '(:single :double) (%ty-bound args 0) (%ty-bound args 1)))
      ((single-float short-float) (%ty-range '(:single) (%ty-bound args 0) (%ty-bound args 1)))
      ((double-float long-float) (%ty-range '(:double) (%ty-bound args 0) (%ty-bound args 1)))
      (mod (%ty-int 0 (- (car args) 1)))
      (unsigned-byte (let ((n (%ty-bound args 0))) (%ty-int 0 (if (eq n '*) nil (- (ash 1 n) 1)))))
      (signed-byte (let ((n (%ty-bound args 0)))
                     (if (eq n '*) (%ty-kinds :int) (%ty-int (- (ash 1 (- n 1))) (- (ash 1 (- n 1)) 1)))))
      (cons (let ((a (if (eq (%ty-bound args 0) '*) (%ty-universe) (%ty (car args))))
                  (d (if (eq (%ty-bound args 1) '*) (%ty-universe) (%ty (cadr args)))))
              (if (or (null a) (null d)) nil
                  (list (list :cons (list* :pair a d))))))
      ((array simple-array)
       (%arr (%ty-et (%ty-bound args 0)) (if (eq head 'array) :any :simple) (%ty-dims (%ty-bound args 1))))
      (vector (%arr (%ty-et (%ty-bound args 0)) :any (list (%ty-bound args 1))))
      (simple-vector (%arr t :simple (list (%ty-bound args 0))))
      (string (%ty-string :any (%ty-bound args 0)))
      (simple-string (%ty-string :simple (%ty-bound args 0)))
      (base-string (%arr 'character :any (list (%ty-bound args 0))))
      (simple-base-string (%arr 'character :simple (list (%ty-bound args 0))))
      (bit-vector (%arr 'bit :any (list (%ty-bound args 0))))
      (simple-bit-vector (%arr 'bit :simple (list (%ty-bound args 0))))
      (complex (let ((et (%ty-bound args 0)))
                 (if (eq et '*)
                     (%ty-kinds :complex)
                     (let* ((e (%ty et))
                            (parts (remove-if (lambda (p) (null (%ty-and e (%ty p))))
                                              '(rational single-float double-float))))
                       (if parts (list (list :complex (cons :parts parts))) nil)))))
      (function (%ty-class-named 'function))
      (t (multiple-value-bind (exp expanded) (%expand-deftype spec)
           (if expanded (%ty exp) (progn (setq *%ty-unknown* t) nil)))))))

(defun %ty (spec)
  (cond ((eq spec t) (%ty-universe))
        ((null spec) nil)
        ((symbolp spec) (%ty-symbol spec))
        ((consp spec) (%ty-compound spec))
        ((%class-p spec) (%ty-class spec))
        (t (setq *%ty-unknown* t) nil)))

(defun %uaet (et)
  "The upgraded array element type: NIL, BIT, (UNSIGNED-BYTE 8), CHARACTER or T."
  (let* ((*%ty-unknown* nil) (e (%ty et)))
    (cond (*%ty-unknown* t)
          ((null e) nil)
          (t (dolist (u '(bit (unsigned-byte 8) character) t)
               (when (null (%ty-and e (%ty-not (%ty u) (%ty-kinds-of e)))) (return u)))))))

(defun upgraded-array-element-type (typespec &optional environment)
  (declare (ignore environment))
  (%uaet typespec))

(defun subtypep (type1 type2 &optional environment)
  (declare (ignore environment))
  (let* ((*%ty-unknown* nil) (a (%ty type1)) (b (%ty type2)))
    (cond (*%ty-unknown*
           (if (or (equal type1 type2) (eq type2 t) (null type1)) (values t t) (values nil nil)))
          ((and (consp type1) (member (car type1) '(eql member)))
           ;; A finite set: is each object in B?
           (values (dolist (x (if (eq (car type1) 'eql) (list (cadr type1)) (cdr type1)) t)
                     (unless (%ty-contains b x) (return nil)))
                   t))
          ;; Only A's kinds matter: (not B) is made within them.
          (t (values (null (%ty-and a (%ty-not b (%ty-kinds-of a)))) t)))))

(defun %condition-subclass-of-type (type)
  "MAKE-CONDITION of (and ...): the name of a condition class inside TYPE, or NIL."
  (dolist (c (%object-classes) nil)
    (when (and (eq (%class-metaclass c) 'condition-class) (subtypep (%class-name c) type))
      (return (%class-name c)))))

;; The condition types defined before CLOS get their class objects now, so that the class
;; graph SUBTYPEP walks holds them all.
(dolist (n (reverse *%condition-names*)) (find-class n nil))
