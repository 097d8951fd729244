;;;; 56-clos-standard.lisp — the standard generic functions and their default methods:
;;;; instance creation and initialization, change-class and the update protocols,
;;;; slot-missing/slot-unbound, no-applicable-method/no-next-method, print-object,
;;;; describe-object, make-load-form(-saving-slots), class-name.

(defgeneric make-instance (class &rest initargs &key &allow-other-keys))
(defgeneric allocate-instance (class &rest initargs &key &allow-other-keys))
(defgeneric initialize-instance (instance &rest initargs &key &allow-other-keys))
(defgeneric reinitialize-instance (instance &rest initargs &key &allow-other-keys))
(defgeneric shared-initialize (instance slot-names &rest initargs &key &allow-other-keys))
(defgeneric change-class (instance new-class &rest initargs &key &allow-other-keys))
(defgeneric update-instance-for-different-class (previous current &rest initargs &key &allow-other-keys))
(defgeneric update-instance-for-redefined-class
    (instance added-slots discarded-slots property-list &rest initargs &key &allow-other-keys))
(defgeneric slot-missing (class object slot-name operation &optional new-value))
(defgeneric slot-unbound (class instance slot-name))
(defgeneric no-applicable-method (generic-function &rest function-arguments))
(defgeneric no-next-method (generic-function method &rest args))
(defgeneric print-object (object stream))
(defgeneric describe-object (object stream))
(defgeneric make-load-form (object &optional environment))
(defgeneric class-name (class))
(defgeneric (setf class-name) (new-value class))
(defgeneric make-instances-obsolete (class))
(defgeneric add-method (generic-function method))
(defgeneric remove-method (generic-function method))
(defgeneric find-method (generic-function qualifiers specializers &optional errorp))
(defgeneric compute-applicable-methods (generic-function function-arguments))
(defgeneric method-qualifiers (method))
(defgeneric function-keywords (method))

(defmethod add-method ((generic-function t) (method t)) (%add-method generic-function method))
(defmethod remove-method ((generic-function t) (method t)) (%remove-method generic-function method))
(defmethod find-method ((generic-function t) qualifiers specializers &optional (errorp t))
  (%find-method generic-function qualifiers specializers errorp))
(defmethod compute-applicable-methods ((generic-function t) function-arguments)
  (%compute-applicable-methods (%gf-record generic-function) function-arguments))
(defmethod method-qualifiers ((method t)) (%method-qualifiers method))
(defmethod function-keywords ((method t))
  (values (%method-keys method) (%method-allow-other-keys method)))

