;;;; 50-clos-classes.lisp — CLOS class metaobjects (issue 15): the %class record, the
;;;; class precedence list of CLHS 4.3.5, finalization (effective slots, default initargs,
;;;; the wrapper), find-class and class-of for every object. Vocabulary: a wrapper is the
;;;; layout of a standard instance, #(%clos-wrapper name class stamp locations obsolete
;;;; nslots); the engine's type-of reads its slot 1 (the name). Stamps are fixnums given
;;;; once per class and key the dispatch caches, so a moving GC never invalidates them.

(defvar *%class-stamp* 0)
(defun %next-class-stamp () (setq *%class-stamp* (+ *%class-stamp* 1)))

(defstruct (%class (:constructor %make-class (name metaclass)) (:predicate %class-p)
                   (:copier nil) (:print-function %print-metaobject))
  name metaclass
  (direct-superclasses nil) (direct-subclasses nil) (cpl nil)
  (direct-slots nil) (slots nil) (direct-default-initargs nil) (default-initargs nil)
  (wrapper nil) (finalized nil) (stamp (%next-class-stamp))
  (documentation nil) (initargs-cache nil) (prototype nil) (struct-layout nil)
  (ctor nil))   ; make-instance's cached plan (56-clos-standard), nil when stale

;; A slot definition, direct or effective. location: an index (instance slot) or the
;; cons (name . value) shared by every instance (class slot).
(defstruct (%slotd (:constructor %make-slotd) (:predicate %slotd-p) (:copier nil)
                   (:print-function %print-metaobject))
  name (initargs nil) (initform nil) (initfunction nil) (allocation :instance)
  (type t) (readers nil) (writers nil) (documentation nil) (location nil))

