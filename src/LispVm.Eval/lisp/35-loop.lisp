;;;; 60-loop.lisp — the LOOP macro: simple loop and the common extended clauses (named,
;;;; with, for/as with = then / from to below downto above by / in on across being the
;;;; hash-keys, repeat, while, until, always, never, thereis, collect/append/nconc/sum/
;;;; count/maximize/minimize [into], do, when/if/unless/else/end with `it`, return,
;;;; initially, finally, loop-finish). Expansion: one block, one let* of all variables,
;;;; one tagbody: initially, first-iteration tests, body, steps+tests, finally.
;;;; Keywords are compared by name, so they work from any package.

(defvar *loop-tokens*)
(defvar *loop-bindings*)
(defvar *loop-first*)
(defvar *loop-step*)
(defvar *loop-body*)
(defvar *loop-initially*)
(defvar *loop-finally*)
(defvar *loop-result*)
(defvar *loop-accums*)
(defvar *loop-end*)
(defvar *loop-name*)
(defvar *loop-it*)

(defun %loop-kw-p (x &rest names)
  (and (symbolp x) x (member (symbol-name x) names :test #'string=)))

(defun %loop-next () (pop *loop-tokens*))
(defun %loop-peek () (car *loop-tokens*))
(defun %loop-error (fmt &rest args)
  (error "LOOP: ~A" (apply #'format nil fmt args)))

(defun %loop-bind (var init)
  (setq *loop-bindings* (cons (list var init) *loop-bindings*)))

(defun %loop-bind-pattern (pattern init)
  "Bind the variables of a destructuring PATTERN; return the form that sets them from INIT."
  (if (and pattern (symbolp pattern))
      (progn (%loop-bind pattern init) nil)
      (progn (%loop-pattern-vars pattern)
             (if init (%loop-dsetq pattern init) nil))))

(defun %loop-pattern-vars (pattern)
  (cond ((null pattern))
        ((symbolp pattern) (%loop-bind pattern nil))
        ((consp pattern) (%loop-pattern-vars (car pattern)) (%loop-pattern-vars (cdr pattern)))))

(defun %loop-dsetq (pattern form)
  (cond ((null pattern) nil)
        ((symbolp pattern) `(setq ,pattern ,form))
        (t (let ((g (gensym)))
             `(let ((,g ,form))
                ,(%loop-dsetq (car pattern) `(car ,g))
                ,(%loop-dsetq (cdr pattern) `(cdr ,g)))))))

(defun %loop-set (pattern form)
  (if (and pattern (symbolp pattern)) `(setq ,pattern ,form) (%loop-dsetq pattern form)))

(defun %loop-skip-type ()
  "Skip an optional type spec after a variable: of-type X, or a simple type name."
  (cond ((%loop-kw-p (%loop-peek) "OF-TYPE") (%loop-next) (%loop-next))
        ((%loop-kw-p (%loop-peek) "FIXNUM" "FLOAT" "T" "NIL" "INTEGER" "NUMBER"
                     "SINGLE-FLOAT" "DOUBLE-FLOAT")
         (%loop-next))))

(defun %loop-end-test (test) `(when ,test (go ,*loop-end*)))

;;; for / as

(defun %loop-for ()
  (let ((var (%loop-next)))
    (%loop-skip-type)
    (let ((kw (%loop-next)))
      (cond ((%loop-kw-p kw "=") (%loop-for-equals var))
            ((%loop-kw-p kw "IN") (%loop-for-in var nil))
            ((%loop-kw-p kw "ON") (%loop-for-in var t))
            ((%loop-kw-p kw "ACROSS") (%loop-for-across var))
            ((%loop-kw-p kw "FROM" "UPFROM" "DOWNFROM" "TO" "UPTO" "BELOW" "DOWNTO" "ABOVE" "BY")
             (push kw *loop-tokens*) (%loop-for-arith var))
            ((%loop-kw-p kw "BEING") (%loop-for-being var))
            (t (%loop-error "unknown FOR clause keyword ~S" kw))))))

(defun %loop-for-equals (var)
  (let ((init (%loop-next)))
    (if (%loop-kw-p (%loop-peek) "THEN")
        (let ((then (progn (%loop-next) (%loop-next))))
          ;; after an earlier FOR that sets its variable on entry (FOR X IN ...), INIT
          ;; must see that value: set on entry too, in clause order
          (if *loop-first*
              (progn (%loop-bind-pattern var nil) (push (%loop-set var init) *loop-first*))
              (let ((set (%loop-bind-pattern var init)))
                (when set (push set *loop-first*))))
          (push (%loop-set var then) *loop-step*))
        (progn
          (%loop-bind-pattern var nil)
          (push (%loop-set var init) *loop-first*)
          (push (%loop-set var init) *loop-step*)))))

(defun %loop-for-in (var on)
  (let ((list (%loop-next)) (tail (gensym "TAIL")) (by nil))
    (when (%loop-kw-p (%loop-peek) "BY") (%loop-next) (setq by (%loop-next)))
    (%loop-bind tail list)
    (if on
        (if (and var (symbolp var)) (%loop-bind var nil) (%loop-pattern-vars var))
        (if (and var (symbolp var)) (%loop-bind var nil) (%loop-pattern-vars var)))
    (let ((test (%loop-end-test `(atom ,tail)))
          (set (if on (%loop-set var tail) (%loop-set var `(car ,tail))))
          (advance `(setq ,tail ,(if by `(funcall ,by ,tail) `(cdr ,tail)))))
      (push `(progn ,test ,set) *loop-first*)
      (push `(progn ,advance ,test ,set) *loop-step*))))

(defun %loop-for-across (var)
  (let ((vec (%loop-next)) (v (gensym "VEC")) (i (gensym "I")))
    (%loop-bind v vec)
    (%loop-bind i 0)
    (if (and var (symbolp var)) (%loop-bind var nil) (%loop-pattern-vars var))
    (let ((test (%loop-end-test `(>= ,i (length ,v))))
          (set (%loop-set var `(aref ,v ,i))))
      (push `(progn ,test ,set) *loop-first*)
      (push `(progn (setq ,i (+ ,i 1)) ,test ,set) *loop-step*))))

(defun %loop-for-arith (var)
  (let ((from 0) (to nil) (by 1) (dir nil) (inclusive t) (from-seen nil))
    (tagbody top
       (let ((kw (%loop-peek)))
         (cond ((%loop-kw-p kw "FROM") (%loop-next) (setq from (%loop-next) from-seen t) (go top))
               ((%loop-kw-p kw "UPFROM") (%loop-next) (setq from (%loop-next) dir :up from-seen t) (go top))
               ((%loop-kw-p kw "DOWNFROM") (%loop-next) (setq from (%loop-next) dir :down from-seen t) (go top))
               ((%loop-kw-p kw "TO" "UPTO") (%loop-next) (setq to (%loop-next))
                (when (%loop-kw-p kw "UPTO") (setq dir :up)) (go top))
               ((%loop-kw-p kw "BELOW") (%loop-next) (setq to (%loop-next) inclusive nil dir :up) (go top))
               ((%loop-kw-p kw "DOWNTO") (%loop-next) (setq to (%loop-next) dir :down) (go top))
               ((%loop-kw-p kw "ABOVE") (%loop-next) (setq to (%loop-next) inclusive nil dir :down) (go top))
               ((%loop-kw-p kw "BY") (%loop-next) (setq by (%loop-next)) (go top)))))
    (let ((limit (and to (gensym "LIMIT"))) (step (gensym "BY")) (down (eq dir :down)))
      (%loop-bind var from)
      (when limit (%loop-bind limit to))
      (%loop-bind step by)
      (let ((test (if limit
                      (%loop-end-test (if down
                                          (if inclusive `(< ,var ,limit) `(<= ,var ,limit))
                                          (if inclusive `(> ,var ,limit) `(>= ,var ,limit))))
                      nil)))
        (when test (push test *loop-first*))
        (push `(progn (setq ,var (,(if down '- '+) ,var ,step)) ,@(if test (list test))) *loop-step*)))))

(defun %loop-for-being (var)
  ;; for x being the hash-keys of h [using (hash-value v)] / each / hash-values
  (when (%loop-kw-p (%loop-peek) "THE" "EACH") (%loop-next))
  (let ((kind (%loop-next)) (table nil) (other nil))
    (unless (%loop-kw-p (%loop-next) "OF" "IN") (%loop-error "expected OF after BEING ~S" kind))
    (setq table (%loop-next))
    (when (%loop-kw-p (%loop-peek) "USING")
      (%loop-next)
      (setq other (cadr (%loop-next))))
    (cond ((%loop-kw-p kind "HASH-KEY" "HASH-KEYS" "HASH-VALUE" "HASH-VALUES")
           (let* ((keysp (%loop-kw-p kind "HASH-KEY" "HASH-KEYS"))
                  (h (gensym "H")) (tail (gensym "KEYS")))
             (%loop-bind h table)
             (%loop-bind tail `(%hash-table-key-list ,h))
             (%loop-bind var nil)
             (when other (%loop-bind other nil))
             (let* ((k `(car ,tail))
                    (set `(progn
                            ,(%loop-set var (if keysp k `(gethash ,k ,h)))
                            ,@(if other (list `(setq ,other ,(if keysp `(gethash ,k ,h) k))))))
                    (test (%loop-end-test `(atom ,tail))))
               (push `(progn ,test ,set) *loop-first*)
               (push `(progn (setq ,tail (cdr ,tail)) ,test ,set) *loop-step*))))
          ((%loop-kw-p kind "SYMBOL" "SYMBOLS" "PRESENT-SYMBOL" "PRESENT-SYMBOLS"
                       "EXTERNAL-SYMBOL" "EXTERNAL-SYMBOLS")
           (let ((tail (gensym "SYMS")))
             (%loop-bind tail `(%package-symbol-list ,table ,(if (%loop-kw-p kind "EXTERNAL-SYMBOL" "EXTERNAL-SYMBOLS") t nil)))
             (%loop-bind var nil)
             (let ((test (%loop-end-test `(atom ,tail))) (set `(setq ,var (car ,tail))))
               (push `(progn ,test ,set) *loop-first*)
               (push `(progn (setq ,tail (cdr ,tail)) ,test ,set) *loop-step*))))
          (t (%loop-error "unsupported BEING clause ~S" kind)))))

;;; Accumulation

(defun %loop-accum-var (into kind)
  "The variable accumulating KIND (:list, :sum, :max ...); INTO or the default one."
  (let* ((name (or into '%loop-default))
         (entry (assoc name *loop-accums*)))
    (unless entry
      (let ((var (or into (gensym "ACC"))) (tail (gensym "TAIL")))
        (setq entry (list name var tail kind))
        (push entry *loop-accums*)
        (%loop-bind var (case kind ((:sum :count) 0) (t nil)))
        (when (eq kind :list) (%loop-bind tail nil))
        (unless into (setq *loop-result* var))))
    entry))

(defun %loop-accumulate (kw)
  (let* ((form (%loop-it (%loop-next)))
         (into (when (%loop-kw-p (%loop-peek) "INTO") (%loop-next) (%loop-next)))
         (kind (cond ((%loop-kw-p kw "COLLECT" "COLLECTING" "APPEND" "APPENDING" "NCONC" "NCONCING") :list)
                     ((%loop-kw-p kw "SUM" "SUMMING") :sum)
                     ((%loop-kw-p kw "COUNT" "COUNTING") :count)
                     (t :max)))
         (entry (%loop-accum-var into kind))
         (var (cadr entry)) (tail (caddr entry)))
    (%loop-skip-type)
    (cond ((%loop-kw-p kw "COLLECT" "COLLECTING")
           (let ((c (gensym)))
             `(let ((,c (list ,form)))
                (if ,var (rplacd ,tail ,c) (setq ,var ,c))
                (setq ,tail ,c))))
          ((%loop-kw-p kw "APPEND" "APPENDING" "NCONC" "NCONCING")
           (let ((c (gensym)))
             `(let ((,c ,(if (%loop-kw-p kw "APPEND" "APPENDING") `(copy-list ,form) form)))
                (when ,c
                  (if ,var (rplacd (last ,tail) ,c) (setq ,var ,c))
                  (setq ,tail (last ,c))))))
          ((%loop-kw-p kw "SUM" "SUMMING") `(setq ,var (+ ,var ,form)))
          ((%loop-kw-p kw "COUNT" "COUNTING") `(when ,form (setq ,var (+ ,var 1))))
          ((%loop-kw-p kw "MAXIMIZE" "MAXIMIZING")
           (let ((g (gensym))) `(let ((,g ,form)) (setq ,var (if ,var (max ,var ,g) ,g)))))
          (t (let ((g (gensym))) `(let ((,g ,form)) (setq ,var (if ,var (min ,var ,g) ,g))))))))

(defun %loop-it (form)
  (if (and *loop-it* (%loop-kw-p form "IT")) *loop-it* form))

;;; Clauses that run in the body

(defun %loop-compound-forms ()
  (let ((forms nil))
    (tagbody top
       (when (and *loop-tokens* (consp (%loop-peek)))
         (push (%loop-next) forms) (go top)))
    (nreverse forms)))

(defun %loop-body-clause ()
  "Parse one clause that produces a body form; return the form."
  (let ((kw (%loop-next)))
    (cond ((%loop-kw-p kw "DO" "DOING") `(progn ,@(%loop-compound-forms)))
          ((%loop-kw-p kw "COLLECT" "COLLECTING" "APPEND" "APPENDING" "NCONC" "NCONCING"
                       "SUM" "SUMMING" "COUNT" "COUNTING" "MAXIMIZE" "MAXIMIZING"
                       "MINIMIZE" "MINIMIZING")
           (%loop-accumulate kw))
          ((%loop-kw-p kw "RETURN")
           `(return-from ,*loop-name* ,(%loop-it (%loop-next))))
          ((%loop-kw-p kw "WHEN" "IF" "UNLESS") (%loop-conditional kw))
          ((%loop-kw-p kw "WHILE") (%loop-end-test `(not ,(%loop-next))))
          ((%loop-kw-p kw "UNTIL") (%loop-end-test (%loop-next)))
          ((%loop-kw-p kw "ALWAYS")
           (setq *loop-result* t)
           `(unless ,(%loop-next) (return-from ,*loop-name* nil)))
          ((%loop-kw-p kw "NEVER")
           (setq *loop-result* t)
           `(when ,(%loop-next) (return-from ,*loop-name* nil)))
          ((%loop-kw-p kw "THEREIS")
           (let ((g (gensym)))
             `(let ((,g ,(%loop-next))) (when ,g (return-from ,*loop-name* ,g)))))
          (t (%loop-error "unknown clause ~S" kw)))))

(defun %loop-clause-group ()
  (let ((forms (list (%loop-body-clause))))
    (tagbody top
       (when (%loop-kw-p (%loop-peek) "AND")
         (%loop-next) (push (%loop-body-clause) forms) (go top)))
    `(progn ,@(nreverse forms))))

(defun %loop-conditional (kw)
  (let* ((test (%loop-next)) (it (gensym "IT"))
         (then (let ((*loop-it* it)) (%loop-clause-group)))
         (else (when (%loop-kw-p (%loop-peek) "ELSE")
                 (%loop-next)
                 (let ((*loop-it* it)) (%loop-clause-group)))))
    (when (%loop-kw-p (%loop-peek) "END") (%loop-next))
    `(let ((,it ,test))
       ,(if (%loop-kw-p kw "UNLESS") `(if ,it ,else ,then) `(if ,it ,then ,else)))))

;;; Driver

(defun %loop-parse ()
  (tagbody top
     (when *loop-tokens*
       (let ((kw (%loop-peek)))
         (cond ((%loop-kw-p kw "NAMED") (%loop-next) (setq *loop-name* (%loop-next)))
               ((%loop-kw-p kw "WITH")
                (%loop-next)
                (tagbody more
                   (let ((var (%loop-next)))
                     (%loop-skip-type)
                     (let ((init (if (%loop-kw-p (%loop-peek) "=") (progn (%loop-next) (%loop-next)) nil)))
                       (if (and var (symbolp var))
                           (%loop-bind var init)
                           (let ((g (gensym)))
                             (%loop-bind g init)
                             (%loop-pattern-vars var)
                             (push (%loop-dsetq var g) *loop-initially*)))))
                   (when (%loop-kw-p (%loop-peek) "AND") (%loop-next) (go more))))
               ((%loop-kw-p kw "FOR" "AS")
                (%loop-next) (%loop-for)
                (tagbody more
                   (when (%loop-kw-p (%loop-peek) "AND") (%loop-next) (%loop-for) (go more))))
               ((%loop-kw-p kw "REPEAT")
                (%loop-next)
                (let ((c (gensym "COUNT")))
                  (%loop-bind c (%loop-next))
                  (push (%loop-end-test `(<= ,c 0)) *loop-first*)
                  (push `(progn (setq ,c (- ,c 1)) ,(%loop-end-test `(<= ,c 0))) *loop-step*)))
               ((%loop-kw-p kw "INITIALLY") (%loop-next)
                (setq *loop-initially* (revappend (%loop-compound-forms) *loop-initially*)))
               ((%loop-kw-p kw "FINALLY") (%loop-next)
                (setq *loop-finally* (revappend (%loop-compound-forms) *loop-finally*)))
               (t (push (%loop-clause-group) *loop-body*))))
       (go top))))

(defmacro loop (&rest forms)
  (if (and forms (every #'consp forms))
      (let ((top (gensym "LOOP")))
        `(block nil (tagbody ,top ,@forms (go ,top))))
      (let ((*loop-tokens* forms) (*loop-bindings* nil) (*loop-first* nil) (*loop-step* nil)
            (*loop-body* nil) (*loop-initially* nil) (*loop-finally* nil) (*loop-result* nil)
            (*loop-accums* nil) (*loop-end* (gensym "END")) (*loop-name* nil) (*loop-it* nil))
        ;; the name must be known before clauses that return from it are parsed
        (when (%loop-kw-p (car forms) "NAMED") (setq *loop-name* (cadr forms)))
        (%loop-parse)
        (let ((next (gensym "NEXT")))
          `(block ,*loop-name*
             (let* ,(nreverse *loop-bindings*)
               (macrolet ((loop-finish () '(go ,*loop-end*)))
                 (tagbody
                    ,@(nreverse *loop-initially*)
                    ,@(nreverse *loop-first*)
                    ,next
                    ,@(nreverse *loop-body*)
                    ,@(nreverse *loop-step*)
                    (go ,next)
                    ,*loop-end*
                    ,@(nreverse *loop-finally*)
                    (return-from ,*loop-name* ,*loop-result*)))))))))
