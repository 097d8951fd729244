;;; Why: a rewrite-rule theorem prover in the spirit of Gabriel's boyer, scaled up: terms
;;; are rewritten bottom-up with lemmas kept on the property lists of their function
;;; symbols, then an IF-tree tautology checker splits cases. The theorem is a chain of
;;; implications whose atoms are written two ways that the lemmas bring to one form
;;; (list and arithmetic identities over big substituted terms), so proving it conses a
;;; lot of short-lived terms. Checked: the chain is proven, its converse is not.
;;; Parameters: *scale* (proofs), *boyer-chain* (links in the chain).

(defvar *boyer-iters* 80)             ; at *scale* 1
(defvar *boyer-chain* 3)    ; cost grows ~10x a link

(defparameter *bx-lemmas*
  '(((and p q) (if p (if q (t) (f)) (f)))
    ((or p q) (if p (t) (if q (t) (f))))
    ((not p) (if p (f) (t)))
    ((implies p q) (if p (if q (t) (f)) (t)))
    ((if (if a b c) d e) (if a (if b d e) (if c d e)))
    ((if (t) y z) y)
    ((if (f) y z) z)
    ((append (append x y) z) (append x (append y z)))
    ((reverse (append a b)) (append (reverse b) (reverse a)))
    ((reverse (reverse x)) x)
    ((member x (append a b)) (or (member x a) (member x b)))
    ((member x (reverse y)) (member x y))
    ((len (append a b)) (plus (len a) (len b)))
    ((len (reverse x)) (len x))
    ((plus (plus x y) z) (plus x (plus y z)))
    ((plus (zero) x) (fix x))
    ((times x (plus y z)) (plus (times x y) (times x z)))
    ((times (times x y) z) (times x (times y z)))
    ((lessp (plus a b) (plus a c)) (lessp b c))
    ((equal (plus a b) (plus a c)) (equal b c))
    ((difference (plus x y) x) (fix y))
    ((fix (plus x y)) (plus x y))))

(defun bx-install ()
  (dolist (l *bx-lemmas*) (setf (get (caar l) 'bx-lemmas) nil))
  (dolist (l *bx-lemmas*)
    (setf (get (caar l) 'bx-lemmas) (append (get (caar l) 'bx-lemmas) (list l)))))

;; One-way matching: pattern atoms are variables; returns (values matched alist).
(defun bx-match (pat term alist)
  (cond ((atom pat)
         (let ((b (assoc pat alist)))
           (if b (values (equal (cdr b) term) alist) (values t (acons pat term alist)))))
        ((or (atom term) (not (eq (car pat) (car term)))) (values nil nil))
        (t (do ((ps (cdr pat) (cdr ps)) (ts (cdr term) (cdr ts)))
               ((or (null ps) (null ts)) (if (and (null ps) (null ts)) (values t alist) (values nil nil)))
             (multiple-value-bind (ok a) (bx-match (car ps) (car ts) alist)
               (unless ok (return (values nil nil)))
               (setq alist a))))))

(defun bx-subst (alist term)
  (if (atom term)
      (let ((b (assoc term alist))) (if b (cdr b) term))
      (cons (car term) (mapcar (lambda (x) (bx-subst alist x)) (cdr term)))))

(defun bx-rewrite (term)
  (if (atom term)
      term
      (let ((new (cons (car term) (mapcar #'bx-rewrite (cdr term)))))
        (dolist (l (get (car term) 'bx-lemmas) new)
          (multiple-value-bind (ok alist) (bx-match (first l) new nil)
            (when ok (return (bx-rewrite (bx-subst alist (second l))))))))))

(defun bx-taut (x true false)
  (cond ((or (equal x '(t)) (member x true :test #'equal)) t)
        ((or (equal x '(f)) (member x false :test #'equal)) nil)
        ((and (consp x) (eq (car x) 'if))
         (let ((test (second x)))
           (cond ((or (equal test '(t)) (member test true :test #'equal)) (bx-taut (third x) true false))
                 ((or (equal test '(f)) (member test false :test #'equal)) (bx-taut (fourth x) true false))
                 (t (and (bx-taut (third x) (cons test true) false)
                         (bx-taut (fourth x) true (cons test false)))))))
        (t nil)))

(defun bx-var (prefix i) (intern (format nil "~A~D" prefix i)))

;; A big term for list variable S of link i: appends nested the wrong way round.
(defun bx-big (prefix i)
  `(append (append ,(bx-var prefix i) (reverse (reverse ,(bx-var "R" i)))) ,(bx-var "W" i)))

;; Proposition i, spelt two ways (form 0 and 1) that rewrite to the same IF-tree or atom.
(defun bx-prop (i form)
  (let ((e (bx-var "E" i)) (s (bx-big "S" i)) (u (bx-big "U" i))
        (k (bx-var "K" i)) (m (bx-var "M" i)) (n (bx-var "N" i)))
    (if (evenp i)
        (if (= form 0)
            `(member ,e (reverse (append ,s ,u)))
            `(or (member ,e ,u) (member ,e (reverse ,s))))
        (if (= form 0)
            `(lessp (plus (plus (len ,s) ,n) ,k) (plus (len ,s) (plus ,n ,m)))
            `(lessp ,k ,m)))))

;; (implies L1 (implies L2 ... (implies P0 Pn))), Li = (implies Pi-1 Pi): the links in
;; one spelling, the conclusion in the other. The converse ends (implies Pn P0).
(defun bx-theorem (n converse)
  (let ((thm (if converse
                 `(implies ,(bx-prop n 1) ,(bx-prop 0 1))
                 `(implies ,(bx-prop 0 1) ,(bx-prop n 1)))))
    (do ((i n (1- i))) ((< i 1) thm)
      (setq thm `(implies (implies ,(bx-prop (1- i) 0) ,(bx-prop i 0)) ,thm)))))

(defun boyer-main ()
  (bx-install)
  (let ((thm (bx-theorem *boyer-chain* nil))
        (non (bx-theorem *boyer-chain* t))
        (n (bench-scaled *boyer-iters*)))
    (unless (not (bx-taut (bx-rewrite non) nil nil))
      (return-from boyer-main (values nil "converse-proven")))
    (dotimes (i n)
      (unless (eq (bx-taut (bx-rewrite thm) nil nil) t)
        (return-from boyer-main (values nil (format nil "not-proven-at-~D" i)))))
    (values t (format nil "~D-proofs-chain-~D" n *boyer-chain*))))

(bench-run "boyer" #'boyer-main)
