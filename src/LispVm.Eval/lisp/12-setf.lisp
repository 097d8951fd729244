;;;; 12-setf.lisp — generalized places: get-setf-expansion, setf/psetf/shiftf/rotatef,
;;;; defsetf (short and long), define-setf-expander, define-modify-macro, incf/decf,
;;;; push/pop/pushnew/remf, and the places of the standard accessors whose primitives
;;;; exist by now (lists, symbols, vectors, strings, hash tables, plists, values, the).
;;;; Expanders live on the accessor symbol's plist: %setf-expander (a function of
;;;; place and environment) or %setf-updater (short defsetf: (updater args... new) → new).
;;;; Other places fall back to the function (setf NAME), as CL specifies.

(defun fdefinition (name)
  (symbol-function (if (consp name) (%setf-name (cadr name)) name)))

(defun revappend (x y) (dolist (e x y) (setq y (cons e y))))

(defun %gensyms (n)
  (let ((r nil)) (dotimes (i n r) (setq r (cons (gensym) r)))))

(defun %pairs (vars vals)
  (let ((r nil))
    (tagbody top
       (when vars
         (setq r (cons (list (car vars) (car vals)) r) vars (cdr vars) vals (cdr vals))
         (go top)))
    (nreverse r)))

(defun %plain-symbol-place-p (place env)
  (and (symbolp place) (eq (macroexpand-1 place env) place)))