(defmethod make-instance ((class symbol) &rest initargs)
  ;; A class whose make-instance is the standard method alone goes to it directly.
  (let ((c (find-class class)))
    (if (and (%class-p c) (eq (%class-metaclass c) 'standard-class))
        (let ((ctor (%class-ctor-now c)))
          (if (%ctor-mi-std ctor)
              (%ctor-make c ctor initargs)
              (apply #'make-instance c initargs)))
        (apply #'make-instance c initargs))))

(defmethod make-instance ((class standard-class) &rest initargs)
  (%ctor-make class (%class-ctor-now class) initargs))

(defmethod make-instance ((class condition-class) &rest initargs)
  (apply #'make-condition (%class-name class) initargs))

(defmethod allocate-instance ((class standard-class) &rest initargs)
  (declare (ignore initargs))
  (%allocate-std-instance class))

(defmethod allocate-instance ((class structure-class) &rest initargs)
  (declare (ignore initargs))
  (let ((l (%class-struct-layout class)))
    (%make-instance l (length (%layout-slots l)))))

(defmethod initialize-instance ((instance t) &rest initargs)
  (apply #'shared-initialize instance t initargs))

(defmethod reinitialize-instance ((instance t) &rest initargs)
  (%check-initargs (class-of instance) initargs '(reinitialize-instance shared-initialize))
  (apply #'shared-initialize instance nil initargs))

(defmethod shared-initialize ((instance t) slot-names &rest initargs)
  (when (or (oddp (length initargs))
            (do ((l initargs (cddr l))) ((null l) nil) (unless (symbolp (car l)) (return t))))
    (error '%simple-program-error :format-control "Odd number of initialization arguments: ~S."
                                  :format-arguments (list initargs)))
  (dolist (s (let ((c (class-of instance)))
               (when (%std-instance-p instance) (%std-wrapper instance))   ; update if obsolete
               (%class-slots (%ensure-finalized c))))
    (let ((name (%slotd-name s)) (keys (%slotd-initargs s)) (l initargs) (found nil) (value nil)
          (std (%std-instance-p instance)) (slots (and (%std-instance-p instance) (%instance-ref instance 0))))
      (when keys
        (loop (when (null l) (return))
              (when (member (car l) keys :test #'eq) (setq found t value (cadr l)) (return))
              (setq l (cddr l))))
      (if (and std (fixnump (%slotd-location s)))
          ;; A local slot of an up-to-date standard instance: straight to its index.
          (let ((loc (%slotd-location s)))
            (cond (found (setf (svref slots loc) value))
                  ((and (%slotd-initfunction s)
                        (or (eq slot-names t) (member name slot-names :test #'eq))
                        (eq (svref slots loc) '%unbound))
                   (setf (svref slots loc) (funcall (%slotd-initfunction s))))))
          (cond (found (%set-slot-value instance name value))
                ((and (%slotd-initfunction s)
                      (or (eq slot-names t) (member name slot-names :test #'eq))
                      (not (slot-boundp instance name)))
                 (%set-slot-value instance name (funcall (%slotd-initfunction s))))))))
  instance)

;;; change-class (CLHS 7.2): local slots of the new class keep the values of same-named
;;; slots; the rest are initialized by update-instance-for-different-class.
(defmethod change-class ((instance standard-object) (new-class standard-class) &rest initargs)
  (%ensure-finalized new-class)
  (let* ((old-w (%std-wrapper instance)) (old-slots (%instance-ref instance 0))
         (previous (%make-instance old-w 1))
         (new-w (%class-wrapper new-class))
         (new-slots (%make-slot-vector (svref new-w 6) '%unbound)))
    (%instance-set previous 0 (copy-seq old-slots))
    (dolist (l (svref new-w 4))
      (when (fixnump (cdr l))
        (let ((o (assoc (car l) (svref old-w 4) :test #'eq)))
          (when o
            (setf (svref new-slots (cdr l))
                  (if (fixnump (cdr o)) (svref old-slots (cdr o)) (cdr (cdr o))))))))
    (%instance-set instance 0 new-slots)
    (%set-instance-layout instance new-w)
    (apply #'update-instance-for-different-class previous instance initargs)
    instance))

(defmethod change-class ((instance t) (new-class symbol) &rest initargs)
  (apply #'change-class instance (find-class new-class) initargs))

(defmethod update-instance-for-different-class ((previous standard-object) (current standard-object)
                                                &rest initargs)
  (let ((added nil) (old-locs (svref (%instance-layout previous) 4)))
    (dolist (l (svref (%instance-layout current) 4))
      (when (fixnump (cdr l))
        (let ((o (assoc (car l) old-locs :test #'eq)))
          (unless o (push (car l) added)))))
    (%check-initargs (class-of current) initargs '(update-instance-for-different-class shared-initialize))
    (apply #'shared-initialize current (nreverse added) initargs)))

(defmethod update-instance-for-redefined-class ((instance standard-object) added-slots discarded-slots
                                                property-list &rest initargs)
  (declare (ignore discarded-slots property-list))
  (%check-initargs (class-of instance) initargs '(update-instance-for-redefined-class shared-initialize))
  (apply #'shared-initialize instance added-slots initargs))

(defmethod make-instances-obsolete ((class standard-class))
  (let ((old (%class-wrapper class)))
    (when old
      (setf (svref old 5) t)
      (setf (%class-wrapper class)
            (vector '%clos-wrapper (%class-name class) class (%class-stamp class) (svref old 4) nil (svref old 6)))
      ;; Cached accessor emfs compare the instance's wrapper with the old one: forget them.
      (%clear-all-caches)))
  class)
(defmethod make-instances-obsolete ((class symbol))
  (make-instances-obsolete (find-class class)))

(setq *%std-init-methods*
      (list (%find-method #'make-instance nil (list (find-class 'standard-class)) t)
            (%find-method #'allocate-instance nil (list (find-class 'standard-class)) t)
            (%find-method #'initialize-instance nil (list (find-class 't)) t)
            (%find-method #'shared-initialize nil (list (find-class 't) (find-class 't)) t)))

;;; Errors.
(defmethod slot-missing ((class t) object slot-name operation &optional new-value)
  (declare (ignore new-value))
  (error "The slot ~S is missing from ~S (~S)." slot-name object operation))

(defmethod slot-unbound ((class t) instance slot-name)
  (error 'unbound-slot :name slot-name :instance instance))

(defmethod no-applicable-method ((generic-function t) &rest function-arguments)
  (error "No applicable method of ~S for the arguments ~S."
         (%gf-name (%gf-record generic-function)) function-arguments))

(defmethod no-next-method ((generic-function t) (method t) &rest args)
  (error "No next method of ~S after ~S for the arguments ~S."
         (%gf-name (%gf-record generic-function)) method args))

;;; Printing.
(defmethod print-object ((object t) stream)
  (write-string "#<" stream)
  (write-string (symbol-name (%class-name (class-of object))) stream)
  (write-string ">" stream)
  object)

(defmethod print-object ((object class) stream)
  (write-string "#<" stream)
  (write-string (symbol-name (%class-name (class-of object))) stream)
  (write-string " " stream)
  (write-string (let ((n (%class-name object))) (if (symbolp n) (symbol-name n) "(anonymous)")) stream)
  (write-string ">" stream)
  object)

(defmethod print-object ((object condition) stream)
  ;; As the printer does: the report without escapes, else #<TYPE "report">.
  (if *print-escape*
      (progn (write-string "#<" stream)
             (write-string (symbol-name (type-of object)) stream)
             (write-string " " stream)
             (write-string (%engine-prin1-to-string (%condition-message object)) stream)
             (write-string ">" stream))
      (%report-condition object stream))
  object)

(defmethod print-object ((object method) stream)
  (write-string "#<STANDARD-METHOD " stream)
  (prin1 (and (%method-gf object) (%gf-name (%method-gf object))) stream)
  (dolist (q (%method-qualifiers object)) (write-string " " stream) (prin1 q stream))
  (write-string " " stream)
  (prin1 (mapcar (lambda (s) (if (%class-p s) (%class-name s) s)) (%method-specializers object)) stream)
  (write-string ">" stream)
  object)

(defmethod describe-object ((object t) stream)
  (format stream "~&~S is an instance of ~S.~%" object (%class-name (class-of object)))
  (when (%std-instance-p object)
    (dolist (s (%class-slots (class-of object)))
      (let ((n (%slotd-name s)))
        (if (slot-boundp object n)
            (format stream "  ~S: ~S~%" n (slot-value object n))
            (format stream "  ~S: (unbound)~%" n)))))
  (values))

;;; make-load-form
(defmethod make-load-form ((object t) &optional environment)
  (declare (ignore environment))
  (error "~S has no load form: define a MAKE-LOAD-FORM method for it." object))

(defun make-load-form-saving-slots (object &key (slot-names nil sn-p) environment)
  (declare (ignore environment))
  (let* ((class (class-of object))
         (names (if sn-p slot-names
                    (if (%std-instance-p object)
                        (mapcar #'%slotd-name (remove-if-not (lambda (s) (fixnump (%slotd-location s)))
                                                             (%class-slots class)))
                        (mapcar #'%slotd-name (%class-slots class)))))
         (sets nil))
    (dolist (n names)
      (push (if (slot-boundp object n)
                `(setf (slot-value ',object ',n) ',(slot-value object n))
                `(slot-makunbound ',object ',n))
            sets))
    (values `(allocate-instance (find-class ',(%class-name class)))
            `(progn ,@(nreverse sets)))))

(defmethod class-name ((class class)) (%class-name class))
(defmethod (setf class-name) (new-value (class class))
  (setf (%class-name class) new-value)
  (%refresh-wrapper-name class)
  new-value)

(defun %print-instance (x stream) (print-object x stream))

(defmethod print-object ((object generic-function) stream)
  (write-string "#<STANDARD-GENERIC-FUNCTION " stream)
  (prin1 (%gf-name (%gf-record object)) stream)
  (write-string ">" stream)
  object)

;;; The printer asks this for structures and conditions: is there a print-object method
;;; for X other than the defaults above? (Standard instances always go to print-object.)
(defvar *%default-print-methods* (copy-list (%gf-methods (%gf-record #'print-object))))
(defun %user-print-object-p (x)
  (let* ((gf (%gf-record #'print-object))
         (methods (%gf-methods gf)))
    (and (cdr (nthcdr (- (length *%default-print-methods*) 1) methods))   ; more than the defaults
         (let ((m (car (%compute-applicable-methods gf (list x *standard-output*)))))
           (and m (not (member m *%default-print-methods*)))))))
