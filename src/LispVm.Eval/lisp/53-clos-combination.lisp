;;;; 53-clos-combination.lisp — method combination: effective method functions built
;;;; from the sorted applicable methods. A method function takes (args next), next being
;;;; the rest of the chain as a function of args (or nil). The standard combination
;;;; (CLHS 7.6.6.2), the operator combinations (+ and append list max min nconc or progn,
;;;; and define-method-combination's short form) and its long form (7.6.6.4 via
;;;; call-method/make-method forms compiled once per cache miss).

(defun %method-chain (methods final)
  "A function of args calling the first method with the rest as its next methods. Method
functions take (args &optional next), so a lone method is its own chain."
  (cond
    ((null methods) final)
    ((and (null (cdr methods)) (null final)) (%method-function (car methods)))
    ((%method-fast (car methods))       ; it never calls the next method: the rest is dead
     (let ((f (%method-fast (car methods)))) (lambda (args) (apply f args))))
    (t
      (let ((fn (%method-function (car methods))) (next (%method-chain (cdr methods) final)))
        (lambda (args) (funcall fn args next))))))

(defun %method-caller (m)
  "(fast . function) of a method: a :before or :after method is called by its fast
function (on the arguments themselves) when it has one."
  (cons (%method-fast m) (%method-function m)))

