;;;; 57-subtypep.lisp — SUBTYPEP by set algebra (issue 15), in the manner of Baker 1992.
;;;; Why: SUBTYPEP must answer and/or/not, ranges, member, cons, arrays and classes
;;;; together; a lattice walk cannot. Vocabulary: the universe is split into disjoint
;;;; kinds (:int :ratio :single :double :complex :char :symbol :cons :array :object); a
;;;; canonical type is a list of terms (their union); a term (kind pos . negs) is the
;;;; objects of KIND in the atom POS and in none of the atoms NEGS. An atom is a kind's
;;;; own set description or (:objs . objects). A term is empty when its negs cover its
;;;; pos (answered per kind: t, nil, or :unknown). subtypep A B = A and (not B) is empty.

(defvar *%ty-unknown* nil)            ; set when a specifier cannot be decided (satisfies)
(defvar *%ty-kinds* '(:int :ratio :single :double :complex :char :symbol :cons :array :object))
(defvar *%ty-array-ets* '(nil bit (unsigned-byte 8) character t))   ; upgraded element types
(defvar *%std-chars*
  (let ((r nil)) (dotimes (i 128) (when (standard-char-p (code-char i)) (push (code-char i) r))) r))

(defun %ty-top-atom (kind)
  "The atom of the whole KIND: made once, so (eq atom (%ty-top-atom kind)) tells it."
  (cdr (assoc kind *%ty-top-atoms*)))

(defun %ty-make-top-atom (kind)
  (case kind
    (:int (cons nil nil))
    ((:ratio :single :double) (list nil nil nil nil))
    (:complex (list :parts 'rational 'single-float 'double-float))
    ((:char :symbol) :all)
    (:cons (list* :pair :top :top))           ; :top: the universe, made when needed
    (:array (list :arr '* :any '*))
    (t (list :classes))))

(defvar *%ty-top-atoms* (mapcar (lambda (k) (cons k (%ty-make-top-atom k))) *%ty-kinds*))

(defun %ty-universe () (mapcar (lambda (k) (list k (%ty-top-atom k))) *%ty-kinds*))
(defun %ty-kinds (&rest kinds) (mapcar (lambda (k) (list k (%ty-top-atom k))) kinds))
(defun %objs-p (a) (and (consp a) (eq (car a) :objs)))

(defun %obj-kind (x)
  (cond ((integerp x) :int)
        ((rationalp x) :ratio)
        ((floatp x) (if (%double-p x) :double :single))
        ((numberp x) :complex)
        ((characterp x) :char)
        ((symbolp x) :symbol)
        ((consp x) :cons)
        ((arrayp x) :array)
        (t :object)))

;;; ---- Set operations on canonical types ----

(defun %ty-and (a b)
  (let ((r nil))
    (dolist (x a)
      (dolist (y b)
        (when (eq (car x) (car y))
          ;; Both terms are normal and not empty: with the whole kind, the other one is it.
          (cond ((%top-term-p x) (unless (member y r :test #'equal) (push y r)))
                ((%top-term-p y) (unless (member x r :test #'equal) (push x r)))
                (t (let ((p (%atom-inter (car x) (cadr x) (cadr y))))
                     (unless (eq p :empty)
                       (let ((term (%term-normal (car x) p (append (cddr x) (cddr y)))))
                         (unless (or (null term) (eq (%term-empty term) t) (member term r :test #'equal))
                           (push term r))))))))))
    (%ty-merge (nreverse r))))

(defun %top-term-p (term) (and (null (cddr term)) (eq (cadr term) (%ty-top-atom (car term)))))

(defun %term-normal (kind pos negs)
  "The term with only the parts of NEGS inside POS; objects in NEGS leave POS. NIL: empty."
  (if (%objs-p pos)
      (let ((keep nil))
        (dolist (x (cdr pos))
          (unless (dolist (n negs nil) (when (%atom-contains kind n x) (return t))) (push x keep)))
        (if keep (list kind (cons :objs (nreverse keep))) nil))
      (let ((ns nil))
        (dolist (n negs)
          (let ((i (%atom-inter kind pos n)))
            (unless (or (eq i :empty) (member i ns :test #'equal)) (push i ns))))
        (list* kind pos (nreverse ns)))))

(defun %ty-merge (a)
  "One (:objs ...) term per kind for the terms that are only objects."
  (let ((r nil) (objs nil))
    (dolist (term a)
      (if (and (%objs-p (cadr term)) (null (cddr term)))
          (let ((cell (assoc (car term) objs)))
            (if cell
                (dolist (x (cdr (cadr term))) (unless (member x (cdr cell)) (nconc cell (list x))))
                (push (cons (car term) (copy-list (cdr (cadr term)))) objs)))
          (push term r)))
    (dolist (cell objs) (push (list (car cell) (cons :objs (cdr cell))) r))
    (nreverse r)))

(defun %term-not (term &optional (kinds *%ty-kinds*))
  "The complement of TERM (within KINDS) as normal terms that are not empty."
  (let ((kind (car term)) (r nil))
    (dolist (k kinds) (unless (eq k kind) (push (list k (%ty-top-atom k)) r)))
    (let ((rest (%term-normal kind (%ty-top-atom kind) (list (cadr term)))))
      (when (and rest (not (eq (%term-empty rest) t))) (push rest r)))
    (dolist (n (cddr term))
      (let ((x (list kind n)))
        (unless (or (member x r :test #'equal) (eq (%term-empty x) t)) (push x r))))
    r))

(defun %ty-not (a &optional (kinds *%ty-kinds*))
  "The complement of A within the objects of KINDS (all by default)."
  (let ((a (remove-if-not (lambda (term) (%memq (car term) kinds)) a)))
    (if (null a)
        (mapcar (lambda (k) (list k (%ty-top-atom k))) kinds)
        (let ((r (%term-not (car a) kinds)))
          (dolist (term (cdr a) r) (setq r (%ty-and r (%term-not term kinds))))))))

(defun %ty-kinds-of (a)
  (let ((r nil)) (dolist (term a r) (unless (%memq (car term) r) (push (car term) r)))))

(defun %term-empty (term)
  ;; Atoms are made non-empty, except a conjunction of classes.
  (if (and (null (cddr term)) (not (and (eq (car term) :object) (consp (cdr (cdr (cadr term)))))))
      nil
      (%atom-covered (car term) (cadr term) (cddr term))))


(defun %ty-contains (a x)
  (let ((kind (%obj-kind x)))
    (dolist (term a nil)
      (when (and (eq (car term) kind) (%atom-contains kind (cadr term) x)
                 (dolist (n (cddr term) t) (when (%atom-contains kind n x) (return nil))))
        (return t)))))

(defun %and3 (a b) (cond ((or (null a) (null b)) nil) ((or (eq a :unknown) (eq b :unknown)) :unknown) (t t)))

;;; ---- Atoms: intersection, membership, cover ----

(defun %atom-inter (kind a b)
  (cond ((%objs-p a)
         (let ((r nil)) (dolist (x (cdr a)) (when (%atom-contains kind b x) (push x r)))
           (if r (cons :objs (nreverse r)) :empty)))
        ((%objs-p b) (%atom-inter kind b a))
        (t (case kind
             (:int (%int-inter a b))
             ((:ratio :single :double) (%dense-inter kind a b))
             (:complex (let ((p (remove-if-not (lambda (x) (member x (cdr b))) (cdr a))))
                         (if p (cons :parts p) :empty)))
             ((:char :symbol) (cond ((eq a :all) b) ((eq b :all) a) ((eq a b) a) (t :empty)))
             (:cons (let ((x (%pair-and (cadr a) (cadr b))) (y (%pair-and (cddr a) (cddr b))))
                      (if (or (null x) (null y)) :empty (list* :pair x y))))
             (:array (%array-inter a b))
             (t (cons :classes (%class-conj-merge (cdr a) (cdr b))))))))

(defun %atom-contains (kind a x)
  (if (%objs-p a)
      (and (member x (cdr a)) t)
      (case kind
        (:int (and (integerp x) (or (null (car a)) (>= x (car a))) (or (null (cdr a)) (<= x (cdr a)))))
        ((:ratio :single :double) (%dense-contains kind a x))
        (:complex (and (member (%complex-part-kind x) (cdr a)) t))
        (:char (or (eq a :all) (and (eq a :std) (standard-char-p x))))
        (:symbol (or (eq a :all) (and (eq a :keyword) (keywordp x))))
        (:cons (and (or (eq (cadr a) :top) (%ty-contains (cadr a) (car x)))
                    (or (eq (cddr a) :top) (%ty-contains (cddr a) (cdr x)))))
        (:array (%array-contains a x))
        (t (dolist (c (cdr a) t) (unless (%clos-typep x c) (return nil)))))))

(defun %complex-part-kind (x)
  (let ((r (if (fboundp 'realpart) (funcall 'realpart x) 0)))
    (cond ((rationalp r) 'rational) ((%double-p r) 'double-float) (t 'single-float))))

(defun %atom-covered (kind p negs)
  "Is the atom P inside the union of the atoms NEGS? T, NIL or :UNKNOWN."
  (cond ((%objs-p p)
         (dolist (x (cdr p) t)
           (unless (dolist (n negs nil) (when (%atom-contains kind n x) (return t))) (return nil))))
        (t (let ((ns (remove-if #'%objs-p negs)))
             (case kind
               (:int (%int-covered p ns))
               ((:ratio :single :double) (%dense-covered kind p ns))
               (:complex (dolist (x (cdr p) t)
                           (unless (dolist (n ns nil) (when (member x (cdr n)) (return t))) (return nil))))
               ((:char :symbol)
                (cond ((member :all ns) t)
                      ((eq p :all) nil)
                      ((member p ns) t)
                      ((eq p :std) (dolist (c *%std-chars* t)
                                     (unless (dolist (n negs nil) (when (%atom-contains kind n c) (return t)))
                                       (return nil))))
                      (t nil)))
               (:cons (%pairs-covered (cadr p) (cddr p) ns))
               (:array (%array-covered p ns))
               (t (%classes-covered p ns)))))))

;;; Integers: (lo . hi), NIL for no bound.
(defun %int-inter (a b)
  (let ((lo (cond ((null (car a)) (car b)) ((null (car b)) (car a)) (t (max (car a) (car b)))))
        (hi (cond ((null (cdr a)) (cdr b)) ((null (cdr b)) (cdr a)) (t (min (cdr a) (cdr b))))))
    (if (and lo hi (> lo hi)) :empty (cons lo hi))))

(defun %int-covered (p negs)
  (let ((x (car p)) (hi (cdr p)))
    (loop
      (when (and x hi (> x hi)) (return t))
      (let ((found nil) (best nil))
        (dolist (n negs)
          (when (and (if x (or (null (car n)) (<= (car n) x)) (null (car n)))
                     (or (null x) (null (cdr n)) (>= (cdr n) x)))
            (cond ((not found) (setq found t best (cdr n)))
                  ((null best))
                  ((or (null (cdr n)) (> (cdr n) best)) (setq best (cdr n))))))
        (unless found (return nil))
        (when (null best) (return t))
        (setq x (+ best 1))))))

;;; Ratios and floats: (lo lo-open hi hi-open); a bound is a key (rational . z), z being
;;; -1 for -0.0, 1 for +0.0 and 0 otherwise, so -0.0 < +0.0 and (member -0.0) is a point.
(defun %kcmp (a b)
  (cond ((< (car a) (car b)) -1) ((> (car a) (car b)) 1)
        ((< (cdr a) (cdr b)) -1) ((> (cdr a) (cdr b)) 1) (t 0)))

(defun %num-key (kind x)
  (if (eq kind :ratio)
      (cons (rational x) 0)
      (cons (rational x) (if (zerop x) (if (minusp (float-sign x)) -1 1) 0))))

(defun %dense-atom (kind lo lo-open hi hi-open)
  "Normalizes float zero bounds: above -0.0 is from +0.0, below +0.0 is up to -0.0."
  (unless (eq kind :ratio)
    (when (and lo lo-open (eql (car lo) 0) (eql (cdr lo) -1)) (setq lo (cons 0 1) lo-open nil))
    (when (and hi hi-open (eql (car hi) 0) (eql (cdr hi) 1)) (setq hi (cons 0 -1) hi-open nil)))
  (list lo lo-open hi hi-open))

(defun %dense-nonempty (kind a)
  (let ((lo (first a)) (hi (third a)))
    (or (null lo) (null hi)
        (let ((c (%kcmp lo hi)))
          (cond ((< c 0) t)
                ((> c 0) nil)
                (t (and (not (second a)) (not (fourth a))
                        (or (not (eq kind :ratio)) (not (integerp (car lo)))))))))))

(defun %dense-inter (kind a b)
  (let ((lo (first a)) (lo-open (second a)) (hi (third a)) (hi-open (fourth a)))
    (when (first b)
      (let ((c (if lo (%kcmp (first b) lo) 1)))
        (cond ((> c 0) (setq lo (first b) lo-open (second b)))
              ((= c 0) (setq lo-open (or lo-open (second b)))))))
    (when (third b)
      (let ((c (if hi (%kcmp (third b) hi) -1)))
        (cond ((< c 0) (setq hi (third b) hi-open (fourth b)))
              ((= c 0) (setq hi-open (or hi-open (fourth b)))))))
    (let ((r (%dense-atom kind lo lo-open hi hi-open)))
      (if (%dense-nonempty kind r) r :empty))))

(defun %dense-contains (kind a x)
  (and (eq (%obj-kind x) kind)
       (let ((k (%num-key kind x)))
         (and (or (null (first a)) (let ((c (%kcmp (first a) k))) (or (< c 0) (and (= c 0) (not (second a))))))
              (or (null (third a)) (let ((c (%kcmp k (third a)))) (or (< c 0) (and (= c 0) (not (fourth a))))))))))

(defun %dense-covered (kind p negs)
  (if (not (%dense-nonempty kind p))
      t
      (let ((c (first p)) (copen (second p)) (hi (third p)) (hi-open (fourth p)))
        (loop
          (when (and c copen (not (eq kind :ratio)) (eql (car c) 0) (eql (cdr c) -1))
            (setq c (cons 0 1) copen nil))
          (when (and c hi (let ((x (%kcmp c hi))) (or (> x 0) (and (= x 0) (or copen hi-open)))))
            (return t))
          (let ((best :none) (best-open nil))
            (dolist (n negs)
              (when (and (%dense-nonempty kind n)
                         (if c
                             (or (null (first n))
                                 (let ((x (%kcmp (first n) c))) (or (< x 0) (and (= x 0) (or copen (not (second n)))))))
                             (null (first n)))
                         (or (null c) (null (third n))
                             (let ((x (%kcmp c (third n)))) (or (< x 0) (and (= x 0) (not copen) (not (fourth n)))))))
                (cond ((eq best :none) (setq best (third n) best-open (fourth n)))
                      ((null best))
                      ((null (third n)) (setq best nil))
                      (t (let ((x (%kcmp (third n) best)))
                           (when (or (> x 0) (and (= x 0) best-open (not (fourth n))))
                             (setq best (third n) best-open (fourth n))))))))
            (cond ((eq best :none)
                   ;; An integer is not a ratio: a gap of one integer point is no gap.
                   (if (and (eq kind :ratio) c (not copen) (integerp (car c)))
                       (setq copen t)
                       (return nil)))
                  ((null best) (return t))
                  (t (setq c best copen (not best-open)))))))))

;;; Conses: (:pair car-type . cdr-type). A x B minus C x D = (A-C) x B + (A&C) x (B-D).
(defun %pair-ty (x) (if (eq x :top) (%ty-universe) x))
(defun %pair-and (x y) (cond ((eq x :top) y) ((eq y :top) x) (t (%ty-and x y))))

;; Canonical types never hold an empty term (%ty-and drops them), so NIL is the empty type.
(defun %pairs-covered (a b negs)
  (let ((a (%pair-ty a)) (b (%pair-ty b)))
    (cond ((or (null a) (null b)) t)
          ((null negs) nil)
          (t (let* ((n (car negs)) (c (cadr n)) (d (cddr n)))
               (%and3 (if (eq c :top) t (%pairs-covered (%ty-and a (%ty-not c)) b (cdr negs)))
                      (let ((ac (if (eq c :top) a (%ty-and a c))))
                        (if (or (null ac) (eq d :top)) t
                            (%pairs-covered ac (%ty-and b (%ty-not d)) (cdr negs))))))))))

;;; Arrays: (:arr et simple dims), et an upgraded element type or *, simple :simple or
;;; :any, dims * or a list of * and integers.
(defun %array-inter (a b)
  (let ((et (cond ((eq (second a) '*) (second b)) ((eq (second b) '*) (second a))
                  ((equal (second a) (second b)) (second a)) (t :empty)))
        (simple (if (eq (third a) :simple) :simple (third b)))
        (dims (%dims-inter (fourth a) (fourth b))))
    (if (or (eq et :empty) (eq dims :empty)) :empty (list :arr et simple dims))))

(defun %dims-inter (a b)
  (cond ((eq a '*) b)
        ((eq b '*) a)
        ((/= (length a) (length b)) :empty)
        (t (let ((r nil))
             (dolist (x a (nreverse r))
               (let ((y (pop b)))
                 (cond ((eq x '*) (push y r))
                       ((or (eq y '*) (eql x y)) (push x r))
                       (t (return :empty)))))))))

(defun %array-uaet-of (x)
  (let ((e (array-element-type x))) (if (member e '(base-char character)) 'character e)))

(defun %array-contains (a x)
  (and (arrayp x)
       (or (eq (second a) '*) (equal (second a) (%array-uaet-of x)))
       (or (eq (third a) :any) (%simple-array-p x))
       (or (eq (fourth a) '*)
           (and (= (length (fourth a)) (array-rank x))
                (let ((i 0))
                  (dolist (d (fourth a) t)
                    (unless (or (eq d '*) (eql d (array-dimension x i))) (return nil))
                    (setq i (+ i 1))))))))

(defun %array-covered (p negs)
  (let ((ets (if (eq (second p) '*) *%ty-array-ets* (list (second p))))
        (simps (if (eq (third p) :simple) '(:simple) '(:simple :nonsimple))))
    (dolist (et ets t)
      (dolist (simp simps)
        (let ((ns (remove-if-not (lambda (n) (and (or (eq (second n) '*) (equal (second n) et))
                                                  (or (eq (third n) :any) (eq simp :simple))))
                                 negs)))
          (unless (%dims-covered (fourth p) (mapcar #'fourth ns))
            (return-from %array-covered nil)))))))

(defun %dims-covered (p ns)
  (cond ((member '* ns) t)
        ((eq p '*)
         ;; Ranks no neg names are never covered.
         nil)
        (t (let ((rank (length p)) (ns (remove-if-not (lambda (n) (= (length n) (length p))) ns)))
             (labels ((axis-values (i)
                        (let ((d (nth i p)))
                          (if (eq d '*)
                              (let ((vs (list :other)))
                                (dolist (n ns vs) (let ((v (nth i n))) (unless (or (eq v '*) (member v vs)) (push v vs)))))
                              (list d))))
                      (walk (i point)
                        (if (= i rank)
                            (let ((pt (reverse point)))
                              (dolist (n ns nil)
                                (when (every (lambda (d v) (or (eq d '*) (eql d v))) n pt) (return t))))
                            (dolist (v (axis-values i) t)
                              (unless (walk (+ i 1) (cons v point)) (return nil))))))
               (walk 0 nil))))))

;;; Other objects: (:classes . conjunction of classes). Each concrete class below the
;;; conjunction stands for its direct instances; T stands for objects of no class here.
(defvar *%object-classes-cache* nil)     ; (stamp . classes)

(defun %object-kind-class-p (c)
  (and (not (%forward-referenced-p c))
       (let ((cpl (%class-precedence-list c)))
         (dolist (n '(number character symbol sequence array) t)
           (when (member (find-class n) cpl :test #'eq) (return nil))))))

(defun %object-classes ()
  (if (and *%object-classes-cache* (eql (car *%object-classes-cache*) *%class-stamp*))
      (cdr *%object-classes-cache*)
      (let ((seen nil) (todo (list (find-class 't))))
        (loop (when (null todo) (return))
              (let ((c (pop todo)))
                (unless (member c seen :test #'eq)
                  (push c seen)
                  (dolist (s (%class-direct-subclasses c)) (push s todo)))))
        (let ((r (remove-if-not #'%object-kind-class-p seen)))
          (setq *%object-classes-cache* (cons *%class-stamp* r))
          r))))

(defun %class-conj-merge (a b)
  (let ((r (copy-list a)))
    (dolist (c b)
      (unless (some (lambda (x) (%subclassp x c)) r)
        (setq r (cons c (remove-if (lambda (x) (%subclassp c x)) r)))))
    r))

(defun %classes-covered (p negs)
  (dolist (x (%object-classes) t)
    (when (every (lambda (c) (%subclassp x c)) (cdr p))
      (unless (dolist (n negs nil)
                (when (every (lambda (c) (%subclassp x c)) (cdr n)) (return t)))
        (return nil)))))