(defun %print-metaobject (x stream depth)
  (declare (ignore depth))
  (if (fboundp 'print-object)
      (funcall 'print-object x stream)
      (progn (write-string "#<CLASS " stream)
             (write-string (symbol-name (%class-name x)) stream)
             (write-string ">" stream))))

;;; The class table: (get name '%class).
(defun %find-class-cell (name) (get name '%class))

(defun %note-class-names-changed ()
  "find-class may answer differently: the make-instance call sites check again."
  (when (boundp '*%class-epoch*) (setq *%class-epoch* (+ (symbol-value '*%class-epoch*) 1))))

(defun find-class (symbol &optional (errorp t) environment)
  (declare (ignore environment))
  (unless (symbolp symbol) (%type-error symbol 'symbol))
  (let ((c (or (get symbol '%class) (%lazy-class symbol))))
    (cond (c c)
          (errorp (error "There is no class named ~S." symbol))
          (t nil))))

(defun %set-find-class (symbol &optional errorp environment class)
  ;; (setf (find-class name) class): the setf expander passes the new value last.
  (declare (ignore errorp environment))
  (let ((old (get symbol '%class)))
    (if class (%put symbol '%class class) (remprop symbol '%class))
    (%note-class-names-changed)
    (when (%class-p old) (%refresh-wrapper-name old))
    (when (%class-p class) (%refresh-wrapper-name class)))
  class)

(defun %refresh-wrapper-name (class)
  "TYPE-OF reads the wrapper's name: the class's proper name, else the class itself."
  (let ((w (%class-wrapper class)) (n (%class-name class)))
    (when (simple-vector-p w)
      (setf (svref w 1) (if (and n (symbolp n) (eq (get n '%class) class)) n class)))))
(defsetf find-class (symbol &optional errorp environment) (class)
  `(%set-find-class ,symbol ,errorp ,environment ,class))

;;; Structure and condition classes are made the first time they are asked for.
(defun %lazy-class (name)
  (cond ((not (symbolp name)) nil)
        ((get name '%struct-layout) (%struct-class (get name '%struct-layout)))
        ((%find-condition-class name) (%condition-class-object name))
        (t nil)))

(defun %struct-class (layout)
  (let* ((name (%layout-name layout)) (c (get name '%struct-class)))
    (if (and c (eq (%class-struct-layout c) layout))
        c
        (let* ((parent (svref layout 3))
               (super (if parent (%struct-class parent) (find-class 'structure-object)))
               (c (%make-class name 'structure-class)))
          (setf (%class-struct-layout c) layout)
          (setf (%class-direct-superclasses c) (list super))
          (push c (%class-direct-subclasses super))
          (setf (%class-direct-slots c)
                (mapcar (lambda (s) (%make-slotd :name (car s) :initform (cadr s)
                                                 :initargs (list (intern (symbol-name (car s)) "KEYWORD"))))
                        (%layout-slots layout)))
          (%put name '%struct-class c)
          (%finalize-class c)
          c))))

(defun %condition-class-object (name)
  (or (get name '%condition-class-object)
      (let* ((parents (or (get name '%condition-parents)
                          (if (eq name 'condition) nil '(condition))))
             (supers (if parents (mapcar #'find-class parents) (list (find-class 't))))
             (c (%make-class name 'condition-class)))
        (setf (%class-direct-superclasses c) supers)
        (dolist (s supers) (push c (%class-direct-subclasses s)))
        (setf (%class-direct-slots c)
              (mapcar (lambda (s) (%make-slotd :name (car s) :initargs (cadr s)
                                               :initfunction (caddr s)))
                      (svref (%find-condition-class name) 3)))
        (%put name '%condition-class-object c)
        (%finalize-class c)
        c)))

;;; Class precedence list (CLHS 4.3.5): a topological sort of the local precedence
;;; orders; among several candidates, the one with a direct subclass rightmost so far.
(defun %all-superclasses (class)
  (let ((seen nil) (todo (list class)))
    (loop (when (null todo) (return (nreverse seen)))
          (let ((c (pop todo)))
            (unless (member c seen :test #'eq)
              (push c seen)
              (setq todo (append todo (%class-direct-superclasses c))))))))

(defun %compute-cpl (class)
  (let* ((classes (%all-superclasses class)) (pairs nil) (result nil) (remaining classes))
    (dolist (c classes)
      (let ((prev c))
        (dolist (s (%class-direct-superclasses c)) (push (cons prev s) pairs) (setq prev s))))
    (loop
      (when (null remaining) (return (nreverse result)))
      (let ((candidates nil))
        (dolist (c remaining)
          (unless (dolist (p pairs nil)
                    (when (and (eq (cdr p) c) (member (car p) remaining :test #'eq)) (return t)))
            (push c candidates)))
        (setq candidates (nreverse candidates))
        (when (null candidates)
          (error "Cannot compute the class precedence list of ~S: inconsistent superclass orders."
                 (%class-name class)))
        (let ((next (if (null (cdr candidates))
                        (car candidates)
                        (block pick
                          (dolist (r result (car candidates))
                            (dolist (c candidates)
                              (when (member c (%class-direct-superclasses r) :test #'eq)
                                (return-from pick c))))))))
          (push next result)
          (setq remaining (remove next remaining :test #'eq)))))))

(defun %forward-referenced-p (class)
  (eq (%class-metaclass class) 'forward-referenced-class))

;;; Finalization: the effective slots (in CPL order, least specific first so inherited
;;; slots keep their places), their locations, the default initargs, and a wrapper.
(defun %finalize-class (class)
  (dolist (s (%class-direct-superclasses class))
    (when (%forward-referenced-p s)
      (error "Class ~S has the undefined superclass ~S." (%class-name class) (%class-name s)))
    (unless (%class-finalized s) (%finalize-class s)))
  (let* ((cpl (%compute-cpl class)) (names nil) (slots nil) (index 0) (locs nil) (inits nil))
    (setf (%class-cpl class) cpl)
    (dolist (c (reverse cpl))
      (dolist (d (%class-direct-slots c))
        (unless (member (%slotd-name d) names :test #'eq) (push (%slotd-name d) names))))
    (setq names (nreverse names))
    (dolist (name names)
      (let ((ds nil))
        (dolist (c cpl)
          (dolist (d (%class-direct-slots c))
            (when (eq (%slotd-name d) name) (push (cons c d) ds))))
        (setq ds (nreverse ds))                 ; most specific first
        (let* ((first (cdr (car ds)))
               (initd (find-if (lambda (x) (%slotd-initfunction (cdr x))) ds))
               (e (%make-slotd :name name :allocation (%slotd-allocation first)
                               :documentation (%slotd-documentation first))))
          (when initd
            (setf (%slotd-initform e) (%slotd-initform (cdr initd))
                  (%slotd-initfunction e) (%slotd-initfunction (cdr initd))))
          (let ((ia nil))
            (dolist (x ds) (dolist (k (%slotd-initargs (cdr x))) (unless (member k ia) (push k ia))))
            (setf (%slotd-initargs e) (nreverse ia)))
          (let ((types (remove t (mapcar (lambda (x) (%slotd-type (cdr x))) ds))))
            (setf (%slotd-type e) (cond ((null types) t) ((null (cdr types)) (car types)) (t (cons 'and types)))))
          (if (eq (%slotd-allocation first) :instance)
              (progn (setf (%slotd-location e) index) (setq index (+ index 1)))
              (setf (%slotd-location e) (%slotd-location first)))
          (push e slots)
          (push (cons name (%slotd-location e)) locs))))
    (setf (%class-slots class) (nreverse slots))
    (dolist (c cpl)
      (dolist (i (%class-direct-default-initargs c))
        (unless (assoc (car i) inits) (push i inits))))
    (setf (%class-default-initargs class) (nreverse inits))
    (let ((old (%class-wrapper class)) (locs (nreverse locs)))
      (if (and old (equal (svref old 4) locs) (eql (svref old 6) index))
          (setf (svref old 4) locs)
          (progn
            (when old (setf (svref old 5) t))     ; its instances update on their next access
            (setf (%class-wrapper class)
                  (vector '%clos-wrapper (%class-name class) class (%class-stamp class) locs nil index)))))
    (setf (%class-finalized class) t)
    (setf (%class-initargs-cache class) nil)
    (setf (%class-ctor class) nil)
    class))

(defun %ensure-finalized (class)
  (unless (%class-finalized class) (%finalize-class class))
  class)

;;; Bootstrap classes. (name metaclass supers)
(defun %define-system-class (name metaclass supers)
  (let ((c (or (get name '%class) (%make-class name metaclass))))
    (setf (%class-metaclass c) metaclass)
    (setf (%class-direct-superclasses c) (mapcar (lambda (s) (get s '%class)) supers))
    (dolist (s (%class-direct-superclasses c)) (pushnew c (%class-direct-subclasses s)))
    (%put name '%class c)
    (%finalize-class c)
    c))

(dolist (d '((t built-in-class ())
             (standard-object standard-class (t))
             (structure-object structure-class (t))
             (class standard-class (standard-object))
             (built-in-class standard-class (class))
             (standard-class standard-class (class))
             (structure-class standard-class (class))
             (forward-referenced-class standard-class (class))
             (condition-class standard-class (class))
             (function built-in-class (t))
             (generic-function standard-class (function standard-object))   ; as in the MOP
             (standard-generic-function standard-class (generic-function))
             (method standard-class (standard-object))
             (standard-method standard-class (method))
             (method-combination standard-class (standard-object))
             (number built-in-class (t)) (real built-in-class (number))
             (rational built-in-class (real)) (integer built-in-class (rational))
             (ratio built-in-class (rational)) (float built-in-class (real))
             (single-float built-in-class (float)) (double-float built-in-class (float))
             (complex built-in-class (number)) (character built-in-class (t))
             (symbol built-in-class (t)) (sequence built-in-class (t))
             (list built-in-class (sequence)) (null built-in-class (symbol list))
             (cons built-in-class (list)) (array built-in-class (t))
             (vector built-in-class (array sequence)) (string built-in-class (vector))
             (bit-vector built-in-class (vector)) (hash-table built-in-class (t))
             (package built-in-class (t)) (random-state built-in-class (t)) (restart built-in-class (t))
             (stream built-in-class (t)) (broadcast-stream built-in-class (stream))
             (concatenated-stream built-in-class (stream)) (echo-stream built-in-class (stream))
             (file-stream built-in-class (stream)) (string-stream built-in-class (stream))
             (synonym-stream built-in-class (stream)) (two-way-stream built-in-class (stream))))
  (%define-system-class (car d) (cadr d) (caddr d)))

;;; class-of. The classes of the common built-in types are read from one vector (a
;;; symbol-value and an svref) instead of the symbols' property lists: dispatch asks
;;; class-of for every argument that is not a standard instance.
(defvar *%gf-records* (make-hash-table :test 'eq))   ; generic function object -> %gf record

(defparameter *%builtin-class-names*
  '(integer cons symbol null character single-float double-float ratio complex string
    bit-vector vector array hash-table package random-state function t standard-method
    standard-object restart structure-object))
(defvar *%builtin-classes*
  (let ((v (make-array (length *%builtin-class-names*))) (i 0))
    (dolist (n *%builtin-class-names* v) (setf (svref v i) (get n '%class)) (setq i (+ i 1)))))
(defmacro %bc (name)
  "The class object of the built-in class NAME, by its index in *%builtin-classes*."
  `(svref *%builtin-classes* ,(position name *%builtin-class-names*)))

(defun %array-class (x)
  (cond ((stringp x) (%bc string))
        ((bit-vector-p x) (%bc bit-vector))
        ((vectorp x) (%bc vector))
        (t (%bc array))))

(defun class-of (x)
  (cond ((fixnump x) (%bc integer))
        ((consp x) (%bc cons))
        ((symbolp x) (if x (%bc symbol) (%bc null)))
        ((%instance-p x)
         (let ((l (%instance-layout x)))
           (cond ((not (simple-vector-p l)) (%bc t))
                 ((eq (svref l 0) '%clos-wrapper) (svref l 2))
                 ((eq (svref l 0) '%condition-class) (%condition-class-object (svref l 1)))
                 ((%struct-layout-p l)
                  (case (%layout-name l)
                    (%class (get (%class-metaclass x) '%class))
                    (%slotd (%bc standard-object))
                    (%method (%bc standard-method))
                    (%gf (funcall '%gf-record-class x))
                    (restart (%bc restart))
                    (%marray (%array-class x))
                    (t (%struct-class l))))
                 (t (%bc t)))))
        ((functionp x)
         (let ((r (gethash x *%gf-records*)))
           (if r (funcall '%gf-record-class r) (%bc function))))
        ((characterp x) (%bc character))
        ((simple-vector-p x) (if (random-state-p x) (%bc random-state) (%bc vector)))
        ((stringp x) (%bc string))
        ((integerp x) (%bc integer))
        ((floatp x) (if (%double-p x) (%bc double-float) (%bc single-float)))
        ((rationalp x) (%bc ratio))
        ((numberp x) (%bc complex))
        ((random-state-p x) (%bc random-state))   ; a vector underneath
        ((arrayp x) (%array-class x))
        ((hash-table-p x) (%bc hash-table))
        ((packagep x) (%bc package))
        ((streamp x) (%stream-class x))
        (t (%bc t))))

(defun %stream-class (x)
  (or (and (fboundp '%synonym-stream-p)       ; the predicates of 77-composite-streams.lisp
           (dolist (n '(broadcast-stream concatenated-stream echo-stream file-stream
                        string-stream synonym-stream two-way-stream) nil)
             (when (typep x n) (return (get n '%class)))))
      (get 'stream '%class)))

(defun %class-precedence-list (class) (%class-cpl (%ensure-finalized class)))

(defun %subclassp (c1 c2)
  (or (eq c1 c2) (and (member c2 (%class-precedence-list c1) :test #'eq) t)))

(defun %clos-typep (x class)
  (let ((c (class-of x)))
    (or (eq c class) (and (member class (%class-precedence-list c) :test #'eq) t))))

(defun %std-instance-p (x)
  (and (%instance-p x)
       (let ((l (%instance-layout x))) (and (simple-vector-p l) (eq (svref l 0) '%clos-wrapper)))))
