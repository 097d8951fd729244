;;;; 53-clos-dispatch.lisp — discriminating functions (issue 15). Why: a generic call
;;;; should cost a key per specialized argument and one compare, not a walk over the
;;;; record. A generic function's disc (args -> values) is built on its first call after
;;;; every change (add-method, remove-method, class redefinition: %clear-gf-cache) for the
;;;; shape it has then: its arity and the positions it dispatches on. A key is a
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

;;; Spread discs. A generic function of exactly one or two required arguments (no
;;; &optional, &rest or &key) gets a disc taking them as arguments (the VM checks the
;;; count) and cache entries that take them too (sfns): a most specific primary method
;;; with a fast function (all applicable methods primary) is the sfn, an accessor's sfn
;;; reads the slot, any other emf is wrapped. Such a call conses nothing and is two Lisp
;;; calls: the disc, then the method.

(defun %gf-spread-p (gf)
  (and (not (%gf-more gf)) (or (eql (%gf-nreq gf) 1) (eql (%gf-nreq gf) 2))))

(defmacro %arity-ok (kind args)
  "Is the argument list ARGS right for an arity of KIND: :fixed (exactly nreq, a
variable where this expands) or :more (at least nreq)?"
  (if (eq kind :fixed) `(eql (length ,args) nreq) `(>= (length ,args) nreq)))

