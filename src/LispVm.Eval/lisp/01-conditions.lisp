;;;; 01-conditions.lisp — the condition system: condition classes as instances whose
;;;; layout is a class vector #(%condition-class name cpl slots report), handler clusters
;;;; and restarts in special variables, ERROR/WARN/SIGNAL, HANDLER-CASE, RESTART-CASE, and
;;;; the top-level debugger hook that prints ";; Error: <report>" and aborts to the REPL.

(defun %getf (plist key default)
  (tagbody top
    (when (consp plist)
      (if (eq (car plist) key) (return-from %getf (car (cdr plist))))
      (setq plist (cdr (cdr plist)))
      (go top)))
  default)

(defun %cget (sym key)
  (%getf (symbol-plist sym) key nil))
(defun %cput (sym key val)
  (let ((pl (symbol-plist sym)))
    (tagbody top
      (when (consp pl)
        (when (eq (car pl) key) (%setcar (cdr pl) val) (return-from %cput val))
        (setq pl (cdr (cdr pl)))
        (go top)))
    (%set-symbol-plist sym (cons key (cons val (symbol-plist sym))))
    val))

;;; Class vector slots: 0 marker, 1 name, 2 cpl, 3 slot specs ((name initargs initfn cell) ...),
;;; 4 report, 5 default initargs ((key . fn) ...) of the class and its parents. CELL is a
;;; cons (value) shared by every instance for a slot of :allocation :class, else NIL.
(defun %find-condition-class (name) (and (symbolp name) (%cget name '%condition-class)))
(defun %condition-p (x)
  (and (%instance-p x)
       (let ((l (%instance-layout x)))
         (and (simple-vector-p l) (eq (svref l 0) '%condition-class)))))

(defvar *%condition-names* nil)          ; every condition type defined, newest first

(defun %define-condition (name parents slots report &optional default-initargs)
  (unless (%memq name *%condition-names*) (setq *%condition-names* (cons name *%condition-names*)))
  (let ((cpl (list name)) (all-slots nil) (inits default-initargs))
    (dolist (p parents)
      (let ((pc (%find-condition-class p)))
        (unless pc (error "Unknown parent condition type ~S." p))
        (dolist (c (svref pc 2)) (unless (%memq c cpl) (setq cpl (cons c cpl))))
        (dolist (s (svref pc 3)) (unless (%slot-spec name s all-slots) (setq all-slots (cons s all-slots))))))
    (setq cpl (cons name (reverse (cdr (reverse cpl)))))
    (setq cpl (cons name (%remove-eq name (%cpl-order parents))))
    (dolist (s slots) (setq all-slots (%replace-slot s all-slots)))
    (dolist (p parents)
      (dolist (i (svref (%find-condition-class p) 5))
        (unless (%getf-cell inits (car i)) (setq inits (append inits (list i))))))
    (%cput name '%condition-class
           (vector '%condition-class name cpl (reverse all-slots) report inits))
    (%cput name '%condition-parents parents)          ; CLOS builds the class from these
    name))

(defun %remove-eq (x l) (let ((r nil)) (dolist (e l) (unless (eq e x) (setq r (cons e r)))) (reverse r)))
(defun %cpl-order (parents)
  (let ((r nil))
    (dolist (p parents)
      (dolist (c (svref (%find-condition-class p) 2))
        (unless (%memq c r) (setq r (cons c r)))))
    (reverse r)))
(defun %slot-spec (name s slots) (dolist (x slots nil) (if (eq (car x) (car s)) (return t))))
(defun %replace-slot (s slots)
  (let ((r nil) (found nil))
    (dolist (x slots) (if (eq (car x) (car s)) (progn (setq found t) (setq r (cons s r))) (setq r (cons x r))))
    (if found (reverse r) (cons s (reverse r)))))

(defun %getf-cell (alist key) (dolist (x alist nil) (if (eq (car x) key) (return x))))

(defun %slot-spec-of (c name)
  (dolist (s (svref (%instance-layout c) 3) nil) (if (eq (car s) name) (return s))))

(defun %slot-index (c name)
  (let ((i 0))
    (dolist (s (svref (%instance-layout c) 3) nil)
      (if (eq (car s) name) (return i))
      (setq i (1+ i)))))
(defun %condition-slot (c name)
  (let ((s (%slot-spec-of c name)))
    (cond ((and s (car (cdr (cdr (cdr s))))) (car (car (cdr (cdr (cdr s))))))
          (s (%instance-ref c (%slot-index c name)))
          (t nil))))
(defun %set-condition-slot (c name v)
  (let ((s (%slot-spec-of c name)))
    (cond ((and s (car (cdr (cdr (cdr s))))) (%setcar (car (cdr (cdr (cdr s)))) v) v)
          (s (%instance-set c (%slot-index c name) v))
          (t v))))

(defmacro define-condition (name parents slots &rest options)
  (let ((report nil) (specs nil) (readers nil) (inits nil) (doc nil))
    (dolist (o options)
      (cond ((eq (car o) :report)
             (setq report (if (stringp (car (cdr o))) (car (cdr o)) `(function ,(car (cdr o))))))
            ((eq (car o) :default-initargs)
             (let ((l (cdr o)))
               (tagbody top
                 (when (consp l)
                   (setq inits (cons `(cons ',(car l) (lambda () ,(car (cdr l)))) inits))
                   (setq l (cdr (cdr l)))
                   (go top)))))
            ((eq (car o) :documentation) (setq doc (car (cdr o))))))
    (dolist (s slots)
      (let* ((s (if (consp s) s (list s)))
             (sname (car s)) (opts (cdr s))
             (initargs nil) (initform nil) (has-init nil) (class-alloc nil))
        (tagbody top
          (when (consp opts)
            (case (car opts)
              (:initarg (setq initargs (cons (car (cdr opts)) initargs)))
              (:initform (setq initform (car (cdr opts)) has-init t))
              (:allocation (setq class-alloc (eq (car (cdr opts)) :class)))
              ((:reader :accessor)
               (setq readers (cons `(%define-condition-accessor ',(car (cdr opts)) ',name ',sname nil) readers))
               (when (eq (car opts) :accessor)
                 (setq readers (cons `(%define-condition-accessor '(setf ,(car (cdr opts))) ',name ',sname t)
                                     readers))))
              (:writer
               (setq readers (cons `(%define-condition-accessor ',(car (cdr opts)) ',name ',sname t) readers))))
            (setq opts (cdr (cdr opts)))
            (go top)))
        (setq specs (cons `(list ',sname ',(reverse initargs) ,(if has-init `(lambda () ,initform) nil)
                                 ,(if class-alloc `(list ,initform) nil))
                          specs))))
    `(progn
       (%define-condition ',name ',(if (or parents (eq name 'condition)) parents '(condition))
                          (list ,@(reverse specs)) ,report (list ,@(reverse inits)))
       ,@(if doc (list `(%cput ',name '%condition-documentation ,doc)) nil)
       (%condition-defined ',name)
       ,@(reverse readers)
       ',name)))

;;; Slot readers and writers: plain functions while the boot defines the standard
;;; conditions; once CLOS is loaded (55-clos-defclass), generic functions with a method
;;; on the condition's class, as define-condition specifies.
(defun %define-condition-accessor (fname cname sname writerp)
  (declare (ignore cname))
  (%defun-1 fname (if writerp
                      (lambda (v c) (%set-condition-slot c sname v))
                      (lambda (c) (%condition-slot c sname)))))

(defun %condition-defined (name)
  "CLOS (later in the boot) makes the class object again after a redefinition."
  (when (fboundp '%condition-class-object)
    (remprop name '%condition-class-object)
    (funcall '%condition-class-object name))
  name)

(defun %condition-type-name (type)
  "A condition class name of TYPE: a class, a name, or an OR / AND of condition types."
  (cond ((symbolp type) type)
        ((and (fboundp '%class-p) (funcall '%class-p type)) (funcall '%class-name type))
        ((and (consp type) (eq (car type) 'or)) (%condition-type-name (car (cdr type))))
        ((and (consp type) (eq (car type) 'and))
         (or (and (fboundp '%condition-subclass-of-type) (funcall '%condition-subclass-of-type type))
             (%condition-type-name (car (cdr type)))))
        (t type)))

(defun make-condition (type &rest initargs)
  (let ((class (%find-condition-class (%condition-type-name type))))
    (unless class (error 'type-error :datum type :expected-type '(satisfies %find-condition-class)))
    ;; The default initargs not given, evaluated now, after the given ones.
    (dolist (i (svref class 5))
      (when (eq (%getf initargs (car i) '%none) '%none)
        (setq initargs (append initargs (list (car i) (funcall (cdr i)))))))
    (let* ((slots (svref class 3))
           (c (%make-instance class (length slots)))
           (i 0))
      (dolist (s slots)
        (let ((v '%none) (l initargs) (cell (car (cdr (cdr (cdr s))))))
          ;; The leftmost initarg of the slot in the arguments wins.
          (tagbody top
            (when (consp l)
              (when (%memq (car l) (car (cdr s))) (setq v (car (cdr l))) (go done))
              (setq l (cdr (cdr l)))
              (go top))
           done)
          (cond (cell (unless (eq v '%none) (%setcar cell v)))
                (t (%instance-set c i (if (eq v '%none) (if (car (cdr (cdr s))) (funcall (car (cdr (cdr s)))) nil) v)))))
        (setq i (1+ i)))
      c)))

;;; Reporting.
(defun %simple-format (stream control &rest args)
  "FORMAT subset for engine messages: ~A ~S ~D ~% ~~ (FORMAT replaces it when loaded)."
  (if (fboundp 'format)
      (apply 'format stream control args)
      (let ((s (or stream (make-string-output-stream))) (i 0) (n (length control)))
        (tagbody top
          (when (< i n)
            (let ((ch (char control i)))
              (if (and (char= ch #\~) (< (1+ i) n))
                  (let ((d (char-upcase (char control (1+ i)))))
                    (setq i (1+ i))
                    (cond ((char= d #\A) (princ (car args) s) (setq args (cdr args)))
                          ((or (char= d #\S) (char= d #\D)) (prin1 (car args) s) (setq args (cdr args)))
                          ((char= d #\%) (terpri s))
                          (t (write-char d s))))
                  (write-char ch s)))
            (setq i (1+ i))
            (go top)))
        (if stream nil (get-output-stream-string s)))))

(defun %report-simple (c s)
  (let ((ctl (simple-condition-format-control c)))
    (if (stringp ctl)
        (apply '%simple-format s ctl (simple-condition-format-arguments c))
        (prin1 ctl s))))

;;; The hierarchy.
(%cput 'condition '%condition-class (vector '%condition-class 'condition '(condition) nil nil nil))
(define-condition serious-condition (condition) ())
(define-condition error (serious-condition) ())
(define-condition warning (condition) ())
(define-condition style-warning (warning) ())
(define-condition simple-condition (condition)
  ((format-control :initarg :format-control :reader simple-condition-format-control :initform nil)
   (format-arguments :initarg :format-arguments :reader simple-condition-format-arguments :initform nil))
  (:report %report-simple))
(define-condition simple-error (simple-condition error) ())
(define-condition simple-warning (simple-condition warning) ())
(define-condition type-error (error)
  ((datum :initarg :datum :reader type-error-datum)
   (expected-type :initarg :expected-type :reader type-error-expected-type))
  (:report (lambda (c s) (%simple-format s "The value ~S is not of type ~S." (type-error-datum c) (type-error-expected-type c)))))
(define-condition simple-type-error (simple-condition type-error) ())
(define-condition program-error (error) () (:report "Program error."))
(define-condition %simple-program-error (simple-condition program-error) ())
(define-condition control-error (error) () (:report "Control error."))
(define-condition %simple-control-error (simple-condition control-error) ())
(define-condition cell-error (error) ((name :initarg :name :reader cell-error-name)))
(define-condition unbound-variable (cell-error) ()
  (:report (lambda (c s) (%simple-format s "The variable ~S is unbound." (cell-error-name c)))))
(define-condition undefined-function (cell-error) ()
  (:report (lambda (c s) (%simple-format s "The function ~S is undefined." (cell-error-name c)))))
(define-condition unbound-slot (cell-error) ((instance :initarg :instance :reader unbound-slot-instance)))
(define-condition arithmetic-error (error)
  ((operation :initarg :operation :reader arithmetic-error-operation :initform nil)
   (operands :initarg :operands :reader arithmetic-error-operands :initform nil))
  (:report "Arithmetic error."))
(define-condition division-by-zero (arithmetic-error) () (:report "Division by zero."))
(define-condition floating-point-overflow (arithmetic-error) () (:report "Floating point overflow."))
(define-condition floating-point-underflow (arithmetic-error) () (:report "Floating point underflow."))
(define-condition floating-point-invalid-operation (arithmetic-error) () (:report "Invalid floating point operation."))
(define-condition floating-point-inexact (arithmetic-error) () (:report "Inexact floating point result."))
(define-condition storage-condition (serious-condition) () (:report "Storage exhausted."))
(define-condition %simple-storage-condition (simple-condition storage-condition) ())
(define-condition interactive-interrupt (serious-condition) () (:report "Interrupted."))
(define-condition stream-error (error) ((stream :initarg :stream :reader stream-error-stream :initform nil)))
(define-condition end-of-file (stream-error) () (:report "Unexpected end of file."))
(define-condition file-error (error) ((pathname :initarg :pathname :reader file-error-pathname))
  (:report (lambda (c s) (%simple-format s "File error on ~S." (file-error-pathname c)))))
(define-condition parse-error (error) () (:report "Parse error."))
(define-condition reader-error (parse-error stream-error) () (:report "Reader error."))
(define-condition %simple-reader-error (simple-condition reader-error) ())
(define-condition package-error (error) ((package :initarg :package :reader package-error-package))
  (:report (lambda (c s) (%simple-format s "Package ~A does not exist." (package-error-package c)))))
(define-condition print-not-readable (error) ((object :initarg :object :reader print-not-readable-object))
  (:report (lambda (c s) (%simple-format s "~S cannot be printed readably." (print-not-readable-object c)))))

(defun %report-condition (c stream)
  (dolist (name (svref (%instance-layout c) 2)
           (%simple-format stream "Condition of type ~S was signalled." (svref (%instance-layout c) 1)))
    (let* ((class (%find-condition-class name)) (r (and class (svref class 4))))
      (when r
        (if (stringp r) (write-string r stream) (funcall r c stream))
        (return nil)))))

(defun %condition-message (c)
  (if (%condition-p c)
      (let ((s (make-string-output-stream)))
        (%report-condition c s)
        (get-output-stream-string s))
      (princ-to-string c)))

(defun %typep-basic (x type)
  (if (%condition-p x) (%condition-typep x type) nil))

(defun %condition-typep (c type)
  (cond ((eq type t) t)
        ((symbolp type)
         (if (%find-condition-class type)
             (and (%condition-p c) (%memq type (svref (%instance-layout c) 2)) t)
             (if (fboundp 'typep) (typep c type) nil)))
        ((and (consp type) (eq (car type) 'or))
         (dolist (ty (cdr type) nil) (if (%condition-typep c ty) (return t))))
        ((and (consp type) (eq (car type) 'and))
         (dolist (ty (cdr type) t) (unless (%condition-typep c ty) (return nil))))
        ((and (consp type) (eq (car type) 'not)) (not (%condition-typep c (car (cdr type)))))
        ((fboundp 'typep) (typep c type))
        (t nil)))

(defun %coerce-condition (datum args default)
  (cond ((and (%condition-p datum) args)
         (make-condition 'simple-type-error :datum args :expected-type 'null
                         :format-control "A condition ~S takes no arguments, not ~S."
                         :format-arguments (list datum args)))
        ((%condition-p datum) datum)
        ((symbolp datum) (apply 'make-condition datum args))
        ((stringp datum) (make-condition default :format-control datum :format-arguments args))
        ((functionp datum) (make-condition default :format-control datum :format-arguments args))
        (t (make-condition 'simple-type-error :datum datum :expected-type '(or string symbol condition)
                           :format-control "~S is not a condition designator." :format-arguments (list datum)))))

;;; Handlers: *%handlers* is a list of clusters, each a list of (type . function).
(defvar *%handlers* nil)
(defvar *%restarts* nil)
(defvar *%debugger-depth* 0)
(defvar *break-on-signals* nil)

(defmacro handler-bind (bindings &body body)
  `(let ((*%handlers* (cons (list ,@(%map1 (lambda (b) `(cons ',(car b) ,(car (cdr b)))) bindings))
                            *%handlers*)))
     ,@body))

(defun %signal (c)
  (let ((clusters *%handlers*))
    (tagbody top
      (when (consp clusters)
        (let ((cluster (car clusters)))
          (setq clusters (cdr clusters))
          (let ((*%handlers* clusters))
            (dolist (h cluster)
              (when (%condition-typep c (car h)) (funcall (cdr h) c)))))
        (go top))))
  nil)

(defun signal (datum &rest args)
  (%signal (%coerce-condition datum args 'simple-condition)))

(defun error (datum &rest args)
  (let ((c (%coerce-condition datum args 'simple-error)))
    (%signal c)
    (invoke-debugger c)))

(defun %signal-builtin-error (type &rest initargs)
  (error (apply 'make-condition type initargs)))

(defun invoke-debugger (c) (%invoke-debugger c))

(defun %invoke-debugger (c)
  (%capture-backtrace)
  (if (> *%debugger-depth* 2)
      (progn (write-string ";; Error: (nested errors while reporting an error)" t) (terpri t))
      (let ((*%debugger-depth* (1+ *%debugger-depth*)))
        (let ((msg (%condition-message c)))
          (fresh-line t)
          ;; An error nobody handled ends a background thread; say which one.
          (if (eql (%thread-current) 0)
              (write-string ";; Error: " t)
              (progn (write-string ";; Error in thread " t)
                     (let ((n (%thread-name (%thread-current))))
                       (if (stringp n) (write-string n t) (write-string (%engine-prin1-to-string (%thread-current)) t)))
                     (write-string ": " t)))
          (write-string msg t)
          (terpri t))))
  (%abort-toplevel))

;;; Restarts: structure instances of type RESTART (a layout made here, before defstruct):
;;; name, function, report (string, function of a stream, or NIL), interactive (returns
;;; the argument list INVOKE-RESTART-INTERACTIVELY passes), test (of a condition), and the
;;; conditions the restart is associated with (WITH-CONDITION-RESTARTS).
(defvar *%restart-layout*
  (vector '%struct-layout 'restart
          '((name nil t nil) (function nil t nil) (report nil t nil) (interactive nil t nil)
            (test nil t nil) (conditions nil t nil))
          nil '(:print-function . %print-restart) '(restart)))
(%cput 'restart '%struct-layout *%restart-layout*)

(defun %make-restart (name fn report &optional interactive test)
  (let ((r (%make-instance *%restart-layout* 6)))
    (%instance-set r 0 name) (%instance-set r 1 fn) (%instance-set r 2 report)
    (%instance-set r 3 interactive) (%instance-set r 4 test) (%instance-set r 5 nil)
    r))
(defun %restart-p (x) (and (%instance-p x) (eq (%instance-layout x) *%restart-layout*)))
(defun restart-name (r) (%instance-ref r 0))
(defun %restart-function (r) (%instance-ref r 1))
(defun %restart-report-of (r) (%instance-ref r 2))
(defun %restart-interactive (r) (%instance-ref r 3))

(defun %print-restart (r stream depth)
  (if *print-escape*
      (progn (write-string "#<RESTART " stream) (prin1 (restart-name r) stream) (write-string ">" stream))
      (let ((rep (%restart-report-of r)))
        (cond ((stringp rep) (write-string rep stream))
              (rep (funcall rep stream))
              (t (prin1 (restart-name r) stream))))))

(defun %restart-visible-p (r condition)
  "The restart's test accepts CONDITION, and a restart tied to conditions is tied to it."
  (and (or (null (%instance-ref r 4)) (funcall (%instance-ref r 4) condition))
       (or (null condition) (null (%instance-ref r 5)) (%memq condition (%instance-ref r 5)))
       t))

(defun compute-restarts (&optional condition)
  (let ((r nil))
    (dolist (x *%restarts*) (when (%restart-visible-p x condition) (setq r (cons x r))))
    (reverse r)))

(defun find-restart (name &optional condition)
  (if (%restart-p name)
      (and (%memq name *%restarts*) (%restart-visible-p name condition) name)
      (dolist (r *%restarts* nil)
        (if (and (eq (restart-name r) name) (%restart-visible-p r condition)) (return r)))))

(defun %active-restart (restart)
  (let ((r (if (%restart-p restart) (and (%memq restart *%restarts*) restart) (find-restart restart))))
    (unless r (error '%simple-control-error :format-control "No restart ~S is active." :format-arguments (list restart)))
    r))

(defun invoke-restart (restart &rest args)
  (apply (%restart-function (%active-restart restart)) args))

(defun invoke-restart-interactively (restart)
  (let ((r (%active-restart restart)))
    ;; USE-VALUE and STORE-VALUE restarts without :INTERACTIVE still need their value.
    (apply (%restart-function r)
           (cond ((%restart-interactive r) (funcall (%restart-interactive r)))
                 ((%memq (restart-name r) '(use-value store-value)) (list (%query-value (restart-name r))))
                 (t nil)))))

(defmacro with-condition-restarts (condition-form restarts-form &body body)
  (let ((c (gensym "C")) (rs (gensym "RS")))
    `(let ((,c ,condition-form) (,rs ,restarts-form))
       (%associate-restarts ,c ,rs)
       (unwind-protect (progn ,@body)
         (%dissociate-restarts ,c ,rs)))))
(defun %associate-restarts (c restarts)
  (dolist (r restarts) (%instance-set r 5 (cons c (%instance-ref r 5)))))
(defun %dissociate-restarts (c restarts)
  (dolist (r restarts) (%instance-set r 5 (%remove-eq-once c (%instance-ref r 5)))))
(defun %remove-eq-once (x l)
  (cond ((null l) nil) ((eq (car l) x) (cdr l)) (t (cons (car l) (%remove-eq-once x (cdr l))))))

(defmacro restart-bind (bindings &body body)
  `(let ((*%restarts*
           (list* ,@(%map1 (lambda (b)
                             (let ((o (cdr (cdr b))))
                               `(%make-restart ',(car b) ,(car (cdr b))
                                               ,(%getf o :report-function nil)
                                               ,(%getf o :interactive-function nil)
                                               ,(%getf o :test-function nil))))
                           bindings)
                  *%restarts*)))
     ,@body))

(defun %restartable-signal (form env)
  "FORM expanded until it is a call of SIGNAL, ERROR, CERROR or WARN, else NIL."
  (tagbody top
    (when (and (consp form) (%memq (car form) '(signal error cerror warn))) (return-from %restartable-signal form))
    (multiple-value-bind (expansion expanded) (macroexpand-1 form env)   ; macros and symbol macros
      (when expanded (setq form expansion) (go top))))
  nil)

(defmacro restart-case (form &rest clauses &environment env)
  (let ((block (gensym)) (args (gensym)) (tags nil) (makers nil) (bodies nil) (rvars nil)
        (sig (%restartable-signal form env)))
    (dolist (c clauses)
      (let* ((tag (gensym)) (name (car c)) (ll (car (cdr c))) (body (cdr (cdr c)))
             (report nil) (interactive nil) (test nil) (rv (gensym "R")))
        (tagbody top
          (when (and (consp body) (%memq (car body) '(:report :interactive :test)))
            (if (eq (car body) :report) (setq report (car (cdr body))))
            (if (eq (car body) :interactive) (setq interactive (car (cdr body))))
            (if (eq (car body) :test) (setq test (car (cdr body))))
            (setq body (cdr (cdr body)))
            (go top)))
        (setq rvars (cons rv rvars))
        (setq makers (cons `(,rv (%make-restart ',name (lambda (&rest a) (setq ,args a) (go ,tag))
                                                ,(if (stringp report) report (if report `(function ,report) nil))
                                                ,(if interactive `(function ,interactive) nil)
                                                ,(if test `(function ,test) nil)))
                           makers))
        (setq bodies (cons `(,tag (return-from ,block (apply (lambda ,ll ,@body) ,args))) bodies))))
    (setq rvars (reverse rvars))
    `(block ,block
       (let ((,args nil))
         (tagbody
           (let* (,@(reverse makers)
                  (*%restarts* (list* ,@rvars *%restarts*)))
             (return-from ,block
               ,(if sig
                    (%restart-case-signal sig rvars)
                    form)))
           ,@(%flatten1 (reverse bodies)))))))

(defun %restart-case-signal (sig rvars)
  "SIGNAL/ERROR/CERROR/WARN with the case's restarts tied to the condition (CLHS 9.1.4.2.4)."
  (let ((c (gensym "C")) (op (car sig)))
    (if (eq op 'cerror)
        `(let ((,c (%coerce-condition ,(car (cdr (cdr sig))) (list ,@(cdr (cdr (cdr sig)))) 'simple-error)))
           (with-condition-restarts ,c (list ,@rvars) (cerror ,(car (cdr sig)) ,c)))
        `(let ((,c (%coerce-condition ,(car (cdr sig)) (list ,@(cdr (cdr sig)))
                                      ',(cond ((eq op 'error) 'simple-error)
                                              ((eq op 'warn) 'simple-warning)
                                              (t 'simple-condition)))))
           (with-condition-restarts ,c (list ,@rvars) (,op ,c))))))

(defun %flatten1 (l) (let ((r nil)) (dolist (x l) (dolist (y x) (setq r (cons y r)))) (reverse r)))

(defmacro with-simple-restart ((name format &rest args) &body body)
  `(restart-case (progn ,@body)
     (,name () :report (lambda (s) (%simple-format s ,format ,@args)) (values nil t))))

(defun warn (datum &rest args)
  (let ((c (%coerce-condition datum args 'simple-warning)))
    (unless (%condition-typep c 'warning)
      (error 'simple-type-error :datum c :expected-type 'warning
                                :format-control "WARN needs a warning, not ~S." :format-arguments (list c)))
    (let ((r (%make-restart 'muffle-warning (lambda () (return-from warn nil)) "Ignore the warning.")))
      (let ((*%restarts* (cons r *%restarts*)))
        (%associate-restarts c (list r))
        (%signal c)
        (let ((out (if (boundp '*error-output*) *error-output* t)))
          (fresh-line out)
          (write-string ";; Warning: " out)
          (write-string (%condition-message c) out)
          (terpri out))))
    nil))

(defun cerror (continue-string datum &rest args)
  (restart-case (apply 'error datum args)
    (continue () :report (lambda (s) (apply '%simple-format s continue-string args)) nil))
  nil)

(defun abort (&optional condition)
  (let ((r (find-restart 'abort condition)))
    (if r (invoke-restart r)
        (error '%simple-control-error :format-control "No ABORT restart is active." :format-arguments nil))))
(defun continue (&optional condition) (let ((r (find-restart 'continue condition))) (if r (invoke-restart r) nil)))
(defun muffle-warning (&optional condition)
  (let ((r (find-restart 'muffle-warning condition)))
    (if r (invoke-restart r)
        (error '%simple-control-error :format-control "No MUFFLE-WARNING restart is active." :format-arguments nil))))
(defun use-value (value &optional condition) (let ((r (find-restart 'use-value condition))) (if r (invoke-restart r value) nil)))
(defun store-value (value &optional condition) (let ((r (find-restart 'store-value condition))) (if r (invoke-restart r value) nil)))

(defmacro handler-case (form &rest clauses)
  (let ((no-error (dolist (c clauses nil) (if (eq (car c) :no-error) (return c)))))
    (if no-error
        (let ((b (gensym)))
          `(block ,b
             (multiple-value-call (lambda ,(car (cdr no-error)) ,@(cdr (cdr no-error)))
               (handler-case ,form
                 ,@(%map1 (lambda (c) `(,(car c) ,(car (cdr c)) (return-from ,b (progn ,@(cdr (cdr c))))))
                          (%remove-eq no-error clauses))))))
        (let ((block (gensym)) (cvar (gensym)) (binds nil) (bodies nil))
          (dolist (c clauses)
            (let ((tag (gensym)) (var (car (car (cdr c)))) (body (cdr (cdr c))))
              (setq binds (cons `(,(car c) (lambda (c) (setq ,cvar c) (go ,tag))) binds))
              (setq bodies (cons (list tag `(return-from ,block
                                              ,(if var `(let ((,var ,cvar)) ,@body) `(let () ,@body))))
                                 bodies))))
          `(block ,block
             (let ((,cvar nil))
               (tagbody
                 (handler-bind ,(reverse binds)
                   (return-from ,block ,form))
                 ,@(%flatten1 (reverse bodies)))))))))

(defmacro ignore-errors (&body body)
  `(handler-case (progn ,@body) (error (c) (values nil c))))

;; CHECK-TYPE offers STORE-VALUE and ASSERT CONTINUE (both retry the test); the debugger's
;; %QUERY-VALUE (92-debugger.lisp) asks for the new value.
(defmacro check-type (place type &optional string)
  (let ((top (gensym "CHECK")) (v (gensym "NEW")))
    `(tagbody
       ,top
       (unless (typep ,place ',type)
         (restart-case
             (error 'simple-type-error :datum ,place :expected-type ',type
                    :format-control "The value of ~S is ~S, which is not ~A."
                    :format-arguments (list ',place ,place ,(or string `(%simple-format nil "of type ~S" ',type))))
           (store-value (,v)
             :report (lambda (s) (%simple-format s "Supply a new value for ~S." ',place))
             :interactive (lambda () (list (%query-value ',place)))
             ,(if (symbolp place) `(setq ,place ,v) `(setf ,place ,v))))
         (go ,top)))))

(defmacro assert (test &optional places string &rest args)
  (let ((top (gensym "ASSERT")))
    `(tagbody
       ,top
       (unless ,test
         (restart-case ,(if string `(error ,string ,@args) `(error "The assertion ~S failed." ',test))
           (continue () :report (lambda (s) (%simple-format s "Retry the assertion.")) nil))
         (go ,top)))))

(defun backtrace (&optional (count 30))
  (let ((i 0))
    (dolist (f (%last-backtrace))
      (when (< i count)
        (write-string ";;   " t) (prin1 i t) (write-string ": " t) (prin1 f t) (terpri t))
      (setq i (1+ i))))
  (values))
