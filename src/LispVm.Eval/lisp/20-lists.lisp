;;;; 20-lists.lisp — list functions of CL (copy, search, sets, alists, plists, mapping).
;;;; Written with iteration (dolist/do/tagbody), never recursion on list length, so long
;;;; lists cannot exhaust the VM's stacks. The :key/:test/:test-not keyword convention is
;;;; implemented once by %test-fn/%key-fn and shared with the sequence functions.

(defun %key-fn (key) (if key (if (functionp key) key (fdefinition key)) nil))

;; A two-argument predicate from :test/:test-not (default eql).
(defun %test-fn (test test-not)
  (cond (test (if (functionp test) test (fdefinition test)))
        (test-not (let ((f (if (functionp test-not) test-not (fdefinition test-not))))
                    (lambda (a b) (not (funcall f a b)))))
        (t #'eql)))

(defun %fn (f) (if (functionp f) f (fdefinition f)))

(defun copy-alist (alist)
  (let ((r nil))
    (dolist (p alist (nreverse r))
      (push (if (consp p) (cons (car p) (cdr p)) p) r))))

;; Copy a tree with an explicit work stack: deep car-nesting must not overflow.
(defun copy-tree (tree)
  (if (atom tree) tree
      (let* ((root (cons (car tree) (cdr tree))) (stack (list root)))
        (tagbody
         top
           (when stack
             (let ((c (pop stack)))
               (when (consp (car c))
                 (let ((n (cons (car (car c)) (cdr (car c))))) (rplaca c n) (push n stack)))
               (when (consp (cdr c))
                 (let ((n (cons (car (cdr c)) (cdr (cdr c))))) (rplacd c n) (push n stack))))
             (go top)))
        root)))

;; The engine's one-argument LAST signals type-error on a circular list instead of looping.
(unless (fboundp '%last1)
  (%set-symbol-function '%last1 (symbol-function 'last)))

(defun last (list &optional (n 1))
  (if (eql n 1)
      (%last1 list)
      (let ((lead list))
        (%last1 list)                   ; the circularity check (no allocation)
        (dotimes (i n) (if (consp lead) (setq lead (cdr lead)) (return)))
        (tagbody top (when (consp lead) (setq lead (cdr lead) list (cdr list)) (go top)))
        list)))

(defun butlast (list &optional (n 1))
  (%last1 list)                         ; type-error on a circular list, not a hang
  (let ((len 0))
    (do ((l list (cdr l))) ((atom l)) (setq len (+ len 1)))
    (let ((k (- len n)) (r nil))
      (dotimes (i k) (push (car list) r) (setq list (cdr list)))
      (nreverse r))))

(defun nbutlast (list &optional (n 1))
  (%last1 list)                         ; type-error on a circular list, not a hang
  (let ((len 0))
    (do ((l list (cdr l))) ((atom l)) (setq len (+ len 1)))
    (if (<= len n) nil
        (progn (rplacd (nthcdr (- len n 1) list) nil) list))))

(defun ldiff (list object)
  (let ((r nil) (l list))
    (tagbody top
       (when (and (consp l) (not (eql l object)))
         (push (car l) r) (setq l (cdr l)) (go top)))
    (let ((res (nreverse r)))
      (cond ((or (null l) (eql l object)) res)
            (res (rplacd (last res) l) res)
            (t l)))))

(defun tailp (object list)
  (do ((l list (cdr l))) ((atom l) (eql l object))
    (when (eql l object) (return t))))

(defun nreconc (x y)
  (tagbody top
     (when (consp x) (let ((next (cdr x))) (rplacd x y) (setq y x x next)) (go top)))
  y)

(defun make-list (size &key initial-element)
  (let ((r nil)) (dotimes (i size r) (setq r (cons initial-element r)))))

;;; Trees

;; FN returns (values replacement t) to replace a subtree, (values nil nil) to descend.
;; Recursion follows car depth only (bounded by the reader); cdr chains are iterated.
(defun %tree-map (fn tree)
  (multiple-value-bind (new hit) (funcall fn tree)
    (cond (hit new)
          ((atom tree) tree)
          (t (let* ((head (cons (%tree-map fn (car tree)) nil)) (tail head) (l (cdr tree)))
               (tagbody top
                  (multiple-value-bind (n h) (funcall fn l)
                    (cond (h (rplacd tail n))
                          ((atom l) (rplacd tail l))
                          (t (let ((c (cons (%tree-map fn (car l)) nil)))
                               (rplacd tail c) (setq tail c l (cdr l)) (go top))))))
               head)))))

(defun subst (new old tree &key key test test-not)
  (let ((tf (%test-fn test test-not)) (kf (%key-fn key)))
    (%tree-map (lambda (s) (if (funcall tf old (if kf (funcall kf s) s)) (values new t) (values nil nil)))
               tree)))
(defun subst-if (new pred tree &key key)
  (let ((kf (%key-fn key)) (pf (%fn pred)))
    (%tree-map (lambda (s) (if (funcall pf (if kf (funcall kf s) s)) (values new t) (values nil nil))) tree)))
(defun subst-if-not (new pred tree &key key)
  (let ((pf (%fn pred))) (subst-if new (lambda (x) (not (funcall pf x))) tree :key key)))
(defun nsubst (new old tree &rest keys) (apply #'subst new old tree keys))
(defun nsubst-if (new pred tree &rest keys) (apply #'subst-if new pred tree keys))
(defun nsubst-if-not (new pred tree &rest keys) (apply #'subst-if-not new pred tree keys))

(defun sublis (alist tree &key key test test-not)
  (let ((tf (%test-fn test test-not)) (kf (%key-fn key)))
    (%tree-map (lambda (s)
                 (let ((k (if kf (funcall kf s) s)))
                   (dolist (p alist (values nil nil))
                     (when (and p (funcall tf (car p) k)) (return (values (cdr p) t))))))
               tree)))
(defun nsublis (alist tree &rest keys) (apply #'sublis alist tree keys))

(defun tree-equal (x y &key test test-not)
  (let ((tf (%test-fn test test-not)) (stack (list (cons x y))))
    (tagbody top
       (when stack
         (let* ((p (pop stack)) (a (car p)) (b (cdr p)))
           (cond ((and (consp a) (consp b))
                  (push (cons (cdr a) (cdr b)) stack) (push (cons (car a) (car b)) stack))
                 ((or (consp a) (consp b)) (return-from tree-equal nil))
                 ((not (funcall tf a b)) (return-from tree-equal nil))))
         (go top)))
    t))

;;; Membership, alists

(defun member (item list &key key test test-not)
  (if (or key test test-not)
      (let ((tf (%test-fn test test-not)) (kf (%key-fn key)))
        (do ((l list (cdr l))) ((atom l) nil)
          (when (funcall tf item (if kf (funcall kf (car l)) (car l))) (return l))))
      (do ((l list (cdr l))) ((atom l) nil)
        (when (eql item (car l)) (return l)))))

(defun member-if (pred list &key key)
  (let ((pf (%fn pred)) (kf (%key-fn key)))
    (do ((l list (cdr l))) ((atom l) nil)
      (when (funcall pf (if kf (funcall kf (car l)) (car l))) (return l)))))
(defun member-if-not (pred list &key key)
  (let ((pf (%fn pred))) (member-if (lambda (x) (not (funcall pf x))) list :key key)))

(defun assoc (item alist &key key test test-not)
  (if (or key test test-not)
      (let ((tf (%test-fn test test-not)) (kf (%key-fn key)))
        (dolist (p alist nil)
          (when (and p (funcall tf item (if kf (funcall kf (car p)) (car p)))) (return p))))
      (dolist (p alist nil) (when (and p (eql item (car p))) (return p)))))
(defun assoc-if (pred alist &key key)
  (let ((pf (%fn pred)) (kf (%key-fn key)))
    (dolist (p alist nil) (when (and p (funcall pf (if kf (funcall kf (car p)) (car p)))) (return p)))))
(defun assoc-if-not (pred alist &key key)
  (let ((pf (%fn pred))) (assoc-if (lambda (x) (not (funcall pf x))) alist :key key)))
(defun rassoc (item alist &key key test test-not)
  (let ((tf (%test-fn test test-not)) (kf (%key-fn key)))
    (dolist (p alist nil)
      (when (and p (funcall tf item (if kf (funcall kf (cdr p)) (cdr p)))) (return p)))))
(defun rassoc-if (pred alist &key key)
  (let ((pf (%fn pred)) (kf (%key-fn key)))
    (dolist (p alist nil) (when (and p (funcall pf (if kf (funcall kf (cdr p)) (cdr p)))) (return p)))))
(defun rassoc-if-not (pred alist &key key)
  (let ((pf (%fn pred))) (rassoc-if (lambda (x) (not (funcall pf x))) alist :key key)))

(defun acons (key datum alist) (cons (cons key datum) alist))
(defun pairlis (keys data &optional alist)
  (do ((k keys (cdr k)) (d data (cdr d))) ((or (atom k) (atom d)) alist)
    (setq alist (acons (car k) (car d) alist))))

;;; Sets (order of results follows the first list)

(defun adjoin (item list &key key test test-not)
  (let ((kf (%key-fn key)))
    (if (member (if kf (funcall kf item) item) list :key key :test test :test-not test-not)
        list (cons item list))))

(defun %in-set (x list kf tf)
  (let ((k (if kf (funcall kf x) x)))
    (do ((l list (cdr l))) ((atom l) nil)
      (when (funcall tf k (if kf (funcall kf (car l)) (car l))) (return t)))))

(defun union (list1 list2 &key key test test-not)
  (let ((kf (%key-fn key)) (tf (%test-fn test test-not)) (r (reverse list2)))
    (dolist (x list1) (unless (%in-set x list2 kf tf) (push x r)))
    (nreverse r)))
(defun nunion (l1 l2 &rest keys) (apply #'union l1 l2 keys))

(defun intersection (list1 list2 &key key test test-not)
  (let ((kf (%key-fn key)) (tf (%test-fn test test-not)) (r nil))
    (dolist (x list1 (nreverse r)) (when (%in-set x list2 kf tf) (push x r)))))
(defun nintersection (l1 l2 &rest keys) (apply #'intersection l1 l2 keys))

(defun set-difference (list1 list2 &key key test test-not)
  (let ((kf (%key-fn key)) (tf (%test-fn test test-not)) (r nil))
    (dolist (x list1 (nreverse r)) (unless (%in-set x list2 kf tf) (push x r)))))
(defun nset-difference (l1 l2 &rest keys) (apply #'set-difference l1 l2 keys))

(defun set-exclusive-or (list1 list2 &key key test test-not)
  (let ((kf (%key-fn key)) (tf (%test-fn test test-not)) (r nil))
    (dolist (x list1) (unless (%in-set x list2 kf tf) (push x r)))
    (dolist (x list2) (unless (%in-set x list1 kf (lambda (a b) (funcall tf b a))) (push x r)))
    (nreverse r)))
(defun nset-exclusive-or (l1 l2 &rest keys) (apply #'set-exclusive-or l1 l2 keys))

(defun subsetp (list1 list2 &key key test test-not)
  (let ((kf (%key-fn key)) (tf (%test-fn test test-not)))
    (dolist (x list1 t) (unless (%in-set x list2 kf tf) (return nil)))))

;;; Mapping. The one-list case is the hot path; several lists stop at the shortest.

(defun %cars (lists)
  "The cars of LISTS, or :end when one of them is exhausted; advances LISTS in place."
  (let ((r nil))
    (do ((l lists (cdr l))) ((null l) (nreverse r))
      (when (atom (car l)) (return :end))
      (push (car (car l)) r)
      (rplaca l (cdr (car l))))))

(defun mapcar (fn list &rest more)
  (let ((f (%fn fn)) (r nil))
    (if (null more)
        (dolist (x list) (push (funcall f x) r))
        (let ((ls (cons list (copy-list more))))
          (tagbody top
             (let ((args (%cars ls)))
               (unless (eq args :end) (push (apply f args) r) (go top))))))
    (nreverse r)))

(defun mapc (fn list &rest more)
  (let ((f (%fn fn)))
    (if (null more)
        (dolist (x list) (funcall f x))
        (let ((ls (cons list (copy-list more))))
          (tagbody top
             (let ((args (%cars ls)))
               (unless (eq args :end) (apply f args) (go top))))))
    list))

(defun mapcan (fn list &rest more)
  (apply #'nconc (apply #'mapcar fn list more)))

(defun %tails (lists)
  (let ((r nil))
    (do ((l lists (cdr l))) ((null l) (nreverse r))
      (when (atom (car l)) (return :end))
      (push (car l) r)
      (rplaca l (cdr (car l))))))

(defun maplist (fn list &rest more)
  (let ((f (%fn fn)) (r nil) (ls (cons list (copy-list more))))
    (tagbody top
       (let ((args (%tails ls)))
         (unless (eq args :end) (push (apply f args) r) (go top))))
    (nreverse r)))

(defun mapl (fn list &rest more)
  (let ((f (%fn fn)) (ls (cons list (copy-list more))))
    (tagbody top
       (let ((args (%tails ls)))
         (unless (eq args :end) (apply f args) (go top))))
    list))

(defun mapcon (fn list &rest more)
  (apply #'nconc (apply #'maplist fn list more)))

;;; Property lists

(defun getf (plist indicator &optional default)
  (do ((l plist (cddr l))) ((atom l) default)
    (when (eq (car l) indicator) (return (cadr l)))))

(defun get-properties (plist indicators)
  (do ((l plist (cddr l))) ((atom l) (values nil nil nil))
    (when (member (car l) indicators :test #'eq) (return (values (car l) (cadr l) l)))))

;;; The remaining three- and four-letter CxR accessors and their SETF forms.
(defun caaar (x) (car (car (car x))))
(defsetf caaar (x) (v) `(%setcar (car (car ,x)) ,v))
(defun caadr (x) (car (car (cdr x))))
(defsetf caadr (x) (v) `(%setcar (car (cdr ,x)) ,v))
(defun cadar (x) (car (cdr (car x))))
(defsetf cadar (x) (v) `(%setcar (cdr (car ,x)) ,v))
(defun cdaar (x) (cdr (car (car x))))
(defsetf cdaar (x) (v) `(%setcdr (car (car ,x)) ,v))
(defun cdadr (x) (cdr (car (cdr x))))
(defsetf cdadr (x) (v) `(%setcdr (car (cdr ,x)) ,v))
(defun cddar (x) (cdr (cdr (car x))))
(defsetf cddar (x) (v) `(%setcdr (cdr (car ,x)) ,v))
(defun caaaar (x) (car (car (car (car x)))))
(defsetf caaaar (x) (v) `(%setcar (car (car (car ,x))) ,v))
(defun caaadr (x) (car (car (car (cdr x)))))
(defsetf caaadr (x) (v) `(%setcar (car (car (cdr ,x))) ,v))
(defun caadar (x) (car (car (cdr (car x)))))
(defsetf caadar (x) (v) `(%setcar (car (cdr (car ,x))) ,v))
(defun caaddr (x) (car (car (cdr (cdr x)))))
(defsetf caaddr (x) (v) `(%setcar (car (cdr (cdr ,x))) ,v))
(defun cadaar (x) (car (cdr (car (car x)))))
(defsetf cadaar (x) (v) `(%setcar (cdr (car (car ,x))) ,v))
(defun cadadr (x) (car (cdr (car (cdr x)))))
(defsetf cadadr (x) (v) `(%setcar (cdr (car (cdr ,x))) ,v))
(defun caddar (x) (car (cdr (cdr (car x)))))
(defsetf caddar (x) (v) `(%setcar (cdr (cdr (car ,x))) ,v))
(defun cdaaar (x) (cdr (car (car (car x)))))
(defsetf cdaaar (x) (v) `(%setcdr (car (car (car ,x))) ,v))
(defun cdaadr (x) (cdr (car (car (cdr x)))))
(defsetf cdaadr (x) (v) `(%setcdr (car (car (cdr ,x))) ,v))
(defun cdadar (x) (cdr (car (cdr (car x)))))
(defsetf cdadar (x) (v) `(%setcdr (car (cdr (car ,x))) ,v))
(defun cdaddr (x) (cdr (car (cdr (cdr x)))))
(defsetf cdaddr (x) (v) `(%setcdr (car (cdr (cdr ,x))) ,v))
(defun cddaar (x) (cdr (cdr (car (car x)))))
(defsetf cddaar (x) (v) `(%setcdr (cdr (car (car ,x))) ,v))
(defun cddadr (x) (cdr (cdr (car (cdr x)))))
(defsetf cddadr (x) (v) `(%setcdr (cdr (car (cdr ,x))) ,v))
(defun cdddar (x) (cdr (cdr (cdr (car x)))))
(defsetf cdddar (x) (v) `(%setcdr (cdr (cdr (car ,x))) ,v))
(defun cddddr (x) (cdr (cdr (cdr (cdr x)))))
(defsetf cddddr (x) (v) `(%setcdr (cdr (cdr (cdr ,x))) ,v))
