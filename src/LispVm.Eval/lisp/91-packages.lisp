;;;; 91-packages.lisp — the package functions beyond the engine's (CoreSymbols.cs):
;;;; DELETE-PACKAGE, RENAME-PACKAGE, UNUSE-PACKAGE, UNINTERN, FIND-ALL-SYMBOLS,
;;;; DO-ALL-SYMBOLS and WITH-PACKAGE-ITERATOR, over the raw package slots.

(defun unuse-package (packages-to-unuse &optional (package *package*))
  (let ((p (%package-arg package)))
    (dolist (u (if (listp packages-to-unuse) packages-to-unuse (list packages-to-unuse)) t)
      (let ((up (%package-arg u)))
        (%set-package-use-list p (remove up (%package-use-list p)))))))

(defun delete-package (package)
  "Removes PACKAGE from the registry; its own symbols lose their home package. NIL if it
was deleted already; a missing name is a correctable package-error."
  (let ((p (if (packagep package) package (find-package package))))
    (cond ((null p)
           (cerror "Return NIL." 'package-error :package package)
           nil)
          ((null (package-name p)) nil)
          (t
           (let ((users (package-used-by-list p)))
             (when users
               (cerror "Remove it from the use lists of the packages that use it."
                       'package-error :package p))
             (dolist (u users) (unuse-package p u)))
           (%set-package-use-list p nil)
           (dolist (s (%package-symbol-list p nil))
             (when (eq (symbol-package s) p) (%unintern s p)))
           (%forget-package p)
           t))))

(defun rename-package (package new-name &optional new-nicknames)
  (let* ((p (%package-arg package))
         (name (if (packagep new-name) (package-name new-name) (copy-seq (%designator-name new-name))))
         (nicks (mapcar (lambda (n) (copy-seq (%designator-name n))) new-nicknames)))
    (dolist (n (cons name nicks))
      (let ((other (find-package n)))
        (when (and other (not (eq other p)))
          (error 'package-error :package n))))
    (%set-package-name p name)
    (%set-package-nicknames p nicks)
    p))

(defun unintern (symbol &optional (package *package*))
  (let ((p (%package-arg package)))
    (setf (gethash p *%shadowing-symbols*) (remove symbol (gethash p *%shadowing-symbols*)))
    (%unintern symbol p)))

(defun find-all-symbols (string)
  (let ((name (string string)) (found nil))
    (dolist (p (list-all-packages) found)
      (multiple-value-bind (s status) (find-symbol name p)
        (when (member status '(:internal :external))
          (pushnew s found))))))

(defmacro do-all-symbols ((var &optional result) &body body)
  (let ((p (gensym "P")))
    `(progn (dolist (,p (list-all-packages))
              (dolist (,var (%package-symbol-list ,p nil)) ,@body))
            (let ((,var nil)) (declare (ignorable ,var)) ,result))))

(defun %package-iterator (package-list types)
  "A closure giving (values t symbol status package) for each symbol of the packages whose
status is one of TYPES, then NIL."
  (let ((items nil))
    (dolist (pd (if (and (listp package-list) package-list) package-list (list package-list)))
      (let ((p (%package-arg pd)))
        (dolist (s (%package-symbol-list p nil))
          (multiple-value-bind (found status) (find-symbol (symbol-name s) p)
            (when (and (eq found s) (member status types))
              (push (list s status p) items))))))
    (lambda ()
      (if items
          (let ((e (pop items))) (values t (first e) (second e) (third e)))
          nil))))

(defmacro with-package-iterator ((name package-list &rest symbol-types) &body body)
  (unless symbol-types
    (error 'program-error))
  (let ((f (gensym "ITER")))
    `(let ((,f (%package-iterator ,package-list ',symbol-types)))
       (macrolet ((,name () '(funcall ,f)))
         ,@body))))

;; The engine's name lookups take simple strings; a string with a fill pointer (or an
;; adjustable one) names the same thing by its active characters.
(defun %simple-name (x)
  (if (or (symbolp x) (characterp x)) x (%designator-name x)))

(let ((engine-find-package (symbol-function 'find-package))
      (engine-intern (symbol-function 'intern))
      (engine-find-symbol (symbol-function 'find-symbol))
      (engine-make-symbol (symbol-function 'make-symbol)))
  (defun find-package (name)
    (funcall engine-find-package (%designator-name name)))
  (defun intern (string &optional (package *package*))
    (funcall engine-intern (%simple-name string) (%designator-name package)))
  (defun find-symbol (string &optional (package *package*))
    (funcall engine-find-symbol (%simple-name string) (%designator-name package)))
  (defun make-symbol (name)
    (funcall engine-make-symbol (%simple-name name))))

(defun copy-symbol (symbol &optional copy-properties)
  "A fresh uninterned symbol with SYMBOL's name; with COPY-PROPERTIES, also its value,
function and a copy of its property list."
  (let ((new (make-symbol (symbol-name symbol))))
    (when copy-properties
      (when (boundp symbol) (setf (symbol-value new) (symbol-value symbol)))
      (when (fboundp symbol) (setf (symbol-function new) (symbol-function symbol)))
      (setf (symbol-plist new) (copy-list (symbol-plist symbol))))
    new))

;; APROPOS and APROPOS-LIST: 93-tools.lisp.

;;; UNEXPORT, and the library's plist indicators kept internal to COMMON-LISP: a standard
;;; symbol's plist must hold no indicator that is external in COMMON-LISP or accessible
;;; in COMMON-LISP-USER (the boot exports every symbol it defined; Boot.cs calls
;;; %UNEXPORT-INTERNALS after that).
(defun unexport (symbols &optional (package *package*))
  (let ((p (%package-arg package)))
    (dolist (s (if (listp symbols) symbols (list symbols)) t)
      (unless (symbolp s) (error 'type-error :datum s :expected-type 'symbol))
      (multiple-value-bind (found status) (find-symbol (symbol-name s) p)
        (unless (and status (eq found s))
          (error 'package-error :package p))
        (%unexport s p)))))

(defparameter *%internal-indicators*
  '(%compiler-macro %condition-class %deftype %doc-function %doc-variable %marray
    %setf-expander %setf-fast %setf-updater %struct-accessor %struct-layout
    %struct-list-slots %traced-original
    ;; CLOS (lisp/50-56-clos-*.lisp)
    %condition-parents %class %method-combination
    ;; conditions and types (01-conditions.lisp, 50-clos-classes.lisp)
    %condition-class-object %condition-documentation %struct-class))

(defun %unexport-internals ()
  (let ((cl (find-package "COMMON-LISP")))
    (dolist (s *%internal-indicators* t) (%unexport s cl))))
