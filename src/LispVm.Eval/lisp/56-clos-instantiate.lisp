;;;; 56-clos-instantiate.lisp — make-instance's per-class plan, the ctor (issue 15). Why:
;;;; (make-instance 'c :k v) went through four generic calls, the default initargs, an
;;;; initarg check against a list rebuilt per call and a keyword walk per slot. The ctor
;;;; keeps what only depends on the class and the methods: the wrapper, the default
;;;; initargs, the valid initargs, which initarg sets which slot locations, the slots with
;;;; initforms (constants kept as values), and whether the standard methods of
;;;; make-instance, allocate-instance, initialize-instance and shared-initialize are the
;;;; only ones that apply (CLHS 7.1: otherwise those generic functions are called as
;;;; usual). It is rebuilt when the class is finalized again or gets another wrapper, and
;;;; when any method is added or removed (*%method-epoch*). The standard methods that call
;;;; it are in 56-clos-standard.

(defvar *%std-init-methods* nil
  "The standard methods (make-instance allocate-instance initialize-instance
shared-initialize), noted by 56-clos-standard when it has defined them.")

;;; A ctor is a simple vector; the indices:
(defmacro %ctor-epoch (c) `(svref ,c 0))
(defmacro %ctor-wrapper (c) `(svref ,c 1))
(defmacro %ctor-nslots (c) `(svref ,c 2))
(defmacro %ctor-defaults (c) `(svref ,c 3))   ; ((key . initfunction) ...) in class order
(defmacro %ctor-valid (c) `(svref ,c 4))      ; valid initarg keys, or t
(defmacro %ctor-mi-std (c) `(svref ,c 5))     ; make-instance: only the standard method
(defmacro %ctor-alloc-std (c) `(svref ,c 6))  ; allocate-instance: only the standard method
(defmacro %ctor-init (c) `(svref ,c 7))       ; :fast (befores, slots, afters) or nil (call initialize-instance)
(defmacro %ctor-befores (c) `(svref ,c 8))    ; initialize-instance :before method functions, in order
(defmacro %ctor-afters (c) `(svref ,c 9))     ; its :after method functions, in order
(defmacro %ctor-keymap (c) `(svref ,c 10))    ; ((initarg location...) ...)
(defmacro %ctor-initforms (c) `(svref ,c 11)) ; ((location constant-p . value-or-function) ...)

(defun %constant-initform-p (form)
  (or (numberp form) (stringp form) (characterp form) (keywordp form) (eq form nil) (eq form t)
      (and (consp form) (eq (car form) 'quote) (consp (cdr form)) (null (cddr form)))))

(defun %folded-initform (form)
  "(values value t) when FORM always gives the same immutable value: a literal, or a
call of + - * on numbers (as cl-bench's (* depth width)); else nil."
  (cond ((%constant-initform-p form) (values (if (consp form) (cadr form) form) t))
        ((and (consp form) (member (car form) '(+ - *)) (consp (cdr form))
              (every #'numberp (cdr form)) (null (cdr (last form))))
         (values (apply (car form) (cdr form)) t))
        (t (values nil nil))))

(defun %only-standard-p (methods std)
  (and methods (null (cdr methods)) (eq (car methods) std)))

(defun %build-ctor (class)
  (%ensure-finalized class)
  (let* ((std *%std-init-methods*)
         (c (make-array 12 :initial-element nil))
         (proto (%allocate-std-instance class))
         (ii (%gf-record #'initialize-instance)) (si (%gf-record #'shared-initialize))
         (ii-methods (%compute-applicable-methods ii (list proto)))
         (si-methods (%compute-applicable-methods si (list proto t))))
    (setf (%ctor-epoch c) *%method-epoch*
          (%ctor-wrapper c) (%class-wrapper class)
          (%ctor-nslots c) (svref (%class-wrapper class) 6)
          (%ctor-defaults c) (mapcar (lambda (d) (cons (car d) (caddr d))) (%class-default-initargs class))
          (%ctor-valid c) (let ((v (%valid-initargs class '(allocate-instance initialize-instance shared-initialize))))
                            (if (eq v t) t (remove-duplicates v)))
          (%ctor-mi-std c) (%only-standard-p (%compute-applicable-methods (%gf-record #'make-instance) (list class))
                                              (first std))
          (%ctor-alloc-std c) (%only-standard-p (%compute-applicable-methods (%gf-record #'allocate-instance) (list class))
                                                 (second std)))
    ;; initialize-instance: the standard primary alone, maybe :before/:after methods,
    ;; and shared-initialize's standard method alone, both in the standard combination.
    (let ((primary nil) (befores nil) (afters nil) (ok (and (equal (%gf-combination ii) '(standard))
                                                            (equal (%gf-combination si) '(standard))
                                                            (%only-standard-p si-methods (fourth std)))))
      (dolist (m ii-methods)
        (let ((q (%method-qualifiers m)))
          (cond ((null q) (push m primary))
                ((equal q '(:before)) (push (%method-function m) befores))
                ((equal q '(:after)) (push (%method-function m) afters))
                (t (setq ok nil)))))
      (when (and ok (%only-standard-p primary (third std)))
        (setf (%ctor-init c) :fast
              (%ctor-befores c) (nreverse befores)
              (%ctor-afters c) afters)))     ; pushed most specific first: least specific runs first
    (let ((keymap nil) (initforms nil))
      (dolist (s (%class-slots class))
        (let ((loc (%slotd-location s)))
          (dolist (k (%slotd-initargs s))
            (let ((e (%assq k keymap)))
              (if e (setf (cdr e) (append (cdr e) (list loc))) (push (list k loc) keymap))))
          (when (%slotd-initfunction s)
            (push (multiple-value-bind (v constp) (%folded-initform (%slotd-initform s))
                    (if constp (list* loc t v) (list* loc nil (%slotd-initfunction s))))
                  initforms))))
      (setf (%ctor-keymap c) (nreverse keymap) (%ctor-initforms c) (nreverse initforms)))
    (setf (%class-ctor class) c)
    c))

(defun %class-ctor-now (class)
  "CLASS's ctor, rebuilt when stale."
  (let ((c (%class-ctor class)))
    (if (and c (eql (%ctor-epoch c) *%method-epoch*) (eq (%ctor-wrapper c) (%class-wrapper class))
             (%class-finalized class))
        c
        (%build-ctor class))))

(defun %ctor-initargs (c initargs)
  "INITARGS with the missing default initargs appended, checked (CLHS 7.1.2)."
  (let ((defaults (%ctor-defaults c)))
    (when defaults
      (let ((extra nil))
        (dolist (d defaults)
          (when (eq (%getf-1 initargs (car d) '%none) '%none)
            (setq extra (list* (funcall (cdr d)) (car d) extra))))
        (when extra (setq initargs (append initargs (%plist-reverse-pairs extra)))))))
  (let ((l initargs) (bad nil) (valid (%ctor-valid c)))
    (loop (when (null l) (return))
          (unless (consp (cdr l))
            (error '%simple-program-error :format-control "Odd number of initialization arguments: ~S."
                                          :format-arguments (list initargs)))
          (unless (or (eq valid t) (%memq (car l) valid) (eq (car l) :allow-other-keys))
            (unless bad (setq bad (list (car l)))))
          (setq l (cddr l)))
    (when (and bad (not (getf initargs :allow-other-keys)))
      (error '%simple-program-error :format-control "Invalid initialization argument ~S for class ~S."
                                    :format-arguments (list (car bad) (%class-name (svref (%ctor-wrapper c) 2))))))
  initargs)

(defun %plist-reverse-pairs (l)
  "(v2 k2 v1 k1) -> (k1 v1 k2 v2)."
  (let ((r nil))
    (loop (when (null l) (return r))
          (setq r (list* (cadr l) (car l) r))
          (setq l (cddr l)))))

(defun %ctor-shared-initialize (c o initargs)
  "shared-initialize's standard method for a fresh instance O and slot-names t."
  (let ((slots (%instance-ref o 0)) (l initargs) (done nil))
    (loop (when (null l) (return))
          (let ((e (%assq (car l) (%ctor-keymap c))))
            (when e
              (dolist (loc (cdr e))
                (unless (%memq loc done)
                  (if (fixnump loc) (setf (svref slots loc) (cadr l)) (setf (cdr loc) (cadr l)))
                  (push loc done)))))
          (setq l (cddr l)))
    (dolist (i (%ctor-initforms c))
      (let ((loc (car i)))
        (if (fixnump loc)
            (when (eq (svref slots loc) '%unbound)
              (setf (svref slots loc) (if (cadr i) (cddr i) (funcall (cddr i)))))
            (when (eq (cdr loc) '%unbound)
              (setf (cdr loc) (if (cadr i) (cddr i) (funcall (cddr i))))))))
    o))

(defun %ctor-make (class c initargs)
  "make-instance's standard method, by the ctor C of CLASS."
  (let* ((initargs (%ctor-initargs c initargs))
         (o (if (%ctor-alloc-std c)
                (let ((o (%make-instance (%ctor-wrapper c) 1)))
                  (%instance-set o 0 (%make-slot-vector (%ctor-nslots c) '%unbound))
                  o)
                (apply #'allocate-instance class initargs))))
    (if (eq (%ctor-init c) :fast)
        (let ((befores (%ctor-befores c)) (afters (%ctor-afters c)))
          (if (or befores afters)
              (let ((args (cons o initargs)))
                (dolist (f befores) (funcall f args nil))
                (%ctor-shared-initialize c o initargs)
                (dolist (f afters) (funcall f args nil)))
              (%ctor-shared-initialize c o initargs)))
        (apply #'initialize-instance o initargs))
    o))

;;; (make-instance 'name initargs...) with a constant class name: the compiler
;;; (Compiler/CompileForms.cs) hands the form to %make-instance-form, which makes it a
;;; call through a per-site cache, #(name method-epoch class-epoch class). While no
;;; method was added or removed and no class name was (re)defined since the site was
;;; filled, the class is the one find-class gave and the only applicable make-instance
;;; method for the symbol is the standard one; otherwise the call is the generic one.
(defvar *%class-epoch* 0 "Bumped whenever a name gets another class (find-class changes).")

(defun %make-instance-form (form env)
  (declare (ignore env))
  `(%make-instance-at (load-time-value (vector ,(cadr form) -1 -1 nil)) ,@(cddr form)))

(defun %make-instance-at (site &rest initargs)
  (if (and (eql (svref site 1) *%method-epoch*) (eql (svref site 2) *%class-epoch*))
      (let* ((class (svref site 3)) (ctor (%class-ctor-now class)))
        (if (%ctor-mi-std ctor)
            (%ctor-make class ctor initargs)
            (apply #'make-instance class initargs)))
      (%make-instance-site-miss site initargs)))

(defun %make-instance-site-miss (site initargs)
  (let* ((name (svref site 0)) (c (find-class name nil)))
    (if (and c (%class-p c) (eq (%class-metaclass c) 'standard-class)
             (%only-standard-p (%compute-applicable-methods (%gf-record #'make-instance) (list name))
                               (%find-method #'make-instance nil (list (find-class 'symbol)) nil)))
        (progn (setf (svref site 1) *%method-epoch* (svref site 2) *%class-epoch* (svref site 3) c)
               (apply #'%make-instance-at site initargs))
        (apply #'make-instance name initargs))))
