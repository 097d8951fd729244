;;;; 54-clos-defmethod.lisp — defmethod and defgeneric (the generic functions on methods,
;;;; add-method ... function-keywords, are in 56-clos-standard). A method's function is
;;;; (lambda (args &optional next) ...) around the body; call-next-method and
;;;; next-method-p are local functions, made only when the body mentions them. A method
;;;; of required parameters that mentions neither also has a fast function of them.

(defun %tree-mentions-p (tree names)
  (let ((todo (list tree)))
    (loop (when (null todo) (return nil))
          (let ((x (pop todo)))
            (cond ((consp x) (push (car x) todo) (push (cdr x) todo))
                  ((and (symbolp x) (member x names :test #'eq)) (return t)))))))

(defun %tree-mentions-function-p (tree names)
  "Does TREE hold (function name) for one of NAMES?"
  (let ((todo (list tree)))
    (loop (when (null todo) (return nil))
          (let ((x (pop todo)))
            (when (consp x)
              (when (and (eq (car x) 'function) (consp (cdr x)) (member (cadr x) names :test #'eq))
                (return t))
              (push (car x) todo) (push (cdr x) todo))))))

(defun %declared-ignore-p (decls var)
  "Do the declare forms DECLS say (ignore VAR)? (Then a &rest list need not be made.)"
  (dolist (d decls nil)
    (when (consp d)
      (dolist (spec (cdr d))
        (when (and (consp spec) (eq (car spec) 'ignore) (member var (cdr spec) :test #'eq))
          (return-from %declared-ignore-p t))))))

(defun %cnm-expansion (cnm-args)
  "call-next-method in a method body, as the local macro of %method-lambda expands it."
  (if cnm-args
      `(%call-next-method-with (car %method-cell) %args %next (list ,@cnm-args))
      '(if %next (funcall %next %args) (%no-next-method (car %method-cell) %args))))

(defun %call-next-method-with (method args next new-args)
  (%check-cnm-args method args new-args)
  (if next (funcall next new-args) (%no-next-method method new-args)))

(defun %parse-defmethod (rest)
  "(values qualifiers specialized-lambda-list body) of defmethod's arguments after the name."
  (let ((qualifiers nil))
    (loop (when (or (null rest) (listp (car rest))) (return))
          (push (pop rest) qualifiers))
    (when (null rest) (error 'program-error))
    (values (nreverse qualifiers) (car rest) (cdr rest))))

(defun %split-specialized (sll)
  "(values plain-lambda-list specializer-forms required-vars)"
  (let ((plain nil) (specs nil) (vars nil) (l sll))
    (loop (when (or (null l) (member (car l) %ll-keywords)) (return))
          (let ((p (pop l)))
            (cond ((consp p)
                   (push (car p) plain) (push (car p) vars)
                   (let ((s (cadr p)))
                     (push (if (and (consp s) (eq (car s) 'eql)) `(list 'eql ,(cadr s)) `(find-class ',s)) specs)))
                  (t (push p plain) (push p vars) (push '(find-class 't) specs)))))
    (let ((tail l) (plain (nreverse plain)))
      ;; 7.6.5: keyword arguments accepted by any applicable method are valid (the
      ;; generic function checks them), so a method's own &key list rejects none.
      (when (and (member '&key tail) (not (member '&allow-other-keys tail)))
        (let ((aux (member '&aux tail)))
          (setq tail (append (ldiff tail aux) '(&allow-other-keys) aux))))
      (values (append plain tail) (nreverse specs) (nreverse vars) (append plain l)))))

(defun %method-arg-bindings (vars)
  "Bindings of the required parameters VARS to the elements of %args, by car/cdr (inline
operations) for the first four."
  (let ((i 0) (r nil))
    (dolist (v vars (nreverse r))
      (push `(,v ,(case i
                    (0 '(car %args)) (1 '(car (cdr %args))) (2 '(car (cdr (cdr %args))))
                    (3 '(car (cdr (cdr (cdr %args))))) (t `(nth ,i %args))))
            r)
      (setq i (+ i 1)))))

(defun %method-lambda (name sll body)
  "The (lambda (args next) ...) form of a method, and its plain lambda list."
  (multiple-value-bind (plain specs vars original) (%split-specialized sll)
    (multiple-value-bind (decls forms doc) (%split-doc-decls body)
      (let* ((bname (if (consp name) (cadr name) name))
             (simple (null (intersection plain %ll-keywords)))
             ;; (req... &rest r): r is the tail of the argument list (CLHS 3.4.1.3
             ;; lets a rest list share structure with the last argument to apply).
             (rest-var (let ((tail (member '&rest plain)))
                         (and tail (eq (car tail) '&rest) (null (cddr tail))
                              (= (length plain) (+ (length vars) 2))
                              (symbolp (cadr tail)) (cadr tail))))
             (inner (if (or simple rest-var)
                        `(let* (,@(%method-arg-bindings vars)
                                ,@(if rest-var `((,rest-var ,(if (%declared-ignore-p decls rest-var)
                                                                   nil
                                                                   `(nthcdr ,(length vars) %args))))))
                           (declare (ignorable ,@vars))
                           ,@decls
                           (block ,bname ,@forms))
                        `(apply (lambda ,plain (declare (ignorable ,@vars)) ,@decls (block ,bname ,@forms))
                                %args)))
             (cnm (%tree-mentions-p forms '(call-next-method next-method-p)))
             ;; Required parameters only and no next methods: the body is also a function
             ;; of the arguments themselves (a spread generic function calls it directly).
             (fast (and simple (not cnm)
                        `(lambda ,vars (declare (ignorable ,@vars)) ,@decls (block ,bname ,@forms)))))
        (values
         (if fast
             `(lambda (%args &optional %next) (declare (ignore %next)) (apply %fast %args))
             `(lambda (%args &optional %next)
            (declare (ignorable %next))
            ,(cond
               ((and cnm (not (%tree-mentions-function-p forms '(call-next-method next-method-p))))
                ;; Only called, never taken as #'call-next-method: local macros, no closures.
                `(macrolet ((call-next-method (&rest cnm-args) (%cnm-expansion cnm-args))
                            (next-method-p () '(if %next t nil)))
                   ,inner))
               (cnm
                 `(flet ((call-next-method (&rest cnm-args)
                           (when cnm-args (%check-cnm-args (car %method-cell) %args cnm-args))
                           (if %next
                               (funcall %next (or cnm-args %args))
                               (%no-next-method (car %method-cell) (or cnm-args %args))))
                         (next-method-p () (if %next t nil)))
                    ,inner))
               (t inner))))
         specs original doc fast)))))

(defmacro defmethod (name &rest rest)
  (multiple-value-bind (qualifiers sll body) (%parse-defmethod rest)
    (multiple-value-bind (fn specs plain doc fast) (%method-lambda name sll body)
      (if fast
          `(let ((%method-cell (list nil)) (%fast ,fast))
             (%ensure-method ',name ',qualifiers (list ,@specs) ',plain ,doc ,fn %method-cell %fast))
          `(let ((%method-cell (list nil)))
             (%ensure-method ',name ',qualifiers (list ,@specs) ',plain ,doc ,fn %method-cell))))))

(defun %ensure-method (name qualifiers specializers lambda-list doc fn cell &optional fast)
  (let ((gf (if (and (%fboundp-name name) (%gf-record (fdefinition name) nil))
                (fdefinition name)
                (ensure-generic-function name))))
    (multiple-value-bind (nreq nopt restp keyp keys aok) (%ll-analyze lambda-list)
      (declare (ignore nreq nopt restp))
      (let ((m (%make-method :qualifiers qualifiers :specializers specializers
                             :lambda-list lambda-list :function fn :documentation doc
                             :keys (if keyp keys nil) :allow-other-keys aok :fast fast)))
        (setf (car cell) m)
        (%add-method gf m)
        m))))

(defun %check-cnm-args (method args new-args)
  "CLHS 7.6.6.2: call-next-method's arguments must select the same applicable methods."
  (let ((gf (%method-gf method)))
    (when (and gf (not (equal (%compute-applicable-methods gf args) (%compute-applicable-methods gf new-args))))
      (error "CALL-NEXT-METHOD in ~S: the arguments ~S select other methods than ~S." method new-args args))))

(defun %no-next-method (method args)
  (apply #'no-next-method (%gf-function (%method-gf method)) method args))

(defmacro defgeneric (name lambda-list &rest options)
  (let ((keys nil) (methods nil) (seen nil))
    (dolist (o options)
      (unless (consp o) (error 'program-error))
      (let ((k (car o)))
        (when (and (not (member k '(:method declare))) (member k seen))
          (error 'program-error))
        (push k seen)
        (case k
          (:method (push o methods))
          (:documentation (setq keys (list* :documentation (cadr o) keys)))
          (:method-combination (setq keys (list* :method-combination `',(cdr o) keys)))
          (:argument-precedence-order (setq keys (list* :argument-precedence-order `',(cdr o) keys)))
          (declare (setq keys (list* :declare `',(cdr o) keys)))
          (:generic-function-class (setq keys (list* :generic-function-class `',(cadr o) keys)))
          (:method-class (setq keys (list* :method-class `',(cadr o) keys)))
          (t (error 'program-error)))))
    `(progn
       (%defgeneric ',name ',lambda-list ,@keys)
       ,@(mapcar (lambda (m) `(%note-initial-method ',name (defmethod ,name ,@(cdr m))))
                 (nreverse methods))
       (fdefinition ',name))))

(defun %defgeneric (name lambda-list &rest keys)
  (let* ((existing (and (%fboundp-name name) (%gf-record (fdefinition name) nil))))
    (when existing
      (dolist (m (%gf-initial-methods existing)) (%remove-method existing m))
      (setf (%gf-initial-methods existing) nil)
      (setf (%gf-combination existing) '(standard) (%gf-apo existing) nil))
    (apply #'ensure-generic-function name :lambda-list lambda-list keys)))

(defun %note-initial-method (name method)
  (push method (%gf-initial-methods (%gf-record (fdefinition name))))
  method)

(defun generic-function-name (gf) (%gf-name (%gf-record gf)))
(defun generic-function-methods (gf) (%gf-methods (%gf-record gf)))
(defun generic-function-lambda-list (gf) (%gf-lambda-list (%gf-record gf)))
(defun method-specializers (m) (%method-specializers m))
(defun method-generic-function (m) (and (%method-gf m) (%gf-function (%method-gf m))))
