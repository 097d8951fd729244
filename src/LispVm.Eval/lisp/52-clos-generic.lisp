;;;; 52-clos-generic.lisp — generic functions and methods: the %gf record behind each
;;;; generic function object (a closure registered in *%gf-records* that runs the code of
;;;; the record's discriminating function, the disc of 53-clos-dispatch, given to it in
;;;; place by %set-funcallable-function), methods, lambda-list congruence (CLHS 7.6.4)
;;;; and the applicable methods of an argument list.

(defstruct (%gf (:constructor %make-gf (name)) (:predicate %gf-p) (:copier nil)
                (:print-function %print-metaobject))
  name (lambda-list nil) (ll-set nil) (methods nil) (combination '(standard)) (cache nil)
  (positions nil) (eql-values nil) (function nil) (nreq 0) (more nil)
  (documentation nil) (declarations nil) (apo nil) (initial-methods nil) (class-name 'standard-generic-function)
  (disc nil)    ; the discriminating function, args -> values (53-clos-dispatch)
  (slot-cache nil))   ; an accessor disc's #(layout location ...), or nil

(defstruct (%method (:constructor %make-method) (:predicate %method-p) (:copier nil)
                    (:print-function %print-metaobject))
  (qualifiers nil) (specializers nil) (lambda-list nil) (function nil) (gf nil)
  (documentation nil) (keys nil) (allow-other-keys nil) (accessor nil)   ; accessor: (:reader/:writer . slot)
  (fast nil))   ; the body as a function of the required arguments (no next methods), or nil

(defun %gf-record-class (r) (find-class (%gf-class-name r)))

(defun %gf-record (gf &optional (errorp t))
  (cond ((%gf-p gf) gf)
        ((and (functionp gf) (gethash gf *%gf-records*)))
        (errorp (error 'type-error :datum gf :expected-type 'generic-function))
        (t nil)))

(defun %generic-function-p (x) (and (functionp x) (gethash x *%gf-records*) t))

;;; Lambda lists.
(defparameter %ll-keywords (quote (&optional &rest &key &allow-other-keys &aux &body &whole &environment)))

(defun %ll-analyze (ll)
  "(values nreq nopt restp keyp keys allow-other-keys-p) of an ordinary or specialized lambda list."
  (let ((mode :req) (nreq 0) (nopt 0) (restp nil) (keyp nil) (keys nil) (aok nil))
    (dolist (x ll)
      (case x
        (&optional (setq mode :opt))
        ((&rest &body) (setq mode :rest restp t))
        (&key (setq mode :key keyp t))
        (&allow-other-keys (setq aok t))
        (&aux (setq mode :aux))
        (t (case mode
             (:req (setq nreq (+ nreq 1)))
             (:opt (setq nopt (+ nopt 1)))
             (:key (push (if (and (consp x) (consp (car x))) (car (car x))
                             (intern (symbol-name (if (consp x) (car x) x)) "KEYWORD"))
                         keys))))))
    (values nreq nopt restp keyp (nreverse keys) aok)))

(defun %check-congruent (gf-ll method-ll name)
  (multiple-value-bind (r1 o1 rest1 key1 keys1 aok1) (%ll-analyze gf-ll)
    (multiple-value-bind (r2 o2 rest2 key2 keys2 aok2) (%ll-analyze method-ll)
      (unless (= r1 r2)
        (error "The method lambda list ~S of ~S has ~D required parameters, the generic function ~D."
               method-ll name r2 r1))
      (unless (= o1 o2)
        (error "The method lambda list ~S of ~S has ~D optional parameters, the generic function ~D."
               method-ll name o2 o1))
      (unless (eq (or rest1 key1) (or rest2 key2))
        (error "The method lambda list ~S of ~S and the generic function's disagree on &rest/&key."
               method-ll name))
      (when (and key1 key2 (not aok2) (not rest2))
        (dolist (k keys1)
          (unless (member k keys2)
            (error "The method lambda list ~S of ~S does not accept the keyword ~S of the generic function."
                   method-ll name k))))
      (when (and key1 (not key2) (not rest2) keys1 (not aok1))
        (error "The method lambda list ~S of ~S does not accept keywords." method-ll name))
      t)))

(defun %check-gf-lambda-list (ll)
  (let ((seen nil) (mode :req))
    (dolist (x ll)
      (cond ((member x '(&optional &rest &key &allow-other-keys))
             (when (member x seen) (error 'program-error))
             (push x seen) (setq mode x))
            ((member x '(&aux &body &whole &environment)) (error 'program-error))
            ((and (consp x) (member mode '(:req &rest))) (error 'program-error))
            ((and (consp x) (eq mode '&optional) (cdr x)) (error 'program-error))
            ((and (consp x) (eq mode '&key) (cdr x)) (error 'program-error))
            ((not (or (symbolp x) (consp x))) (error 'program-error))))
    t))

;;; Generic function objects.
(defun %gf-lambda-list-from-method (ll)
  "The lambda list a generic function gets from its first method (CLHS 7.6.4): the
required and optional names, &rest, and a bare &key when the method has keywords."
  (let ((r nil) (mode :req))
    (dolist (x ll (nreverse r))
      (case x
        (&optional (setq mode :opt) (push x r))
        ((&rest &body) (setq mode :rest) (push '&rest r))
        (&key (setq mode :key) (push '&key r))
        (&allow-other-keys nil)
        (&aux (return (nreverse r)))
        (t (case mode
             ((:req :opt) (push (if (consp x) (car x) x) r))
             (:rest (push x r))
             (t nil)))))))

(defun %fboundp-name (name) (fboundp (if (consp name) (%setf-name (cadr name)) name)))

(defun %gf-shell (gf c1 c2 c3 c4 c5 c6 c7 c8 c9 c10 c11)
  "A generic function object: a closure with room for 12 closed values, so that
%set-funcallable-function can give it the code of a disc (53-clos-dispatch) in place."
  (lambda (&rest args)
    (if c1 (list c1 c2 c3 c4 c5 c6 c7 c8 c9 c10 c11) (%gf-first-call gf args))))

(defun %make-gf-function (gf)
  (%gf-shell gf nil nil nil nil nil nil nil nil nil nil nil))

(defun %install-gf (name gf)
  (let ((f (%make-gf-function gf)))
    (setf (%gf-function gf) f)
    (%clear-gf-cache gf)
    (setf (gethash f *%gf-records*) gf)
    (when name (%set-fdefinition name f))
    f))

(defun %set-gf-lambda-list (gf ll)
  (multiple-value-bind (nreq nopt restp keyp) (%ll-analyze ll)
    (setf (%gf-lambda-list gf) ll (%gf-ll-set gf) t
          (%gf-nreq gf) nreq (%gf-more gf) (or (> nopt 0) restp keyp))))

(defun %clear-gf-cache (gf)
  "Forget every cached effective method: the next call builds a new disc. (The generic
function's own frame is never live here: its code only tail-calls Lisp functions.)"
  (setf (%gf-cache gf) nil (%gf-disc gf) nil (%gf-slot-cache gf) nil)
  (let ((f (%gf-function gf)))
    (when f (%set-funcallable-function f (lambda (&rest args) (%gf-first-call gf args))))))

(defvar *%all-gfs* nil)
(defun %clear-all-caches ()
  (dolist (g *%all-gfs*) (%clear-gf-cache g)))

(defun ensure-generic-function (function-name &key (lambda-list nil ll-p) (method-combination nil mc-p)
                                                   documentation argument-precedence-order declare
                                                   generic-function-class method-class environment
                                                &allow-other-keys)
  (declare (ignore method-class environment))
  (let* ((existing (and (%fboundp-name function-name)
                        (not (and (symbolp function-name) (macro-function function-name)))
                        (fdefinition function-name)))
         (gf (and existing (%gf-record existing nil))))
    (when (and (symbolp function-name)
               (or (special-operator-p function-name) (macro-function function-name)))
      (error 'program-error))
    (when (and existing (not gf))
      (error '%simple-program-error :format-control "~S already names an ordinary function, not a generic function."
                                    :format-arguments (list function-name)))
    (unless gf
      (setq gf (%make-gf function-name))
      (push gf *%all-gfs*)
      (%install-gf function-name gf))
    (when ll-p
      (%check-gf-lambda-list lambda-list)
      (dolist (m (%gf-methods gf)) (%check-congruent lambda-list (%method-lambda-list m) function-name))
      (%set-gf-lambda-list gf lambda-list))
    (when mc-p (setf (%gf-combination gf) (if (consp method-combination) method-combination (list method-combination))))
    (when documentation (setf (%gf-documentation gf) documentation))
    (when argument-precedence-order
      (let ((req (let ((r nil)) (dolist (x (%gf-lambda-list gf)) (when (member x %ll-keywords) (return)) (push x r)) r)))
        (unless (and (= (length req) (length argument-precedence-order))
                     (every (lambda (p) (= (count p argument-precedence-order) 1)) req))
          (error '%simple-program-error :format-control "Bad :argument-precedence-order ~S for the lambda list ~S."
                                        :format-arguments (list argument-precedence-order (%gf-lambda-list gf)))))
      (setf (%gf-apo gf) argument-precedence-order))
    (when declare (setf (%gf-declarations gf) declare))
    (when generic-function-class
      (setf (%gf-class-name gf) (if (symbolp generic-function-class) generic-function-class
                                    (%class-name generic-function-class))))
    (%clear-gf-cache gf)
    (%gf-function gf)))

;;; Methods.
(defun %specializer-matches-p (s arg)
  (if (consp s) (eql arg (cadr s)) (%clos-typep arg s)))

(defun %same-specializers (a b)
  (and (= (length a) (length b))
       (every (lambda (x y) (or (eq x y) (and (consp x) (consp y) (eql (cadr x) (cadr y))))) a b)))

(defun %update-dispatch-info (gf)
  (let* ((n (%gf-nreq gf)) (positions nil) (eqls (make-array n :initial-element nil)))
    (dolist (m (%gf-methods gf))
      (let ((i 0))
        (dolist (s (%method-specializers m))
          (unless (eq s (find-class 't))
            (pushnew i positions)
            (when (consp s) (pushnew (cadr s) (svref eqls i) :test #'eql)))
          (setq i (+ i 1)))))
    (setf (%gf-positions gf) (sort positions #'<) (%gf-eql-values gf) eqls)
    (%clear-gf-cache gf)))

(defvar *%method-epoch* 0)

(defun %add-method (gf method)
  (let ((gf (%gf-record gf)))
    (when (and (%method-gf method) (not (eq (%method-gf method) gf)))
      (error "~S is already a method of ~S." method (%gf-name (%method-gf method))))
    (if (%gf-ll-set gf)
        (%check-congruent (%gf-lambda-list gf) (%method-lambda-list method) (%gf-name gf))
        (%set-gf-lambda-list gf (%gf-lambda-list-from-method (%method-lambda-list method))))
    (let ((old (find-if (lambda (m) (and (equal (%method-qualifiers m) (%method-qualifiers method))
                                         (%same-specializers (%method-specializers m) (%method-specializers method))))
                        (%gf-methods gf))))
      (when old
        (setf (%gf-methods gf) (remove old (%gf-methods gf)))
        (setf (%method-gf old) nil)))
    (push method (%gf-methods gf))
    (setf (%method-gf method) gf)
    (setq *%method-epoch* (+ *%method-epoch* 1))
    (%update-dispatch-info gf)
    (%gf-function gf)))

(defun %remove-method (gf method)
  (let ((gf (%gf-record gf)))
    (when (member method (%gf-methods gf))
      (setf (%gf-methods gf) (remove method (%gf-methods gf)))
      (setf (%method-gf method) nil)
      (setq *%method-epoch* (+ *%method-epoch* 1))
      (%update-dispatch-info gf))
    (%gf-function gf)))

(defun %parse-specializer (s)
  (cond ((%class-p s) s)
        ((and (consp s) (eq (car s) 'eql)) s)
        ((symbolp s) (find-class s))
        (t (error "~S is not a specializer." s))))

(defun %find-method (gf qualifiers specializers errorp)
  (let* ((gf (%gf-record gf))
         (specs (mapcar #'%parse-specializer specializers)))
    (unless (= (length specs) (%gf-nreq gf))
      (error "~S: ~D specializers given, the generic function ~S takes ~D required arguments."
             'find-method (length specs) (%gf-name gf) (%gf-nreq gf)))
    (or (find-if (lambda (m) (and (equal (%method-qualifiers m) qualifiers)
                                  (%same-specializers (%method-specializers m) specs)))
                 (%gf-methods gf))
        (if errorp (error "No method of ~S with qualifiers ~S and specializers ~S." (%gf-name gf) qualifiers specializers) nil))))

;;; Applicable methods, most specific first (CLHS 7.6.6.1).
(defun %method-more-specific-p (m1 m2 args apo-order)
  (dolist (i apo-order nil)
    (let ((s1 (nth i (%method-specializers m1))) (s2 (nth i (%method-specializers m2))))
      (unless (or (eq s1 s2) (and (consp s1) (consp s2)))
        (return (cond ((consp s1) t)
                      ((consp s2) nil)
                      (t (let ((cpl (%class-precedence-list (class-of (nth i args)))))
                           (< (or (position s1 cpl) 1000000) (or (position s2 cpl) 1000000))))))))))

(defun %apo-order (gf)
  (let ((apo (%gf-apo gf)) (n (%gf-nreq gf)))
    (if apo
        (let ((req (let ((r nil)) (dolist (x (%gf-lambda-list gf)) (when (member x %ll-keywords) (return)) (push x r)) (nreverse r))))
          (mapcar (lambda (p) (position p req)) apo))
        (let ((r nil)) (dotimes (i n) (push i r)) (nreverse r)))))

(defun %compute-applicable-methods (gf args)
  (let ((app nil))
    (dolist (m (%gf-methods gf))
      (when (let ((a args))
              (dolist (s (%method-specializers m) t)
                (unless (%specializer-matches-p s (car a)) (return nil))
                (setq a (cdr a))))
        (push m app)))
    (let ((order (%apo-order gf)))
      (stable-sort (nreverse app) (lambda (a b) (%method-more-specific-p a b args order))))))