(defmacro %disc-1 (kind get eqlp)
  "The disc of a generic function dispatching on one argument, read by GET; EQLP when
that position has eql specializers: an argument eql to the j-th value of the vector
eqlvec (key -1-j from %dispatch-key) finds its emf in slot j of the vector eqlemfs
(filled from the table's key -1-j), any other argument goes by its class key. KIND 1 or
2: a spread disc of that many arguments (a b), else one of an argument list. Uses the
variables of %build-disc. Lisp functions that could change a generic function are only
tail-called (see %set-funcallable-function)."
  (let* ((spread (member kind '(1 2)))
         (params (case kind (1 '(a)) (2 '(a b)) (t '(&rest args))))
         (call (lambda (f) (if spread `(funcall ,f ,@params) `(funcall ,f args))))
         (miss (if spread `(%gf-miss gf (list ,@params)) '(%gf-miss gf args)))
         (by-class
           `(progn
              (if (eq k k1)
                  ,(funcall call 'e1)
                  (let ((e (gethash k table)))
                    (if e
                        (progn (setq k1 k e1 e) ,(funcall call 'e))
                        ,miss))))))
    `(lambda ,params
       ,@(if spread nil `((unless (%arity-ok ,kind args) (%gf-arity-error gf (length args)))))
       (let* ((x ,get) (k (%dispatch-key x eqlvec fixstamp)))
         (if (null k) (setq k (%class-stamp (class-of x))))
         ,(if eqlp
              `(if (< k 0)
                   (let* ((j (- -1 k)) (e (svref eqlemfs j)))
                     (if e
                         ,(funcall call 'e)
                         (let ((e (gethash k table)))
                           (if e
                               (progn (setf (svref eqlemfs j) e) ,(funcall call 'e))
                               ,miss))))
                   ,by-class)
              by-class)))))

(defmacro %select-disc-1 ()
  "A cond choosing the %disc-1 instance for kind, position i and eqlp."
  `(cond
     ,@(let ((clauses nil))
         (dolist (kind '(1 2 :fixed :more))
           (dolist (pos '(0 1 :n))
             (unless (or (and (eql kind 1) (not (eql pos 0))) (and (eql kind 2) (eq pos :n)))
               (dolist (e '(nil t))
                 (push `((and (eql kind ',kind) ,(if (eq pos :n) t `(eql i ,pos)) (eq eqlp ,e))
                         (%disc-1 ,kind ,(case kind
                                           (1 'a)
                                           (2 (if (eql pos 0) 'a 'b))
                                           (t (case pos (0 '(car args)) (1 '(car (cdr args))) (t '(nth i args)))))
                                  ,e))
                       clauses)))))
         (nreverse clauses))))

(defun %gf-accessor-kind (gf)
  "Are all methods of GF standard readers (1 argument) or all writers (2), unqualified, in
the standard combination?"
  (let ((ms (%gf-methods gf)) (want (if (eql (%gf-nreq gf) 1) :reader :writer)))
    (and ms (eq (car (%gf-combination gf)) 'standard)
         (every (lambda (m) (and (null (%method-qualifiers m)) (%method-accessor m)
                                 (eq (car (%method-accessor m)) want)))
                ms))))

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
  (let ((d (%build-disc gf args)) (f (%gf-function gf)))
    (setf (%gf-disc gf) d)
    (unless (%set-funcallable-function f d)
      (%set-funcallable-function f (lambda (&rest args) (apply d args))))
    (apply d args)))

(defun %build-disc (gf args)
  (let* ((positions (%gf-positions gf)) (kind (%gf-arity-kind gf)) (nreq (%gf-nreq gf))
         (eqlv (%gf-eql-values gf)) (k1 nil) (k2 nil) (e1 nil))
    (cond
      ((null positions)                 ; every method applies: one emf
       (let ((emf (%gf-compute-fn gf args)))
         (setf (%gf-cache gf) emf)
         (case kind
           (1 (lambda (a) (funcall emf a)))
           (2 (lambda (a b) (funcall emf a b)))
           (:more (lambda (&rest args)
                    (unless (%arity-ok :more args) (%gf-arity-error gf (length args)))
                    (funcall emf args)))
           (t (lambda (&rest args)
                (unless (%arity-ok :fixed args) (%gf-arity-error gf (length args)))
                (funcall emf args))))))
      ((and (member kind '(1 2)) (equal positions (list (1- nreq))) (%gf-accessor-kind gf))
       ;; Only reader (writer) methods: the slot is read (written) here, without a call,
       ;; at the location the slot cache #(layout loc ...) gives for the instance's layout
       ;; (filled by %accessor-emf on misses, up to 8 classes); else the usual disc.
       (let* ((table (setf (%gf-cache gf) (make-hash-table))) (i (car positions))
              (eqlp nil) (eqlvec nil) (eqlemfs nil) (fixstamp *%fixnum-stamp*)
              (d (%select-disc-1))
              (rc (setf (%gf-slot-cache gf) (make-array 16 :initial-element nil))))
         (if (eql kind 1)
             (lambda (a)
               (let ((v (%slot-at-layouts a rc '%unbound)))
                 (if (eq v '%unbound) (funcall d a) v)))
             (lambda (a b)
               (if (%set-slot-at-layouts b rc a) a (funcall d a b))))))
      ((null (cdr positions))
       (let* ((table (setf (%gf-cache gf) (make-hash-table))) (i (car positions))
              (eqls (svref eqlv i)) (eqlp (and eqls t))
              (eqlvec (and eqls (coerce eqls 'simple-vector))) (fixstamp *%fixnum-stamp*)
              (eqlemfs (and eqls (make-array (length eqls) :initial-element nil))))
         (%select-disc-1)))
      ((and (null (cddr positions)) (eql kind 2))
       (let ((table (setf (%gf-cache gf) (make-hash-table)))
             (ea (svref eqlv 0)) (eb (svref eqlv 1)))
         (lambda (a b)
           (let ((ka (if ea (%arg-key ea a) (%class-key a)))
                 (kb (if eb (%arg-key eb b) (%class-key b))))
             (if (and (eq ka k1) (eq kb k2))
                 (funcall e1 a b)
                 (let* ((sub (gethash ka table)) (e (and sub (gethash kb sub))))
                   (if e
                       (progn (setq k1 ka k2 kb e1 e) (funcall e a b))
                       (%gf-miss gf (list a b)))))))))
      ((null (cddr positions))
       (let* ((table (setf (%gf-cache gf) (make-hash-table)))
              (ia (car positions)) (ib (cadr positions))
              (ea (svref eqlv ia)) (eb (svref eqlv ib)))
         (lambda (&rest args)
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
       (lambda (&rest args)
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

(defun %accessor-emf (gf methods args spread)
  "For a lone standard reader or writer method and an up-to-date standard instance: an
emf (an sfn when SPREAD) reading the slot at its index when the instance has this
wrapper (the cache entry is per class, so the wrapper is that class's), else the method."
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
              (let ((rc (and spread (%gf-slot-cache gf))))   ; the accessor disc's slot cache
                (when rc
                  (dotimes (j (floor (length rc) 2))
                    (when (or (null (svref rc (* 2 j))) (eq (svref rc (* 2 j)) w))
                      (setf (svref rc (+ 1 (* 2 j))) loc (svref rc (* 2 j)) w)
                      (return)))))
              (cond
                ((and writer spread)
                 (lambda (v x)
                   (if (%set-slot-at-layout x w loc v) v (funcall fn (list v x) nil))))
                (writer
                 (lambda (args)
                   (let ((x (car (cdr args))))
                     (if (and (%instance-p x) (eq (%instance-layout x) w))
                         (setf (svref (%instance-ref x 0) loc) (car args))
                         (funcall fn args nil)))))
                (spread                 ; an unbound slot or another layout: the method
                 (lambda (x)
                   (let ((v (%slot-at-layout x w loc '%unbound)))
                     (if (eq v '%unbound) (funcall fn (list x) nil) v))))
                (t
                 (lambda (args)
                   (let ((x (car args)))
                     (if (and (%instance-p x) (eq (%instance-layout x) w))
                         (let ((v (svref (%instance-ref x 0) loc)))
                           (if (eq v '%unbound) (funcall fn args nil) v))
                         (funcall fn args nil)))))))))))))

(defun %gf-compute-emf (gf args)
  (let ((methods (%compute-applicable-methods gf args)))
    (or (%accessor-emf gf methods args nil)
        (%keyword-checker gf methods (%compute-effective-method-function gf methods)))))

(defun %gf-compute-sfn (gf args)
  "The emf for ARGS as a function of the required arguments (a spread generic function)."
  (let* ((methods (%compute-applicable-methods gf args)) (m (car methods)))
    (or (%accessor-emf gf methods args t)
        ;; The most specific method runs alone when every applicable method is an
        ;; unqualified primary of the standard combination and it has a fast function
        ;; (it does not call the next method).
        (and m (%method-fast m) (eq (car (%gf-combination gf)) 'standard)
             (every (lambda (m) (null (%method-qualifiers m))) methods)
             (%method-fast m))
        (let ((emf (%keyword-checker gf methods (%compute-effective-method-function gf methods))))
          (if (eql (%gf-nreq gf) 1)
              (lambda (a) (funcall emf (list a)))
              (lambda (a b) (funcall emf (list a b))))))))

(defun %gf-compute-fn (gf args)
  (if (%gf-spread-p gf) (%gf-compute-sfn gf args) (%gf-compute-emf gf args)))

(defun %gf-miss (gf args)
  "Computes the emf (sfn) for ARGS, files it in the record's cache, and calls it."
  (let ((emf (%gf-compute-fn gf args))
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
    (if (%gf-spread-p gf) (apply emf args) (funcall emf args))))
