;;;; 53-clos-dispatch.lisp — discriminating functions (issue 15). Why: a generic call
;;;; should cost a key per specialized argument and one compare, not a walk over the
;;;; record. A generic function's disc (args -> values) is built on its first call after
;;;; every change (add-method, remove-method, class redefinition: %clear-gf-cache) for the
;;;; shape it has then: its arity check and the positions it dispatches on. A key is a
;;;; class stamp, or -1-k for the k-th eql specializer value of that position. The disc
;;;; keeps the last key and effective method function (emf) it used (an inline cache)
;;;; and falls back to the record's cache, nested eql tables keyed by position.

(defun %gf-arity-error (gf n)
  (error '%simple-program-error :format-control "Wrong number of arguments (~D) to the generic function ~S."
                                :format-arguments (list n (%gf-name gf))))

(defvar *%fixnum-stamp* (%class-stamp (find-class 'integer)))

(defmacro %class-key (x)
  "The class stamp of X: a standard instance's from its wrapper, a fixnum's without
calling class-of (eql-specialized arithmetic dispatches on fixnums)."
  `(or (%wrapper-stamp ,x) (if (fixnump ,x) *%fixnum-stamp* (%class-stamp (class-of ,x)))))

(defun %arg-key (eqls arg)
  (if eqls
      (let ((k -1) (l eqls))
        (loop (cond ((null l) (return (%class-key arg)))
                    ((eql (car l) arg) (return k)))
              (setq k (- k 1) l (cdr l))))
      (%class-key arg)))

(defmacro %arity-ok (kind args)
  "Is the argument list ARGS right for an arity of KIND: 1, 2 (exactly), :fixed (exactly
nreq, a variable where this expands) or :more (at least nreq)?"
  (case kind
    (1 `(and (consp ,args) (null (cdr ,args))))
    (2 `(and (consp ,args) (consp (cdr ,args)) (null (cdr (cdr ,args)))))
    (:fixed `(eql (length ,args) nreq))
    (t `(>= (length ,args) nreq))))

(defmacro %disc-1 (kind get eqlp)
  "The disc of a generic function dispatching on one argument, read by GET; EQLP when
that position has eql specializers: an argument eql to the j-th value finds its emf in
slot j of the vector eqlemfs (filled from the table's key -1-j), any other argument goes
by its class key. Uses the variables of %build-disc."
  `(lambda (args)
     (unless (%arity-ok ,kind args) (%gf-arity-error gf (length args)))
     (let ((x ,get))
       ,(let ((by-class
                `(let ((k (%class-key x)))
                   (if (eq k k1)
                       (funcall e1 args)
                       (let ((e (gethash k table)))
                         (if e
                             (progn (setq k1 k e1 e) (funcall e args))
                             (%gf-miss gf args)))))))
          (if eqlp
              `(let ((j 0) (l eqls))
                 (loop (cond ((null l) (return (setq j nil)))
                             ((eql (car l) x) (return)))
                       (setq j (+ j 1) l (cdr l)))
                 (if j
                     (let ((e (svref eqlemfs j)))
                       (if e
                           (funcall e args)
                           (let ((e (gethash (- -1 j) table)))
                             (if e
                                 (progn (setf (svref eqlemfs j) e) (funcall e args))
                                 (%gf-miss gf args)))))
                     ,by-class))
              by-class)))))

(defmacro %select-disc-1 ()
  "A cond choosing the %disc-1 instance for kind, position i and eqlp."
  `(cond
     ,@(let ((clauses nil))
         (dolist (kind '(1 2 :fixed :more))
           (dolist (pos '(0 1 :n))
             (unless (and (eql kind 1) (not (eql pos 0)))
               (dolist (e '(nil t))
                 (push `((and (eql kind ',kind) ,(if (eq pos :n) t `(eql i ,pos)) (eq eqlp ,e))
                         (%disc-1 ,kind ,(case pos (0 '(car args)) (1 '(car (cdr args))) (t '(nth i args))) ,e))
                       clauses)))))
         (nreverse clauses))))

(defun %gf-arity-kind (gf)
  (let ((nreq (%gf-nreq gf)))
    (cond ((%gf-more gf) :more)
          ((eql nreq 1) 1)
          ((eql nreq 2) 2)
          (t :fixed))))

(defun %gf-first-call (gf args)
  (let ((nreq (%gf-nreq gf)) (n (length args)))
    (when (or (< n nreq) (and (> n nreq) (not (%gf-more gf))))
      (%gf-arity-error gf n)))
  (let ((d (%build-disc gf args)))
    (setf (%gf-disc gf) d)
    (funcall d args)))

(defun %build-disc (gf args)
  (let* ((positions (%gf-positions gf)) (kind (%gf-arity-kind gf)) (nreq (%gf-nreq gf))
         (eqlv (%gf-eql-values gf)) (k1 nil) (k2 nil) (e1 nil))
    (cond
      ((null positions)                 ; every method applies: one emf
       (let ((emf (%gf-compute-emf gf args)))
         (setf (%gf-cache gf) emf)
         (if (eq kind :more)
             (lambda (args)
               (unless (%arity-ok :more args) (%gf-arity-error gf (length args)))
               (funcall emf args))
             (lambda (args)
               (unless (%arity-ok :fixed args) (%gf-arity-error gf (length args)))
               (funcall emf args)))))
      ((null (cdr positions))
       (let* ((table (setf (%gf-cache gf) (make-hash-table))) (i (car positions))
              (eqls (svref eqlv i)) (eqlp (and eqls t))
              (eqlemfs (and eqls (make-array (length eqls) :initial-element nil))))
         (%select-disc-1)))
      ((null (cddr positions))
       (let* ((table (setf (%gf-cache gf) (make-hash-table)))
              (ia (car positions)) (ib (cadr positions))
              (ea (svref eqlv ia)) (eb (svref eqlv ib)))
         (lambda (args)
           (unless (if (eq kind :more) (%arity-ok :more args) (%arity-ok :fixed args))
             (%gf-arity-error gf (length args)))
           (let* ((xa (nth ia args)) (xb (nth ib args))
                  (ka (if ea (%arg-key ea xa) (%class-key xa)))
                  (kb (if eb (%arg-key eb xb) (%class-key xb))))
             (if (and (eq ka k1) (eq kb k2))
                 (funcall e1 args)
                 (let* ((sub (gethash ka table)) (e (and sub (gethash kb sub))))
                   (if e
                       (progn (setq k1 ka k2 kb e1 e) (funcall e args))
                       (%gf-miss gf args))))))))
      (t
       (setf (%gf-cache gf) (make-hash-table))
       (lambda (args)
         (unless (if (eq kind :more) (%arity-ok :more args) (%arity-ok :fixed args))
           (%gf-arity-error gf (length args)))
         (let ((table (%gf-cache gf)) (ps positions))
           (loop
             (let* ((i (car ps)) (next (gethash (%arg-key (svref eqlv i) (nth i args)) table)))
               (setq ps (cdr ps))
               (cond ((null next) (return (%gf-miss gf args)))
                     ((null ps) (return (funcall next args)))
                     (t (setq table next)))))))))))

(defun %keyword-checker (gf methods emf)
  "EMF, checking the keyword arguments first when the generic function takes &key
(CLHS 7.6.5: valid are its own keys and those of every applicable method)."
  (multiple-value-bind (nreq nopt restp keyp keys aok) (%ll-analyze (%gf-lambda-list gf))
    (declare (ignore restp))
    (if (or (not keyp) aok (some #'%method-allow-other-keys methods))
        emf
        (let ((valid keys) (nfixed (+ nreq nopt)))
          (dolist (m methods) (setq valid (append (%method-keys m) valid)))
          (lambda (args)
            (let ((l (nthcdr nfixed args)))
              (when (oddp (length l))
                (error '%simple-program-error :format-control "Odd number of keyword arguments ~S to ~S."
                                              :format-arguments (list l (%gf-name gf))))
              (unless (getf l :allow-other-keys)
                (loop (when (null l) (return))
                      (unless (or (member (car l) valid) (eq (car l) :allow-other-keys))
                        (error '%simple-program-error :format-control "Invalid keyword argument ~S to ~S."
                                                      :format-arguments (list (car l) (%gf-name gf))))
                      (setq l (cddr l)))))
            (funcall emf args))))))

(defun %accessor-emf (gf methods args)
  "For a lone standard reader or writer method and an up-to-date standard instance: an
emf reading the slot at its index when the instance has this wrapper (the cache entry is
per class, so the wrapper is that class's), else the method."
  (let ((m (car methods)))
    (when (and m (null (cdr methods)) (%method-accessor m) (null (%method-qualifiers m))
               (eq (car (%gf-combination gf)) 'standard))
      (let* ((writer (eq (car (%method-accessor m)) :writer))
             (x (if writer (cadr args) (car args))))
        (when (and (%std-instance-p x) (not (svref (%instance-layout x) 5)))
          (let* ((w (%instance-layout x))
                 (loc (cdr (%assq (cdr (%method-accessor m)) (svref w 4))))
                 (fn (%method-function m)))
            (when (fixnump loc)
              (if writer
                  (lambda (args)
                    (let ((x (car (cdr args))))
                      (if (and (%instance-p x) (eq (%instance-layout x) w))
                          (setf (svref (%instance-ref x 0) loc) (car args))
                          (funcall fn args nil))))
                  (lambda (args)
                    (let ((x (car args)))
                      (if (and (%instance-p x) (eq (%instance-layout x) w))
                          (let ((v (svref (%instance-ref x 0) loc)))
                            (if (eq v '%unbound) (funcall fn args nil) v))
                          (funcall fn args nil))))))))))))

(defun %gf-compute-emf (gf args)
  (let ((methods (%compute-applicable-methods gf args)))
    (or (%accessor-emf gf methods args)
        (%keyword-checker gf methods (%compute-effective-method-function gf methods)))))

(defun %gf-miss (gf args)
  "Computes the emf for ARGS, files it in the record's cache, and calls it."
  (let ((emf (%gf-compute-emf gf args))
        (positions (%gf-positions gf)) (eqls (%gf-eql-values gf)) (table (%gf-cache gf)))
    (when (and positions (hash-table-p table))
      (loop
        (let* ((i (car positions)) (key (%arg-key (svref eqls i) (nth i args))))
          (setq positions (cdr positions))
          (if (null positions)
              (progn (setf (gethash key table) emf) (return))
              (let ((next (gethash key table)))
                (unless next (setq next (make-hash-table)) (setf (gethash key table) next))
                (setq table next))))))
    (funcall emf args)))