(defun %no-applicable-emf (gf)
  (lambda (args) (apply #'no-applicable-method (%gf-function gf) args)))

(defun %invalid-qualifiers (gf m)
  (error "Method ~S of ~S has qualifiers ~S not allowed by its method combination ~S."
         m (%gf-name gf) (%method-qualifiers m) (car (%gf-combination gf))))

(defun %standard-emf (gf methods options)
  (declare (ignore options))
  (let ((primary nil) (before nil) (after nil) (around nil))
    (dolist (m methods)
      (let ((q (%method-qualifiers m)))
        (cond ((null q) (push m primary))
              ((null (cdr q))
               (case (car q)
                 (:before (push m before))
                 (:after (push m after))
                 (:around (push m around))
                 (t (%invalid-qualifiers gf m))))
              (t (%invalid-qualifiers gf m)))))
    ;; after stays reversed: least specific first, as :after methods run.
    (setq primary (nreverse primary) before (nreverse before) around (nreverse around))
    (if (null primary)
        (if (or before after around)
            (lambda (args) (declare (ignore args)) (error "No primary method of ~S is applicable." (%gf-name gf)))
            (%no-applicable-emf gf))
        (let* ((chain (%method-chain primary nil))
               (main (if (or before after)
                         (let ((bfns (mapcar #'%method-caller before))
                               (afns (mapcar #'%method-caller after)))
                           (lambda (args)
                             (dolist (p bfns) (if (car p) (apply (car p) args) (funcall (cdr p) args nil)))
                             (multiple-value-prog1 (funcall chain args)
                               (dolist (p afns) (if (car p) (apply (car p) args) (funcall (cdr p) args nil))))))
                         chain)))
          (if around (%method-chain around main) main)))))

(defun %operator-caller (operator fns)
  (let ((n (length fns)))
    (case operator
      (progn (lambda (args)
               (let ((l fns))
                 (loop (if (null (cdr l)) (return (funcall (car l) args nil)))
                       (funcall (car l) args nil) (setq l (cdr l))))))
      (and (lambda (args)
             (let ((l fns))
               (loop (if (null (cdr l)) (return (funcall (car l) args nil)))
                     (unless (funcall (car l) args nil) (return nil)) (setq l (cdr l))))))
      (or (lambda (args)
            (let ((l fns))
              (loop (if (null (cdr l)) (return (funcall (car l) args nil)))
                    (let ((v (funcall (car l) args nil))) (when v (return v))) (setq l (cdr l))))))
      (t (if (and (symbolp operator) (fboundp operator) (not (macro-function operator))
                  (not (special-operator-p operator)))
             (lambda (args)
               (apply operator (mapcar (lambda (f) (funcall f args nil)) fns)))
             (let ((vars nil))
               (dotimes (i n) (push (gensym "F") vars))
               (setq vars (nreverse vars))
               (let ((f (compile nil `(lambda (%fns %args)
                                        (destructuring-bind ,vars %fns
                                          (,operator ,@(mapcar (lambda (v) `(funcall ,v %args nil)) vars)))))))
                 (lambda (args) (funcall f fns args)))))))))

(defun %operator-emf (gf methods name operator identity options)
  (let ((order (if options (car options) :most-specific-first)) (around nil) (primary nil))
    (unless (member order '(:most-specific-first :most-specific-last))
      (error "Bad method combination order ~S for ~S." order name))
    (dolist (m methods)
      (let ((q (%method-qualifiers m)))
        (cond ((equal q '(:around)) (push m around))
              ((and q (eq (car q) name) (null (cdr q))) (push m primary))
              (t (%invalid-qualifiers gf m)))))
    (setq around (nreverse around) primary (nreverse primary))
    (when (eq order :most-specific-last) (setq primary (nreverse primary)))
    (if (null primary)
        (%no-applicable-emf gf)
        (let* ((fns (mapcar #'%method-function primary))
               (main (if (and identity (null (cdr fns)))
                         (let ((f (car fns))) (lambda (args) (funcall f args nil)))
                         (%operator-caller operator fns))))
          (if around (%method-chain around main) main)))))

;;; The registry: (get name '%method-combination) = function (gf methods options) -> emf.
(defun %compute-effective-method-function (gf methods)
  (let* ((mc (%gf-combination gf)) (f (get (car mc) '%method-combination)))
    (unless f (error "Unknown method combination ~S." (car mc)))
    (funcall f gf methods (cdr mc))))

(%put 'standard '%method-combination #'%standard-emf)

(defun %define-short-combination (name operator identity)
  (%put name '%method-combination
        (lambda (gf methods options) (%operator-emf gf methods name operator identity options)))
  name)

(dolist (op '(+ and append list max min nconc or progn))
  (%define-short-combination op op (not (member op '(list)))))

;;; define-method-combination: the short form, and the long form whose body returns a
;;; form made of call-method/make-method; that form is compiled into the emf.
(defun %call-method-form (method next)
  "A form calling METHOD (a method or a (make-method form)) with NEXT methods."
  (cond ((and (consp method) (eq (car method) 'make-method))
         `(funcall (lambda (%args %next) (declare (ignorable %args %next)) ,(cadr method)) %args nil))
        (t `(funcall ',(%method-function method) %args
                     ',(%method-chain-from-list next)))))

(defun %method-chain-from-list (next)
  "The next-method chain (a function of args) for a list of methods and make-method forms."
  (if (null next)
      nil
      (let ((m (car next)) (rest-chain (%method-chain-from-list (cdr next))))
        (if (and (consp m) (eq (car m) 'make-method))
            (compile nil `(lambda (%args) (declare (ignorable %args)) ,(%expand-call-methods (cadr m))))
            (let ((fn (%method-function m))) (lambda (args) (funcall fn args rest-chain)))))))

(defun %expand-call-methods (form)
  (cond ((atom form) form)
        ((eq (car form) 'call-method) (%call-method-form (cadr form) (caddr form)))
        ((eq (car form) 'quote) form)
        (t (let ((r nil) (l form))
             (loop (cond ((consp l) (push (%expand-call-methods (car l)) r) (setq l (cdr l)))
                         (t (return (nconc (nreverse r) l)))))))))

(defun %qualifier-pattern-match (pattern qualifiers)
  (cond ((eq pattern '*) t)
        ((and (null pattern) (null qualifiers)) t)
        ((atom pattern) nil)
        ((eq (car pattern) '*) t)
        ((null qualifiers) nil)
        ((equal (car pattern) (car qualifiers)) (%qualifier-pattern-match (cdr pattern) (cdr qualifiers)))
        (t nil)))

(defmacro define-method-combination (name &rest rest)
  (if (or (null rest) (keywordp (car rest)))
      (let ((operator (getf rest :operator name))
            (identity (getf rest :identity-with-one-argument)))
        `(progn (%define-short-combination ',name ',operator ',identity) ',name))
      (%long-method-combination name (car rest) (cadr rest) (cddr rest))))

(defun %long-method-combination (name lambda-list groups body)
  (let ((args-ll nil) (gf-var nil))
    (loop (cond ((and (consp (car body)) (eq (caar body) :arguments))
                 (setq args-ll (cdar body)) (pop body))
                ((and (consp (car body)) (eq (caar body) :generic-function))
                 (setq gf-var (cadar body)) (pop body))
                (t (return))))
    (let ((gvars (mapcar #'car groups)) (methods (gensym "METHODS")) (gf (gensym "GF"))
          (options (gensym "OPTIONS")))
      `(progn
         (%put ',name '%method-combination
               (lambda (,gf ,methods ,options)
                 (%long-emf ,gf ,methods ',args-ll
                            (lambda (,methods)
                              (destructuring-bind ,lambda-list ,options
                                (let (,@gvars ,@(if gf-var `((,gf-var (%gf-function ,gf)))))
                                  ,@(if gf-var `((declare (ignorable ,gf-var))))
                                  (dolist (m ,methods)
                                    (let ((q (%method-qualifiers m)))
                                      (cond ,@(mapcar #'%group-clause groups)
                                            (t (%invalid-qualifiers ,gf m)))))
                                  ,@(mapcar #'%group-finish groups)
                                  (block nil ,@body)))))))
         ',name))))

(defun %group-clause (group)
  (let* ((var (car group)) (specs nil) (l (cdr group)))
    (loop (if (or (null l) (keywordp (car l))) (return)) (push (pop l) specs))
    (setq specs (nreverse specs))
    `((or ,@(mapcar (lambda (p)
                      (if (and (symbolp p) (not (null p)) (not (eq p '*)))
                          `(funcall ',p q)
                          `(%qualifier-pattern-match ',p q)))
                    specs))
      (push m ,var))))

(defun %group-finish (group)
  (let* ((var (car group)) (l (cdr group)))
    (loop (if (or (null l) (keywordp (car l))) (return)) (pop l))
    (let ((order (getf l :order :most-specific-first)) (required (getf l :required)))
      `(progn
         (setq ,var (nreverse ,var))
         (when (eq ,order :most-specific-last) (setq ,var (reverse ,var)))
         ,@(if required `((when (null ,var) (error "No ~S methods are applicable." ',var))))))))

(defun %long-emf (gf methods args-ll body-fn)
  (let* ((form (funcall body-fn methods))
         (expanded (%expand-call-methods form))
         (f (compile nil (if args-ll
                             `(lambda (%args) (declare (ignorable %args))
                                (apply (lambda ,args-ll ,expanded) %args))
                             `(lambda (%args) (declare (ignorable %args)) ,expanded)))))
    (declare (ignore gf))
    f))

(defmacro call-method (&rest args)
  (declare (ignore args))
  (error "CALL-METHOD is only meaningful in an effective method form."))
(defmacro make-method (&rest args)
  (declare (ignore args))
  (error "MAKE-METHOD is only meaningful in an effective method form."))
