;;;; 00-boot.lisp — the engine's Lisp boot: DEFUN, DEFMACRO (destructuring lambda
;;;; lists), backquote, DEFVAR & co., the basic control macros and EVAL/REPL glue. Written
;;;; first with special forms and primitives only, then with the macros it defines.

(%set-symbol-function '%defun-1
  (%named-lambda %defun-1 (name fn) (%set-symbol-function name fn) name))

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
          (split (%split-body (cdr (cdr (cdr form))) t)))
      (list '%defun-1 (list 'quote name)
            (cons '%named-lambda
                  (cons name
                        (cons ll
                              (append (car split)
                                      (list (cons 'block (cons (%block-name name) (cdr split))))))))))))

(defun %map1 (f l)
  (let ((r nil))
    (tagbody top (if (consp l) (progn (setq r (cons (funcall f (car l)) r)) (setq l (cdr l)) (go top))))
    (reverse r)))

(defun %memq (x l)
  (tagbody top (if (consp l) (if (eq x (car l)) (return-from %memq l) (progn (setq l (cdr l)) (go top)))))
  nil)

(defvar-1-placeholder)
