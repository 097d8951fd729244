;;;; 10-control.lisp — control macros beyond what 00-boot.lisp gives: full case/ecase/
;;;; ccase with otherwise and key lists, typecase family, do/do*, full dolist/dotimes
;;;; (result forms, declarations, tags in the body), prog/prog*. 00-boot already has
;;;; when/unless/cond/and/or/return/prog1/prog2/psetq/multiple-value-*/destructuring-bind.

(defun %type-error (datum type) (error 'type-error :datum datum :expected-type type))

;;; Body parsing shared by the binding macros.

(defun %split-decls (body)
  "Two values: the leading (declare ...) forms of BODY and the rest."
  (let ((decls nil))
    (tagbody top
       (when (and (consp body) (consp (car body)) (eq (car (car body)) 'declare))
         (setq decls (cons (car body) decls) body (cdr body))
         (go top)))
    (values (nreverse decls) body)))

(defun %split-doc-decls (body)
  "Like %split-decls but also skips one docstring (when not the last form)."
  (let ((decls nil) (doc nil))
    (tagbody top
       (cond ((and (consp body) (consp (car body)) (eq (car (car body)) 'declare))
              (setq decls (cons (car body) decls) body (cdr body)) (go top))
             ((and (consp body) (stringp (car body)) (cdr body) (null doc))
              (setq doc (car body) body (cdr body)) (go top))))
    (values (nreverse decls) body doc)))

;;; Iteration

(defun %do-expand (varlist endlist body binder setter)
  (let ((top (gensym "DO-TOP")) (bindings nil) (steps nil) (vs varlist))
    (tagbody next
       (when (consp vs)
         (let ((v (car vs)))
           (if (atom v)
               (setq bindings (cons v bindings))
               (progn
                 (setq bindings (cons (list (car v) (car (cdr v))) bindings))
                 (when (cdr (cdr v))
                   (setq steps (cons (car (cdr (cdr v))) (cons (car v) steps)))))))
         (setq vs (cdr vs))
         (go next)))
    (multiple-value-bind (decls forms) (%split-decls body)
      `(block nil
         (,binder ,(nreverse bindings)
           ,@decls
           (tagbody
              ,top
              (if ,(car endlist) (return-from nil (progn ,@(cdr endlist))))
              ,@forms
              ,@(if steps (list (cons setter (nreverse steps))))
              (go ,top)))))))

(defmacro do (varlist endlist &body body) (%do-expand varlist endlist body 'let 'psetq))
(defmacro do* (varlist endlist &body body) (%do-expand varlist endlist body 'let* 'setq))

(defmacro dotimes (spec &body body)
  (let ((var (car spec)) (count (car (cdr spec))) (result (car (cdr (cdr spec))))
        (n (gensym "N")) (top (gensym "TOP")) (end (gensym "END")))
    (multiple-value-bind (decls forms) (%split-decls body)
      `(block nil
         (let ((,n ,count) (,var 0))
           ,@decls
           (tagbody
              ,top
              (if (>= ,var ,n) (go ,end))
              ,@forms
              (setq ,var (+ ,var 1))
              (go ,top)
              ,end)
           ,result)))))

(defmacro dolist (spec &body body)
  (let ((var (car spec)) (list (car (cdr spec))) (result (car (cdr (cdr spec))))
        (l (gensym "L")) (top (gensym "TOP")) (end (gensym "END")))
    (multiple-value-bind (decls forms) (%split-decls body)
      `(block nil
         (let ((,l ,list))
           (tagbody
              ,top
              (if (atom ,l) (go ,end))
              (let ((,var (car ,l)))
                ,@decls
                (tagbody ,@forms))
              (setq ,l (cdr ,l))
              (go ,top)
              ,end)
           ,(if result `(let ((,var nil)) ,var ,result) nil))))))

;;; case family

(defun %case-test (g keys clause-kind)
  (cond ((and (eq clause-kind :last) (or (eq keys t) (eq keys 'otherwise))) t)
        ((null keys) nil)
        ((atom keys) `(eql ,g ',keys))
        ((null (cdr keys)) `(eql ,g ',(car keys)))
        ((null (cdr (cdr (cdr (cdr keys)))))
         (cons 'or (let ((r nil)) (dolist (k keys (nreverse r)) (setq r (cons `(eql ,g ',k) r))))))
        (t `(%memql ,g ',keys))))

(defun %memql (x list)
  (tagbody top
     (when (consp list)
       (when (eql x (car list)) (return-from %memql list))
       (setq list (cdr list))
       (go top)))
  nil)

(defun %case-clauses (g clauses)
  (let ((out nil))
    (do ((cs clauses (cdr cs))) ((null cs) (nreverse out))
      (let ((c (car cs)))
        (setq out (cons (cons (%case-test g (car c) (if (cdr cs) :mid :last))
                              (if (cdr c) (cdr c) (list nil)))
                        out))))))

(defun %case-keys (clauses)
  (let ((keys nil))
    (dolist (c clauses (nreverse keys))
      (if (listp (car c))
          (dolist (k (car c)) (setq keys (cons k keys)))
          (setq keys (cons (car c) keys))))))

(defmacro case (keyform &rest clauses)
  (let ((g (gensym)))
    `(let ((,g ,keyform)) (cond ,@(%case-clauses g clauses)))))

(defmacro ecase (keyform &rest clauses)
  (let ((g (gensym)))
    `(let ((,g ,keyform))
       (cond ,@(%case-clauses g clauses)
             (t (%case-failure ,g ',(%case-keys clauses) 'ecase))))))

(defmacro ccase (keyform &rest clauses) `(ecase ,keyform ,@clauses))

(defun %case-failure (value keys what)
  (error "~S fell through ~S expression; wanted one of ~S" value what keys))

(defmacro typecase (keyform &rest clauses)
  (let ((g (gensym)))
    `(let ((,g ,keyform))
       (cond ,@(let ((out nil))
                 (do ((cs clauses (cdr cs))) ((null cs) (nreverse out))
                   (let ((c (car cs)))
                     (setq out (cons (cons (if (and (null (cdr cs)) (or (eq (car c) t) (eq (car c) 'otherwise)))
                                               t `(typep ,g ',(car c)))
                                           (if (cdr c) (cdr c) (list nil)))
                                     out)))))))))

(defmacro etypecase (keyform &rest clauses)
  (let ((g (gensym)))
    `(let ((,g ,keyform))
       (typecase ,g ,@clauses
         (t (%typecase-failure ,g '(or ,@(let ((ts nil)) (dolist (c clauses (nreverse ts)) (setq ts (cons (car c) ts))))) 'etypecase))))))

(defmacro ctypecase (keyform &rest clauses) `(etypecase ,keyform ,@clauses))

(defun %typecase-failure (value type what)
  (error "~S fell through ~S expression; wanted one of ~S" value what (cdr type)))

(defmacro prog (vars &body body)
  (multiple-value-bind (decls forms) (%split-decls body)
    `(block nil (let ,vars ,@decls (tagbody ,@forms)))))

(defmacro prog* (vars &body body)
  (multiple-value-bind (decls forms) (%split-decls body)
    `(block nil (let* ,vars ,@decls (tagbody ,@forms)))))

(defun constantly (value)
  (lambda (&rest arguments) (declare (ignore arguments)) value))

(defun constantp (form &optional environment)
  "True for self-evaluating objects, constant variables, keywords and (QUOTE x)."
  (declare (ignore environment))
  (cond ((symbolp form) (or (null form) (eq form t) (keywordp form) (%constant-p form)))
        ((consp form) (and (eq (car form) 'quote) (consp (cdr form)) (null (cddr form))))
        (t t)))