(defun get-setf-expansion (place &optional env)
  (cond ((symbolp place)
         (multiple-value-bind (exp expanded) (macroexpand-1 place env)
           (if (and expanded (not (eq exp place)))
               (get-setf-expansion exp env)
               (let ((s (gensym "NEW")))
                 (values nil nil (list s) (list 'setq place s) place)))))
        ((not (consp place)) (error "~S is not a valid place." place))
        (t
         (let* ((op (car place))
                (expander (and (symbolp op) (get op '%setf-expander)))
                (updater (and (symbolp op) (get op '%setf-updater))))
           (cond (expander (funcall expander place env))
                 (updater
                  (let ((temps (%gensyms (length (cdr place)))) (s (gensym "NEW")))
                    (values temps (cdr place) (list s)
                            (cons updater (append temps (list s)))
                            (cons op temps))))
                 (t
                  (multiple-value-bind (exp expanded) (macroexpand-1 place env)
                    (if (and expanded (not (eq exp place)))
                        (get-setf-expansion exp env)
                        (let ((temps (%gensyms (length (cdr place)))) (s (gensym "NEW")))
                          (values temps (cdr place) (list s)
                                  (list* 'funcall (list 'function (list 'setf op)) s temps)
                                  (cons op temps)))))))))))

(defun %setf-1 (place value env)
  (cond ((%plain-symbol-place-p place env) (list 'setq place value))
        ((and (consp place) (symbolp (car place))
              (let ((fast (get (car place) '%setf-fast)))
                (and fast (eql (car fast) (length (cdr place))))))
         ;; e.g. (gethash k h) or (aref v i): a direct call, subforms then value in order
         (append (cons (cdr (get (car place) '%setf-fast)) (cdr place)) (list value)))
        ((and (consp place) (symbolp (car place))
              (not (get (car place) '%setf-expander))
              (get (car place) '%setf-updater))
         ;; Short defsetf: subforms, then the value, evaluated in order by the call.
         (append (cons (get (car place) '%setf-updater) (cdr place)) (list value)))
        (t
         (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
           (declare (ignore access))
           (if (and stores (null (cdr stores)))
               `(let* (,@(%pairs temps vals) (,(car stores) ,value)) ,store)
               `(let* ,(%pairs temps vals)
                  (multiple-value-bind ,stores ,value ,store)))))))

(defmacro setf (&rest pairs &environment env)
  (cond ((null pairs) nil)
        ((null (cdr pairs)) (error "Odd number of arguments to SETF: ~S" pairs))
        ((null (cddr pairs)) (%setf-1 (car pairs) (cadr pairs) env))
        (t (let ((forms nil))
             (do ((p pairs (cddr p))) ((null p))
               (when (null (cdr p)) (error "Odd number of arguments to SETF: ~S" pairs))
               (setq forms (cons (%setf-1 (car p) (cadr p) env) forms)))
             (cons 'progn (nreverse forms))))))

(defmacro psetf (&rest pairs &environment env)
  (let ((binds nil) (stores nil))
    (do ((p pairs (cddr p))) ((null p))
      (multiple-value-bind (temps vals svars store access) (get-setf-expansion (car p) env)
        (declare (ignore access))
        (setq binds (revappend (%pairs temps vals) binds))
        (if (cdr svars)
            (let ((g (gensym)))
              (setq binds (cons (list g `(multiple-value-list ,(cadr p))) binds))
              (setq stores (cons `(multiple-value-bind ,svars (values-list ,g) ,store) stores)))
            (progn
              (setq binds (cons (list (car svars) (cadr p)) binds))
              (setq stores (cons store stores))))))
    `(let* ,(nreverse binds) ,@(nreverse stores) nil)))

(defmacro shiftf (&rest places-and-value &environment env)
  (let ((binds nil) (stores nil) (accesses nil) (svars nil)
        (places (butlast places-and-value)) (value (car (last places-and-value))))
    (dolist (p places)
      (multiple-value-bind (temps vals sv store access) (get-setf-expansion p env)
        (setq binds (revappend (%pairs temps vals) binds))
        (setq svars (cons (car sv) svars) stores (cons store stores) accesses (cons access accesses))))
    (setq svars (nreverse svars) stores (nreverse stores) accesses (nreverse accesses))
    (let ((old (gensym "OLD")))
      `(let* (,@(nreverse binds) (,old ,(car accesses)))
         ,@(let ((sets nil))
             (do ((s svars (cdr s)) (a (cdr accesses) (cdr a))) ((null s))
               (setq sets (cons (list (car s) (if a (car a) value)) sets)))
             (list `(let ,(nreverse sets) ,@stores)))
         ,old))))

(defmacro rotatef (&rest places &environment env)
  (if (null places) nil
      (let ((binds nil) (stores nil) (accesses nil) (svars nil))
        (dolist (p places)
          (multiple-value-bind (temps vals sv store access) (get-setf-expansion p env)
            (setq binds (revappend (%pairs temps vals) binds))
            (setq svars (cons (car sv) svars) stores (cons store stores) accesses (cons access accesses))))
        (setq svars (nreverse svars) stores (nreverse stores) accesses (nreverse accesses))
        `(let* ,(nreverse binds)
           (let ,(let ((sets nil))
                   (do ((s svars (cdr s)) (a (cdr accesses) (cdr a))) ((null s))
                     (setq sets (cons (list (car s) (if a (car a) (car accesses))) sets)))
                   (nreverse sets))
             ,@stores)
           nil))))

;;; Read-modify-write

(defun %modify-expand (place env fn args)
  (if (%plain-symbol-place-p place env)
      `(setq ,place (,fn ,place ,@args))
      (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
        `(let* (,@(%pairs temps vals) (,(car stores) (,fn ,access ,@args))) ,store))))

(defun %modify-macro-args (lambda-list)
  "Forms for list*: the lambda list's variables, the &rest variable (or nil) last."
  (let ((r nil) (rest nil) (l lambda-list))
    (tagbody top
       (when l
         (let ((x (car l)))
           (cond ((eq x '&optional))
                 ((eq x '&rest) (setq rest (cadr l) l (cdr l)))
                 (t (setq r (cons (if (consp x) (car x) x) r)))))
         (setq l (cdr l))
         (go top)))
    (nreverse (cons rest r))))

(defmacro define-modify-macro (name lambda-list function &optional doc)
  (declare (ignore doc))
  (let ((place (gensym "PLACE")) (env (gensym "ENV")))
    `(defmacro ,name (,place ,@lambda-list &environment ,env)
       (%modify-expand ,place ,env ',function (list* ,@(%modify-macro-args lambda-list))))))

(defmacro incf (place &optional (delta 1) &environment env)
  (%modify-expand place env '+ (list delta)))
(defmacro decf (place &optional (delta 1) &environment env)
  (%modify-expand place env '- (list delta)))

(defmacro push (item place &environment env)
  (if (%plain-symbol-place-p place env)
      `(setq ,place (cons ,item ,place))
      (let ((g (gensym "ITEM")))
        (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
          `(let* ((,g ,item) ,@(%pairs temps vals) (,(car stores) (cons ,g ,access))) ,store)))))

(defmacro pushnew (item place &rest keys &environment env)
  (let ((g (gensym "ITEM")))
    (if (%plain-symbol-place-p place env)
        `(let ((,g ,item)) (setq ,place (adjoin ,g ,place ,@keys)))
        (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
          `(let* ((,g ,item) ,@(%pairs temps vals) (,(car stores) (adjoin ,g ,access ,@keys)))
             ,store)))))

(defmacro pop (place &environment env)
  (if (%plain-symbol-place-p place env)
      `(prog1 (car ,place) (setq ,place (cdr ,place)))
      (let ((g (gensym "LIST")))
        (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
          `(let* (,@(%pairs temps vals) (,g ,access))
             (prog1 (car ,g) (let ((,(car stores) (cdr ,g))) ,store)))))))

(defmacro remf (place indicator &environment env)
  (let ((flag (gensym "FLAG")) (ind (gensym "IND")))
    (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
      `(let* (,@(%pairs temps vals) (,ind ,indicator))
         (multiple-value-bind (,(car stores) ,flag) (%remf ,access ,ind)
           ,store
           ,flag)))))

;;; Defining places

(defmacro defsetf (access-fn &rest rest)
  (if (and rest (symbolp (car rest)))
      `(progn (%set-setf-updater ',access-fn ',(car rest)) ',access-fn)
      (let ((lambda-list (car rest)) (store-vars (cadr rest)) (body (cddr rest))
            (form (gensym "FORM")) (env (gensym "ENV")) (temps (gensym "TEMPS")) (stores (gensym "STORES")))
        `(progn
           (%set-setf-expander
            ',access-fn
            (lambda (,form ,env)
              (declare (ignore ,env))
              (let ((,temps (%gensyms (length (cdr ,form))))
                    (,stores (%gensyms ,(length store-vars))))
                (values ,temps (cdr ,form) ,stores
                        (destructuring-bind (,@store-vars) ,stores
                          (destructuring-bind ,lambda-list ,temps ,@body))
                        (cons ',access-fn ,temps)))))
           ',access-fn))))

(defun %set-setf-updater (name updater)
  (%remprop-internal name '%setf-expander)
  (%remprop-internal name '%setf-fast)
  (%put name '%setf-updater updater))

(defun %set-setf-expander (name fn)
  (%remprop-internal name '%setf-updater)
  (%remprop-internal name '%setf-fast)
  (%put name '%setf-expander fn))

(defun %remove-env-param (lambda-list)
  "Two values: LAMBDA-LIST without &environment VAR, and VAR (or a fresh symbol)."
  (let ((r nil) (env nil) (l lambda-list))
    (tagbody top
       (when (consp l)
         (if (eq (car l) '&environment)
             (setq env (cadr l) l (cddr l))
             (setq r (cons (car l) r) l (cdr l)))
         (go top)))
    (values (revappend r l) (or env (gensym "ENV")))))

(defmacro define-setf-expander (access-fn lambda-list &body body)
  (multiple-value-bind (ll env) (%remove-env-param lambda-list)
    (let ((form (gensym "FORM")))
      `(progn
         (%set-setf-expander ',access-fn
                             (lambda (,form ,env)
                               (declare (ignorable ,env))
                               (destructuring-bind ,ll (cdr ,form) ,@body)))
         ',access-fn))))

;;; Symbol plists: get / (setf get) / remprop (plists are primitives of the engine).

(defun %put (symbol indicator value)
  (%set-symbol-plist symbol (%putf (symbol-plist symbol) indicator value))
  value)

(defun %remprop-internal (symbol indicator)
  (multiple-value-bind (new found) (%remf (symbol-plist symbol) indicator)
    (when found (%set-symbol-plist symbol new))
    found))

(defun remprop (symbol indicator) (%remprop-internal symbol indicator))

(defun %putf (plist indicator value)
  "PLIST with INDICATOR set to VALUE (destructive when present)."
  (do ((l plist (cddr l))) ((atom l) (list* indicator value plist))
    (when (eq (car l) indicator) (rplaca (cdr l) value) (return plist))))

(defun %remf (plist indicator)
  "Two values: the new plist and whether INDICATOR was found."
  (cond ((atom plist) (values plist nil))
        ((eq (car plist) indicator) (values (cddr plist) t))
        (t (do ((prev (cdr plist) (cddr prev))) ((atom (cdr prev)) (values plist nil))
             (when (eq (cadr prev) indicator)
               (rplacd prev (cdddr prev))
               (return (values plist t)))))))

;;; The standard places.

(unless (fboundp '%setcar)
  (defun %setcar (c v) (rplaca c v) v)
  (defun %setcdr (c v) (rplacd c v) v))
(defsetf car %setcar)
(defsetf cdr %setcdr)
(defsetf first %setcar)
(defsetf rest %setcdr)
(defsetf caar (x) (v) `(%setcar (car ,x) ,v))
(defsetf cadr (x) (v) `(%setcar (cdr ,x) ,v))
(defsetf cdar (x) (v) `(%setcdr (car ,x) ,v))
(defsetf cddr (x) (v) `(%setcdr (cdr ,x) ,v))
(defsetf caddr (x) (v) `(%setcar (cddr ,x) ,v))
(defsetf cdddr (x) (v) `(%setcdr (cddr ,x) ,v))
(defsetf cadddr (x) (v) `(%setcar (cdddr ,x) ,v))
(defsetf caaar (x) (v) `(%setcar (caar ,x) ,v))
(defsetf caadr (x) (v) `(%setcar (cadr ,x) ,v))
(defsetf cadar (x) (v) `(%setcar (cdar ,x) ,v))
(defsetf cdaar (x) (v) `(%setcdr (caar ,x) ,v))
(defsetf cdadr (x) (v) `(%setcdr (cadr ,x) ,v))
(defsetf cddar (x) (v) `(%setcdr (cdar ,x) ,v))
(defsetf second (x) (v) `(%setcar (cdr ,x) ,v))
(defsetf third (x) (v) `(%setcar (cddr ,x) ,v))
(defsetf fourth (x) (v) `(%setcar (nthcdr 3 ,x) ,v))
(defsetf fifth (x) (v) `(%setcar (nthcdr 4 ,x) ,v))
(defsetf sixth (x) (v) `(%setcar (nthcdr 5 ,x) ,v))
(defsetf seventh (x) (v) `(%setcar (nthcdr 6 ,x) ,v))
(defsetf eighth (x) (v) `(%setcar (nthcdr 7 ,x) ,v))
(defsetf ninth (x) (v) `(%setcar (nthcdr 8 ,x) ,v))
(defsetf tenth (x) (v) `(%setcar (nthcdr 9 ,x) ,v))
(defsetf nth (n list) (v) `(%setcar (nthcdr ,n ,list) ,v))
(defsetf nthcdr (n list) (v) `(%setcdr (nthcdr (- ,n 1) ,list) ,v))

(defun %set-symbol-value (s v) (set s v) v)
(defun %set-symbol-function* (s f) (%set-symbol-function s f) f)
(defun %set-symbol-plist* (s p) (%set-symbol-plist s p) p)
(defsetf symbol-value %set-symbol-value)
(defsetf symbol-function %set-symbol-function*)
(defsetf symbol-plist %set-symbol-plist*)
(defsetf get (symbol indicator &optional default) (v)
  `(progn ,default (%put ,symbol ,indicator ,v)))
(defun %set-fdefinition (name f)
  (%set-symbol-function (if (consp name) (%setf-name (cadr name)) name) f) f)
(defsetf fdefinition %set-fdefinition)

(defun %svset* (v i x) (%svset v i x) x)
(defsetf svref %svset*)
(defun %set-char* (s i c) (%set-char s i c) c)
(defsetf char %set-char*)
(defsetf schar %set-char*)
(defsetf gethash (key table &optional default) (v)
  `(progn ,default (%puthash* ,key ,table ,v)))
(defun %puthash* (k h v) (%puthash k h v) v)
(%put 'gethash '%setf-fast '(2 . %puthash*))

(define-setf-expander getf (place indicator &optional default &environment env)
  (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
    (let ((itemp (gensym "IND")) (dtemp (gensym "DEF")) (s (gensym "NEW")))
      (values (append temps (list itemp dtemp))
              (append vals (list indicator default))
              (list s)
              `(let ((,(car stores) (%putf ,access ,itemp ,s))) ,store ,s)
              `(getf ,access ,itemp ,dtemp)))))

(define-setf-expander values (&rest places &environment env)
  (let ((temps nil) (vals nil) (stores nil) (store-forms nil) (accesses nil))
    (dolist (p places)
      (multiple-value-bind (tm vl st sf ac) (get-setf-expansion p env)
        (setq temps (append temps tm) vals (append vals vl))
        (setq stores (append stores (list (car st))))
        (setq store-forms (cons (if (cdr st) `(let ,(cdr st) ,sf) sf) store-forms))
        (setq accesses (cons ac accesses))))
    (values temps vals stores
            `(progn ,@(nreverse store-forms) (values ,@stores))
            `(values ,@(nreverse accesses)))))

(define-setf-expander the (type place &environment env)
  (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
    (values temps vals stores
            `(let ((,(car stores) (the ,type ,(car stores)))) ,store)
            `(the ,type ,access))))

(defmacro multiple-value-setq (vars form)
  `(values (setf (values ,@vars) ,form)))
