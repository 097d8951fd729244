;;;; 51-clos-slots.lisp — standard instances and slot access: allocate, slot-value and its
;;;; setf, slot-boundp/makunbound/exists-p, the lazy update of instances whose class was
;;;; redefined (their wrapper is obsolete), with-slots and with-accessors. An instance is
;;;; (%make-instance wrapper 1) whose slot 0 is the slot vector; '%unbound marks a slot
;;;; without a value. Structures and conditions answer slot-value by name too.

(defun %allocate-std-instance (class)
  (%ensure-finalized class)
  (let* ((w (%class-wrapper class)) (o (%make-instance w 1)))
    (%instance-set o 0 (%make-slot-vector (svref w 6) '%unbound))
    o))

(defun %std-wrapper (x)
  "The instance's wrapper, after updating it if its class was redefined."
  (let ((w (%instance-layout x)))
    (if (svref w 5) (progn (%update-obsolete-instance x) (%instance-layout x)) w)))

(defun %assq (key alist)
  "assoc by eq without assoc's keyword parsing (slot and initarg tables)."
  (loop (cond ((null alist) (return nil))
              ((eq (car (car alist)) key) (return (car alist))))
        (setq alist (cdr alist))))

(defun %slot-location (x name)
  (cdr (%assq name (svref (%std-wrapper x) 4))))

(defun %other-slot-index (x name)
  "Index of slot NAME in a structure or condition X, or nil."
  (let ((l (%instance-layout x)))
    (cond ((%struct-layout-p l) (position name (%layout-slots l) :key #'car))
          ((%condition-p x) (%slot-index x name))
          (t nil))))

(defun slot-value (object slot-name)
  (if (%std-instance-p object)
      (let ((loc (%slot-location object slot-name)))
        (let ((v (cond ((fixnump loc) (svref (%instance-ref object 0) loc))
                       ((consp loc) (cdr loc))
                       (t (return-from slot-value
                            (values (slot-missing (class-of object) object slot-name 'slot-value)))))))
          (if (eq v '%unbound)
              (values (slot-unbound (class-of object) object slot-name))
              v)))
      (let ((i (and (%instance-p object) (%other-slot-index object slot-name))))
        (if i
            (%instance-ref object i)
            (values (slot-missing (class-of object) object slot-name 'slot-value))))))

(defun %set-slot-value (object slot-name value)
  (if (%std-instance-p object)
      (let ((loc (%slot-location object slot-name)))
        (cond ((fixnump loc) (setf (svref (%instance-ref object 0) loc) value))
              ((consp loc) (setf (cdr loc) value))
              (t (slot-missing (class-of object) object slot-name 'setf value) value)))
      (let ((i (and (%instance-p object) (%other-slot-index object slot-name))))
        (if i
            (%instance-set object i value)
            (progn (slot-missing (class-of object) object slot-name 'setf value) value)))))
(defun (setf slot-value) (value object slot-name) (%set-slot-value object slot-name value))

(defun slot-boundp (instance slot-name)
  (if (%std-instance-p instance)
      (let ((loc (%slot-location instance slot-name)))
        (cond ((fixnump loc) (not (eq (svref (%instance-ref instance 0) loc) '%unbound)))
              ((consp loc) (not (eq (cdr loc) '%unbound)))
              (t (values (slot-missing (class-of instance) instance slot-name 'slot-boundp)))))
      (if (and (%instance-p instance) (%other-slot-index instance slot-name))
          t
          (values (slot-missing (class-of instance) instance slot-name 'slot-boundp)))))

(defun slot-makunbound (instance slot-name)
  (if (%std-instance-p instance)
      (let ((loc (%slot-location instance slot-name)))
        (cond ((fixnump loc) (setf (svref (%instance-ref instance 0) loc) '%unbound))
              ((consp loc) (setf (cdr loc) '%unbound))
              (t (slot-missing (class-of instance) instance slot-name 'slot-makunbound))))
      (slot-missing (class-of instance) instance slot-name 'slot-makunbound))
  instance)

(defun slot-exists-p (object slot-name)
  (cond ((%std-instance-p object) (if (%assq slot-name (svref (%std-wrapper object) 4)) t nil))
        ((%instance-p object) (if (%other-slot-index object slot-name) t nil))
        (t nil)))

;;; Instances of a redefined class: the retained local slots keep their values, the
;;; added ones are initialized, the discarded ones are passed to
;;; update-instance-for-redefined-class as a property list.
(defun %update-obsolete-instance (x)
  (let* ((old-w (%instance-layout x)) (class (svref old-w 2))
         (old-slots (%instance-ref x 0)) (old-locs (svref old-w 4)))
    (%ensure-finalized class)
    (let* ((new-w (%class-wrapper class)) (new-locs (svref new-w 4))
           (new-slots (%make-slot-vector (svref new-w 6) '%unbound))
           (added nil) (discarded nil) (plist nil))
      (dolist (l new-locs)
        (let ((old (assoc (car l) old-locs :test #'eq)))
          (when (fixnump (cdr l))
            (cond ((and old (fixnump (cdr old)))
                   (setf (svref new-slots (cdr l)) (svref old-slots (cdr old))))
                  ((and old (consp (cdr old)))       ; class slot turned local: keeps its value
                   (setf (svref new-slots (cdr l)) (cdr (cdr old))))
                  (t (push (car l) added))))))
      (dolist (l old-locs)
        (when (fixnump (cdr l))
          (let ((new (assoc (car l) new-locs :test #'eq)))
            (unless (and new (fixnump (cdr new)))
              (push (car l) discarded)
              (let ((v (svref old-slots (cdr l))))
                (unless (eq v '%unbound) (setq plist (list* (car l) v plist))))))))
      (%instance-set x 0 new-slots)
      (%set-instance-layout x new-w)
      (update-instance-for-redefined-class x (nreverse added) (nreverse discarded) plist)
      x)))

(defmacro with-slots (slot-entries instance-form &body body)
  (let ((in (gensym "INSTANCE")))
    `(let ((,in ,instance-form))
       (declare (ignorable ,in))
       (symbol-macrolet ,(mapcar (lambda (e)
                                   (if (consp e)
                                       `(,(car e) (slot-value ,in ',(cadr e)))
                                       `(,e (slot-value ,in ',e))))
                                 slot-entries)
         ,@body))))

(defmacro with-accessors (slot-entries instance-form &body body)
  (let ((in (gensym "INSTANCE")))
    `(let ((,in ,instance-form))
       (declare (ignorable ,in))
       (symbol-macrolet ,(mapcar (lambda (e) `(,(car e) (,(cadr e) ,in))) slot-entries)
         ,@body))))
