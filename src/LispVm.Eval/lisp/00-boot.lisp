;;;; 00-boot.lisp — the engine's Lisp boot: DEFUN, DEFMACRO (destructuring lambda
;;;; lists), backquote, DEFVAR & co., the basic control macros and EVAL/REPL glue. Written
;;;; first with special forms and primitives only, then with the macros it defines.

(%set-symbol-function '%defun-1
  (%named-lambda %defun-1 (name fn &optional doc)
    (%set-symbol-function name fn)
    (if doc (%set-doc name '%doc-function doc))
    name))

;;; Docstrings (DOCUMENTATION): on the symbol's plist under %DOC-FUNCTION / %DOC-VARIABLE.
(%set-symbol-function '%set-doc
  (%named-lambda %set-doc (name indicator doc)
    (if (symbolp name)
        (let ((pl (symbol-plist name)))
          (tagbody top
            (if (consp pl)
                (if (eq (car pl) indicator)
                    (progn (%setcar (cdr pl) doc) (setq pl t))
                    (progn (setq pl (cdr (cdr pl))) (go top)))))
          (if (eq pl t) nil
              (%set-symbol-plist name (cons indicator (cons doc (symbol-plist name)))))))
    doc))

;; The docstring of a body (after any declarations), or NIL.
(%set-symbol-function '%body-doc
  (%named-lambda %body-doc (body)
    (tagbody top
      (if (if (consp body) (if (consp (car body)) (eq (car (car body)) 'declare) nil) nil)
          (progn (setq body (cdr body)) (go top))))
    (if (if (consp body) (if (stringp (car body)) (consp (cdr body)) nil) nil) (car body) nil)))

;;; Body splitting: docstring and declarations.
(%set-symbol-function '%split-body
  (%named-lambda %split-body (body doc-ok)
    ;; Returns (decls . forms), decls in order.
    (let ((decls nil))
      (tagbody
       top
         (if (consp body)
             (if (if (consp (car body)) (eq (car (car body)) 'declare) nil)
                 (progn (setq decls (cons (car body) decls)) (setq body (cdr body)) (go top))
                 (if (if doc-ok (if (stringp (car body)) (consp (cdr body)) nil) nil)
                     (progn (setq doc-ok nil) (setq body (cdr body)) (go top))))))
      (cons (reverse decls) body))))

(%set-symbol-function '%block-name
  (%named-lambda %block-name (name) (if (consp name) (car (cdr name)) name)))

;;; (defun name ll . body)
(%set-macro 'defun
  (%named-lambda defun (form env)
    (let ((name (car (cdr form)))
          (ll (car (cdr (cdr form))))
          (split (%split-body (cdr (cdr (cdr form))) t))
          (doc (%body-doc (cdr (cdr (cdr form))))))
      (list '%defun-1 (list 'quote name)
            (cons '%named-lambda
                  (cons name
                        (cons ll
                              (append (car split)
                                      (list (cons 'block (cons (%block-name name) (cdr split))))))))
            doc))))

(defun %map1 (f l)
  (let ((r nil))
    (tagbody top (if (consp l) (progn (setq r (cons (funcall f (car l)) r)) (setq l (cdr l)) (go top))))
    (reverse r)))

(defun %memq (x l)
  (tagbody top (if (consp l) (if (eq x (car l)) (return-from %memq l) (progn (setq l (cdr l)) (go top)))))
  nil)

;;; gensym
(%proclaim-special '*gensym-counter*)
(set '*gensym-counter* 0)
(defun gensym (&optional (prefix "G"))
  "A string prefix uses and increments *gensym-counter*; an integer is the suffix itself."
  (if (if (integerp prefix) (>= prefix 0) nil)
      (make-symbol (%string-concat "G" (princ-to-string prefix)))
      (if (stringp prefix)
          (let ((n *gensym-counter*))
            (setq *gensym-counter* (+ n 1))
            (make-symbol (%string-concat prefix (princ-to-string n))))
          (error 'type-error :datum prefix :expected-type '(or string unsigned-byte)))))

;;; Backquote: the reader gives (lispvm-system::quasiquote x), unquote, unquote-splicing.
(defun %qq (x depth)
  (if (consp x)
      (if (eq (car x) 'lispvm-system::unquote)
          (if (= depth 0)
              (car (cdr x))
              (list 'list ''lispvm-system::unquote (%qq (car (cdr x)) (- depth 1))))
          (if (eq (car x) 'lispvm-system::quasiquote)
              (list 'list ''lispvm-system::quasiquote (%qq (car (cdr x)) (+ depth 1)))
              (%qq-list x depth)))
      (if (simple-vector-p x)
          (list 'apply '(function vector) (%qq-list (%vector-to-list x) depth))
          (if (if (symbolp x) x nil) (list 'quote x) x))))

(defun %vector-to-list (v)
  (let ((i (length v)) (r nil))
    (tagbody top (if (> i 0) (progn (setq i (- i 1)) (setq r (cons (aref v i) r)) (go top))))
    r))

(defun %qq-list (x depth)
  (let ((segs nil))
    (tagbody
     top
       (if (null x) (go done))
       (if (not (consp x)) (progn (setq segs (cons (list 'quote x) segs)) (go done)))
       (if (eq (car x) 'lispvm-system::unquote) (progn (setq segs (cons (%qq x depth) segs)) (go done)))
       (let ((e (car x)))
         (if (if (consp e) (eq (car e) 'lispvm-system::unquote-splicing) nil)
             (if (= depth 0)
                 (setq segs (cons (car (cdr e)) segs))
                 (setq segs (cons (list 'list (list 'list ''lispvm-system::unquote-splicing
                                                    (%qq (car (cdr e)) (- depth 1))))
                                  segs)))
             (setq segs (cons (list 'list (%qq e depth)) segs))))
       (setq x (cdr x))
       (go top)
     done)
    (if (null (cdr segs))
        (if (if (consp (car segs)) (eq (car (car segs)) 'list) nil) (car segs) (cons 'append (reverse segs)))
        (cons 'append (reverse segs)))))

(%set-macro 'lispvm-system::quasiquote
  (%named-lambda quasiquote (form env) (%qq (car (cdr form)) 0)))

;;; Destructuring: (ll expr body-forms) -> a form binding ll's variables around body.
(defun %ll-keyword-p (p)
  (%memq p '(&optional &rest &body &key &aux &allow-other-keys &whole &environment)))

(defun %dbind-form (name ll expr body whole env)
  (let ((ll2 nil) (pre nil) (nested nil) (req t))
    (tagbody
     top
       (if (null ll) (go done))
       (if (not (consp ll)) (progn (setq ll2 (cons ll (cons '&rest ll2))) (go done)))
       (let ((p (car ll)))
         (if (eq p '&whole)
             (progn (setq pre (cons (list (car (cdr ll)) whole) pre)) (setq ll (cdr (cdr ll))) (go top)))
         (if (eq p '&environment)
             (progn (setq pre (cons (list (car (cdr ll)) env) pre)) (setq ll (cdr (cdr ll))) (go top)))
         (if (%ll-keyword-p p) (setq req nil))
         (if (if req (consp p) nil)
             (let ((g (gensym)))
               (setq nested (cons (list (car ll) g) nested))
               (setq ll2 (cons g ll2)))
             (setq ll2 (cons p ll2))))
       (setq ll (cdr ll))
       (go top)
     done)
    (let ((inner body))
      (tagbody
       top
         (if (consp nested)
             (progn
               (setq inner (list (%dbind-form name (car (car nested)) (car (cdr (car nested))) inner
                                              (car (cdr (car nested))) env)))
               (setq nested (cdr nested))
               (go top))))
      `(let* ,(reverse pre)
         (apply (%named-lambda ,name ,(reverse ll2) ,@inner) ,expr)))))

(defun %macro-lambda (name ll body)
  (let ((form (gensym)) (env (gensym))
        (split (%split-body body t)))
    `(%named-lambda ,name (,form ,env)
       ,(%dbind-form name ll `(cdr ,form)
                     (append (car split) (list (cons 'block (cons name (cdr split)))))
                     form env))))

(defun %make-macro-function (name ll body)
  (%eval (%macro-lambda name ll body)))

(%set-macro 'defmacro
  (%named-lambda defmacro (form env)
    (let ((name (car (cdr form))) (ll (car (cdr (cdr form)))) (body (cdr (cdr (cdr form)))))
      `(progn (%set-macro ',name ,(%macro-lambda name ll body)) ',name))))

(defmacro destructuring-bind (ll expr &body body)
  (let ((w (gensym)))
    `(let ((,w ,expr))
       ,(%dbind-form 'destructuring-bind ll w body w nil))))

(defmacro lambda (&whole form &rest ignore) `(function ,form))

;;; Variables
(defmacro defvar (name &optional (value nil vp) doc)
  (if vp
      `(progn (%proclaim-special ',name) (if (boundp ',name) nil (set ',name ,value))
              ,@(if doc `((%set-doc ',name '%doc-variable ,doc))) ',name)
      `(progn (%proclaim-special ',name) ',name)))
(defmacro defparameter (name value &optional doc)
  `(progn (%proclaim-special ',name) (set ',name ,value) ,@(if doc `((%set-doc ',name '%doc-variable ,doc))) ',name))
(defmacro defconstant (name value &optional doc)
  `(progn (if (boundp ',name) nil (set ',name ,value)) (%proclaim-constant ',name)
          ,@(if doc `((%set-doc ',name '%doc-variable ,doc))) ',name))
(defun proclaim (spec)
  (if (if (consp spec) (eq (car spec) 'special) nil)
      (%map1 (function %proclaim-special) (cdr spec)))
  nil)
(defmacro declaim (&rest specs) `(progn ,@(%map1 (lambda (s) `(proclaim ',s)) specs) nil))

;;; Control
(defmacro when (test &body body) `(if ,test (progn ,@body) nil))
(defmacro unless (test &body body) `(if ,test nil (progn ,@body)))
(defmacro and (&rest forms)
  (if (null forms) t
      (if (null (cdr forms)) (car forms)
          `(if ,(car forms) (and ,@(cdr forms)) nil))))
(defmacro or (&rest forms)
  (if (null forms) nil
      (if (null (cdr forms)) (car forms)
          (let ((g (gensym)))
            `(let ((,g ,(car forms))) (if ,g ,g (or ,@(cdr forms))))))))
(defmacro cond (&rest clauses)
  (if (null clauses) nil
      (let ((c (car clauses)))
        (if (null (cdr c))
            `(or ,(car c) (cond ,@(cdr clauses)))
            `(if ,(car c) (progn ,@(cdr c)) (cond ,@(cdr clauses)))))))
(defmacro return (&optional value) `(return-from nil ,value))
(defmacro prog1 (first &body rest) (let ((g (gensym))) `(let ((,g ,first)) ,@rest ,g)))
(defmacro prog2 (first second &body rest) `(progn ,first (prog1 ,second ,@rest)))
(defmacro multiple-value-bind (vars form &body body)
  (let ((r (gensym)))
    `(multiple-value-call (lambda (&optional ,@vars &rest ,r) (declare (ignore ,r)) ,@body) ,form)))
(defmacro multiple-value-list (form) `(multiple-value-call (function list) ,form))
(defmacro nth-value (n form) `(nth ,n (multiple-value-list ,form)))
(defmacro multiple-value-setq (vars form)
  (let ((tmps (%map1 (lambda (v) (gensym)) vars)))
    `(multiple-value-bind ,tmps ,form
       ,@(%map1 (lambda (pair) `(setq ,(car pair) ,(cdr pair))) (%zip vars tmps))
       ,(car tmps))))
(defun %zip (a b) (if (and (consp a) (consp b)) (cons (cons (car a) (car b)) (%zip (cdr a) (cdr b))) nil))
(defmacro psetq (&rest pairs)
  (let ((binds nil) (sets nil))
    (tagbody top
      (when (consp pairs)
        (let ((g (gensym)))
          (setq binds (cons (list g (car (cdr pairs))) binds))
          (setq sets (cons `(setq ,(car pairs) ,g) sets)))
        (setq pairs (cdr (cdr pairs)))
        (go top)))
    `(let ,(reverse binds) ,@(reverse sets) nil)))
(defmacro dotimes ((var count &optional result) &body body)
  (let ((n (gensym)) (top (gensym)))
    `(block nil
       (let ((,n ,count) (,var 0))
         (tagbody ,top
            (when (< ,var ,n) ,@body (setq ,var (1+ ,var)) (go ,top)))
         ,result))))
(defmacro dolist ((var list &optional result) &body body)
  (let ((l (gensym)) (top (gensym)))
    `(block nil
       (let ((,l ,list))
         (tagbody ,top
            (when (consp ,l)
              (let ((,var (car ,l))) ,@body)
              (setq ,l (cdr ,l))
              (go ,top)))
         (let ((,var nil)) ,var ,result)))))
(defmacro case (key &rest clauses)
  (let ((k (gensym)))
    `(let ((,k ,key))
       (cond ,@(%map1 (lambda (c)
                        (let ((keys (car c)))
                          (cond ((or (eq keys t) (eq keys 'otherwise)) `(t ,@(cdr c)))
                                ((listp keys) `((%memql ,k ',keys) ,@(cdr c)))
                                (t `((eql ,k ',keys) ,@(cdr c))))))
                      clauses)))))
(defmacro ecase (key &rest clauses)
  (let ((k (gensym)))
    `(let ((,k ,key))
       (case ,k ,@clauses (otherwise (error 'type-error :datum ,k :expected-type '(member ,@(%case-keys clauses))))))))
(defun %case-keys (clauses)
  (let ((r nil))
    (dolist (c clauses) (if (listp (car c)) (dolist (k (car c)) (setq r (cons k r))) (setq r (cons (car c) r))))
    (reverse r)))
(defun %memql (x l) (dolist (e l nil) (if (eql x e) (return t))))
(defmacro in-package (name) `(progn (%in-package ',name) *package*))
(defun %in-package (name)
  (let ((p (find-package (if (symbolp name) (symbol-name name) name))))
    (if p (setq *package* p) (error 'package-error :package name))))

;;; Printing basics (the library's printer replaces these).
(defun prin1 (x &optional stream) (%write-object x stream t))
(defun princ (x &optional stream) (%write-object x stream nil))
(defun print (x &optional stream) (terpri stream) (%write-object x stream t) (write-char #\Space stream) x)
(defun write-line (s &optional stream) (write-string s stream) (terpri stream) s)

;;; Evaluation
(defun macroexpand-1 (form &optional env)
  (cond ((consp form)
         (let ((f (%macro-expander (car form) env)))
           (if f (values (funcall f form env) t) (values form nil))))
        ((and (symbolp form) form)
         (multiple-value-bind (exp found) (%symbol-macro-expansion form env)
           (if found (values exp t) (values form nil))))
        (t (values form nil))))
(defun macroexpand (form &optional env)
  (let ((expanded nil))
    (tagbody top
      (multiple-value-bind (f e) (macroexpand-1 form env)
        (when e (setq form f expanded t) (go top))))
    (values form expanded)))

(defun %eval-toplevel (form)
  (tagbody
   top
     (when (consp form)
       (let ((head (car form)))
         (cond ((eq head 'progn)
                (if (null (cdr form)) (return-from %eval-toplevel nil))
                (let ((l (cdr form)))
                  (tagbody next
                    (when (consp (cdr l)) (%eval-toplevel (car l)) (setq l (cdr l)) (go next)))
                  (setq form (car l))
                  (go top)))
               ((eq head 'eval-when)
                (if (or (%memq :execute (car (cdr form))) (%memq :load-toplevel (car (cdr form)))
                        (%memq :compile-toplevel (car (cdr form))) (%memq 'eval (car (cdr form))))
                    (progn (setq form (cons 'progn (cdr (cdr form)))) (go top))
                    (return-from %eval-toplevel nil)))
               ((and (symbolp head) (%macro-expander head nil))
                (setq form (macroexpand-1 form))
                (go top))))))
  (%eval form))

(defun eval (form) (%eval-toplevel form))

(defun compile (name &optional definition)
  (let ((fn (if definition
                (if (functionp definition) definition (%eval (list 'function definition)))
                (if (and name (fboundp name)) (fdefinition name) nil))))
    (when name (%set-symbol-function name fn))
    (values (or name fn) nil nil)))

(defvar * nil) (defvar ** nil) (defvar *** nil)
(defvar *features* '(:lispvm :common-lisp))
(defvar *print-base* 10)
(defvar *read-base* 10)

(defun %repl-eval (form)
  (let ((vals (multiple-value-list (%eval-toplevel form))))
    (setq *** ** ** * * (car vals))
    (dolist (v vals) (fresh-line) (prin1 v) (terpri))
    (values)))

(defun get (symbol indicator &optional default) (%getf-1 (symbol-plist symbol) indicator default))
(defun %getf-1 (plist key default)
  (tagbody top
    (when (consp plist)
      (if (eq (car plist) key) (return-from %getf-1 (car (cdr plist))))
      (setq plist (cdr (cdr plist)))
      (go top)))
  default)

(defconstant internal-time-units-per-second 1000000)
