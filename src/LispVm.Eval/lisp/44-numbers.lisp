;;;; 44-numbers.lisp — numeric functions on top of the engine's arithmetic: expt, sqrt,
;;;; isqrt, exp/log/trig (through the C# %math-fn over src/LispVm.Reader/Numbers; complex
;;;; arguments and complex results through %complex-fn, NumComplex.cs), signum,
;;;; bit functions, byte specifiers, float decoding (%float-bits), rational,
;;;; numerator/denominator, parse-integer and a seedable xorshift random generator.

(defconstant most-positive-fixnum (- (ash 1 61) 1))
(defconstant most-negative-fixnum (- (ash 1 61)))
(defconstant pi 3.141592653589793d0)
(defconstant boole-clr 0)

(unless (fboundp '%double-p)
  (defun %double-p (x) (eq (type-of x) 'double-float)))

(defun %real-arg (x)
  (unless (realp x) (%type-error x 'real))
  x)

(defun %number-arg (x)
  (unless (numberp x) (%type-error x 'number))
  x)

;; The engine's %complex-fn (code z) gives a float complex; codes as ComplexFn in
;; ComplexFns.cs: 0 sqrt 1 exp 2 log 3 sin 4 cos 5 tan 6 asin 7 acos 8 atan 9 sinh
;; 10 cosh 11 tanh 12 asinh 13 acosh 14 atanh. Used for complex arguments and for
;; reals outside the real domain (sqrt -1, log -1, asin 2, acosh 0, atanh 2).
(defmacro %complex-or (x code real-domain-p real-form)
  `(if (or (complexp (%number-arg ,x)) (not ,real-domain-p))
       (%complex-fn ,code ,x)
       ,real-form))

;; Result of a float function: double when the argument was double, else single.
(defun %fres (arg d) (if (%double-p arg) d (float d 1.0)))

;; The engine's %math-fn (code x), codes 0 sqrt 1 exp 2 log 3 sin 4 cos 5 tan 6 atan;
;; we always pass a double and narrow the result again for non-double arguments.
(defun %m (code x) (%math-fn code (float x 1d0)))

(defun sqrt (x) (%complex-or x 0 (not (minusp x)) (%fres x (%m 0 x))))

(defun exp (x) (%complex-or x 1 t (%fres x (%m 1 x))))

(defun %ln (x)
  "Natural log as a double (a float complex for complex or negative X)."
  (when (and (numberp x) (zerop x)) (error 'division-by-zero :operation 'log :operands (list x)))
  (when (or (complexp (%number-arg x)) (minusp x)) (return-from %ln (%complex-fn 2 x)))
  (if (and (integerp x) (> (integer-length x) 1000))
      ;; too large for a double: log(x) = log(x / 2^k) + k log 2
      (let ((k (- (integer-length x) 60)))
        (+ (%m 2 (ash x (- k))) (* k (%m 2 2))))
      (%m 2 x)))

(defun %double-parts-p (x) (%double-p (realpart x)))

(defun log (number &optional (base nil basep))
  (cond ((not basep) (let ((l (%ln number))) (if (complexp l) l (%fres number l))))
        ((and (realp number) (realp base) (not (minusp number)) (not (minusp base)))
         (let ((r (/ (%ln number) (%ln base))))
           (if (or (%double-p number) (%double-p base)) r (float r 1.0))))
        (t (let ((double (or (%double-parts-p number) (%double-parts-p base))))
             ;; complex logs come in the arguments' float format; divide in that format
             (/ (%log-in number double) (%log-in base double))))))

(defun %log-in (x double)
  "Log of X as a float (complex) of the format double-float when DOUBLE, else X's own."
  (let ((l (%ln x)))
    (cond ((complexp l) (if (and double (not (%double-parts-p l)))
                            (%complex-fn 2 (complex (float (realpart x) 1d0) (float (imagpart x) 1d0)))
                            l))
          (double l)
          (t (%fres x l)))))

(defun sin (x) (%complex-or x 3 t (%fres x (%m 3 x))))
(defun cos (x) (%complex-or x 4 t (%fres x (%m 4 x))))
(defun tan (x) (%complex-or x 5 t (%fres x (%m 5 x))))

(defun %atan2 (y x)
  "Double-float atan of y/x in the right quadrant; signed zeros as IEEE atan2."
  (let* ((y (float y 1d0)) (x (float x 1d0))
         (yneg (minusp (float-sign y))))
    (cond ((> x 0) (%m 6 (/ y x)))
          ((< x 0) (if yneg (- (%m 6 (/ y x)) pi) (+ (%m 6 (/ y x)) pi)))
          ((> y 0) (/ pi 2))
          ((< y 0) (- (/ pi 2)))
          ((minusp (float-sign x)) (if yneg (- pi) pi))   ; (atan +-0.0 -0.0) = +-pi
          (t y))))

(defun atan (y &optional (x nil xp))
  (when (and (not xp) (complexp (%number-arg y))) (return-from atan (%complex-fn 8 y)))
  (%real-arg y)
  (if xp
      (let ((r (%atan2 y (%real-arg x))))
        (if (or (%double-p y) (%double-p x)) r (float r 1.0)))
      (%fres y (%m 6 y))))
(defun asin (x)
  (%complex-or x 6 (<= (abs x) 1)
               (%fres x (%atan2 x (%m 0 (- 1 (* (float x 1d0) x)))))))
(defun acos (x)
  (%complex-or x 7 (<= (abs x) 1)
               (%fres x (- (/ pi 2) (%atan2 x (%m 0 (- 1 (* (float x 1d0) x))))))))
;; Real sinh/cosh/tanh go through the complex code too (its real helpers are accurate
;; near 0 and do not overflow early); the result is the real part.
(defun sinh (x) (if (complexp (%number-arg x)) (%complex-fn 9 x) (realpart (%complex-fn 9 x))))
(defun cosh (x) (if (complexp (%number-arg x)) (%complex-fn 10 x) (realpart (%complex-fn 10 x))))
(defun tanh (x) (if (complexp (%number-arg x)) (%complex-fn 11 x) (realpart (%complex-fn 11 x))))

(defun signum (x)
  (cond ((complexp x) (if (zerop x) x (/ x (abs x))))
        ((not (realp x)) (%type-error x 'number))
        ((zerop x) x)
        ((plusp x) (if (floatp x) (float 1 x) 1))
        (t (if (floatp x) (float -1 x) -1))))

;;; LCM is a builtin (CoreNumbers.cs: one gcd, a division only when not coprime).

;;; Complexes: COMPLEX, REALPART, IMAGPART and COMPLEXP are builtins (CoreComplex.cs).
(defun conjugate (x)
  (if (complexp (%number-arg x)) (complex (realpart x) (- (imagpart x))) x))
(defun phase (x)
  "The angle of X: the imaginary part of its log (atan2 with signed zeros), 0 for zero."
  (cond ((not (complexp (%number-arg x)))
         (if (minusp x) (float pi (if (floatp x) x 1.0)) (* 0 (if (floatp x) x 1.0))))
        ((zerop x) (float 0 (realpart x)))
        (t (imagpart (%complex-fn 2 x)))))
(defun cis (x) (%real-arg x) (complex (cos x) (sin x)))

(defun %coerce-to-complex (x type)
  "COERCE to COMPLEX or (COMPLEX part-type): a rational stays rational (CLHS 12.1.5.3)."
  (unless (numberp x) (%type-error x type))
  (let* ((ts (if (and (consp type) (cdr type)) (cadr type) '*))
         (u (if (eq ts '*) 'real (upgraded-complex-part-type ts)))
         (fl (and (not (eq ts '*)) (subtypep ts 'float))))
    (flet ((conv (p) (cond ((eq u 'double-float) (float p 1d0))
                           ((eq u 'single-float) (float p 1.0))
                           ((and fl (not (floatp p))) (float p 1.0))
                           (t p))))
      (let ((r (conv (realpart x))) (i (conv (imagpart x))))
        (when (and (eq u 'rational) (not (rationalp r))) (%type-error x type))
        (if (or (floatp r) (complexp x)) (complex r i) r)))))

(defun upgraded-complex-part-type (typespec &optional environment)
  "Parts of a complex are both rational, both single or both double floats."
  (declare (ignore environment))
  (cond ((subtypep typespec nil) nil)
        ((subtypep typespec 'rational) 'rational)
        ((subtypep typespec 'single-float) 'single-float)
        ((subtypep typespec 'double-float) 'double-float)
        (t 'real)))

;;; Integers and bits

(defun integer-length (n)
  (unless (integerp n) (%type-error n 'integer))
  (when (minusp n) (setq n (lognot n)))
  (let ((len 0))
    (loop (if (>= n (ash 1 62)) (setq n (ash n -62) len (+ len 62)) (return)))
    (loop (if (zerop n) (return len) (setq n (ash n -1) len (+ len 1))))))

(defun logcount (n)
  (unless (integerp n) (%type-error n 'integer))
  (when (minusp n) (setq n (lognot n)))
  (let ((c 0))
    (loop (when (zerop n) (return c))
          (let ((chunk (logand n #xFFFFFFFF)))
            (loop (when (zerop chunk) (return))
                  (setq chunk (logand chunk (- chunk 1)) c (+ c 1))))
          (setq n (ash n -32)))))

(defun logbitp (index integer)
  (unless (and (integerp index) (>= index 0)) (%type-error index 'unsigned-byte))
  (unless (integerp integer) (%type-error integer 'integer))
  (oddp (ash integer (- index))))
(defun logtest (a b) (not (zerop (logand a b))))
(defun lognand (a b) (lognot (logand a b)))
(defun lognor (a b) (lognot (logior a b)))
;; eqv is associative with identity -1: an odd number of arguments is their xor, an even
;; number its complement.
(defun logeqv (&rest ns)
  (let ((x (apply #'logxor ns))) (if (oddp (length ns)) x (lognot x))))
(defun logandc1 (a b) (logand (lognot a) b))
(defun logandc2 (a b) (logand a (lognot b)))
(defun logorc1 (a b) (logior (lognot a) b))
(defun logorc2 (a b) (logior a (lognot b)))

(defun byte (size position) (cons size position))
(defun byte-size (b) (car b))
(defun byte-position (b) (cdr b))
(defun ldb (b n) (logand (ash n (- (cdr b))) (- (ash 1 (car b)) 1)))
(defun ldb-test (b n) (not (zerop (ldb b n))))
(defun mask-field (b n) (logand n (ash (- (ash 1 (car b)) 1) (cdr b))))
(defun dpb (new b n)
  (let ((mask (ash (- (ash 1 (car b)) 1) (cdr b))))
    (logior (logand n (lognot mask)) (logand (ash new (cdr b)) mask))))
(defun deposit-field (new b n)
  (let ((mask (ash (- (ash 1 (car b)) 1) (cdr b))))
    (logior (logand n (lognot mask)) (logand new mask))))
(define-setf-expander mask-field (b place &environment env)
  (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
    (let ((bt (gensym "BYTE")) (s (gensym "NEW")))
      (values (cons bt temps) (cons b vals) (list s)
              `(let ((,(car stores) (deposit-field ,s ,bt ,access))) ,store ,s)
              `(mask-field ,bt ,access)))))
(define-setf-expander ldb (b place &environment env)
  (multiple-value-bind (temps vals stores store access) (get-setf-expansion place env)
    (let ((bt (gensym "BYTE")) (s (gensym "NEW")))
      (values (cons bt temps) (cons b vals) (list s)
              `(let ((,(car stores) (dpb ,s ,bt ,access))) ,store ,s)
              `(ldb ,bt ,access)))))

;;; Floats: decoded from their IEEE bits (%float-bits gives the bits as an integer).

(defun %float-fields (f)
  "Values: sign (0/1), biased exponent, fraction bits, fraction width, bias."
  (let ((bits (%float-bits f)))
    (if (%double-p f)
        (values (ldb (byte 1 63) bits) (ldb (byte 11 52) bits) (ldb (byte 52 0) bits) 52 1075)
        (values (ldb (byte 1 31) bits) (ldb (byte 8 23) bits) (ldb (byte 23 0) bits) 23 150))))

(defun integer-decode-float (f)
  (unless (floatp f) (%type-error f 'float))
  (multiple-value-bind (sign e frac width bias) (%float-fields f)
    (cond ((and (zerop e) (zerop frac)) (values 0 0 (if (zerop sign) 1 -1)))
          ((zerop e) (values frac (- 1 bias) (if (zerop sign) 1 -1)))
          (t (values (logior frac (ash 1 width)) (- e bias) (if (zerop sign) 1 -1))))))

(defun rational (x)
  (cond ((rationalp x) x)
        ((floatp x)
         (multiple-value-bind (m e s) (integer-decode-float x)
           (if (minusp e) (* s (/ m (ash 1 (- e)))) (* s m (ash 1 e)))))
        (t (%type-error x 'real))))
(defun rationalize (x)
  "The simplest rational strictly within half an ulp of the float X (SBCL's and CMUCL's
algorithm), so (rationalize 0.1) is 1/10 where RATIONAL gives the float's exact value."
  (if (rationalp x)
      x
      (multiple-value-bind (frac expo sign) (integer-decode-float x)
        (if (or (zerop frac) (>= expo 0))
            (if (minusp sign) (- (ash frac expo)) (ash frac expo))
            (let ((a (/ (- (* 2 frac) 1) (ash 1 (- 1 expo))))
                  (b (/ (+ (* 2 frac) 1) (ash 1 (- 1 expo))))
                  (p0 0) (q0 1) (p1 1) (q1 0))
              (loop
                (let ((c (ceiling a)))
                  (when (< c b)
                    (let ((top (+ (* c p1) p0)) (bot (+ (* c q1) q0)))
                      (return (/ (if (minusp sign) (- top) top) bot))))
                  (let* ((k (- c 1)) (p2 (+ (* k p1) p0)) (q2 (+ (* k q1) q0)))
                    (psetq a (/ (- b k)) b (/ (- a k)))
                    (setq p0 p1 q0 q1 p1 p2 q1 q2)))))))))

(defun float-digits (f) (if (%double-p f) 53 24))
(defun float-precision (f) (if (zerop f) 0 (float-digits f)))
(defun float-radix (f) (declare (ignore f)) 2)
(defun float-sign (f &optional (g (float 1 f)))
  (let ((neg (multiple-value-bind (s) (%float-fields f) (= s 1))))
    (if neg (- (abs g)) (abs g))))
(defun decode-float (f)
  (multiple-value-bind (m e s) (integer-decode-float f)
    (if (zerop m) (values (float 0 f) 0 (float s f))
        (let ((d (float-digits f)))
          (values (float (/ m (ash 1 d)) f) (+ e d) (float s f))))))
(defun scale-float (f k) (* f (expt (float 2 f) k)))

(defun ffloor (x &optional (d 1)) (multiple-value-bind (q r) (floor x d) (values (float q (if (floatp x) x 1.0)) r)))
(defun fceiling (x &optional (d 1)) (multiple-value-bind (q r) (ceiling x d) (values (float q (if (floatp x) x 1.0)) r)))
(defun ftruncate (x &optional (d 1)) (multiple-value-bind (q r) (truncate x d) (values (float q (if (floatp x) x 1.0)) r)))
(defun fround (x &optional (d 1)) (multiple-value-bind (q r) (round x d) (values (float q (if (floatp x) x 1.0)) r)))

;;; Ratios: NUMERATOR and DENOMINATOR are builtins reading the ratio's stored parts.

;;; parse-integer

(define-condition %integer-parse-error (parse-error)
  ((string :initarg :string :reader %integer-parse-error-string))
  (:report (lambda (c s)
             (format s "~S does not contain an integer." (%integer-parse-error-string c)))))

(defun %whitespace-char-p (c)
  (member c '(#\Space #\Tab #\Newline #\Return #\Page #\Linefeed)))

(defun parse-integer (string &key (start 0) end (radix 10) junk-allowed)
  (let* ((len (length string)) (e (%check-bounds string start end len)) (i start)
         (sign 1) (n 0) (digits 0))
    (loop (if (and (< i e) (%whitespace-char-p (char string i))) (incf i) (return)))
    (when (< i e)
      (case (char string i) (#\- (setq sign -1) (incf i)) (#\+ (incf i))))
    (loop (when (>= i e) (return))
          (let ((d (digit-char-p (char string i) radix)))
            (unless d (return))
            (setq n (+ (* n radix) d) digits (+ digits 1) i (+ i 1))))
    (loop (if (and (< i e) (%whitespace-char-p (char string i))) (incf i) (return)))
    (cond (junk-allowed (values (if (> digits 0) (* sign n) nil) i))
          ((or (zerop digits) (< i e))
           (error '%integer-parse-error :string string))
          (t (values (* sign n) i)))))

;;; Random numbers: xorshift64* kept in 32-bit halves so all arithmetic stays in fixnums.

(defun %make-random-state-object (seed)
  (let ((v (make-array 3)))
    (setf (svref v 0) '%random-state
          (svref v 1) (logior 1 (logand seed #xFFFFFFFF))
          (svref v 2) (logand (ash seed -32) #xFFFFFFFF))
    v))

(defun random-state-p (x)
  (and (simple-vector-p x) (= (length x) 3) (eq (svref x 0) '%random-state)))

(defvar *random-state* (%make-random-state-object 20261128))

(defun make-random-state (&optional state)
  (cond ((null state) (let ((s *random-state*)) (%make-random-state-object (logior (svref s 1) (ash (svref s 2) 32)))))
        ((eq state t) (%make-random-state-object (+ (get-internal-real-time) 88172645)))
        ((random-state-p state) (%make-random-state-object (logior (svref state 1) (ash (svref state 2) 32))))
        ((integerp state) (%make-random-state-object state))
        (t (%type-error state '(or random-state null (eql t))))))

(defun seed-random-state (&optional seed) (make-random-state seed))

(defun %random32 (s)
  "Next 32 random bits of state S (xorshift32 on the low word mixed with a Weyl sequence)."
  (let ((x (svref s 1)))
    (setq x (logxor x (logand (ash x 13) #xFFFFFFFF)))
    (setq x (logxor x (ash x -17)))
    (setq x (logxor x (logand (ash x 5) #xFFFFFFFF)))
    (setf (svref s 1) x)
    (let ((w (logand (+ (svref s 2) #x9E3779B9) #xFFFFFFFF)))
      (setf (svref s 2) w)
      (logand (+ x w) #xFFFFFFFF))))

(defun random (limit &optional (state *random-state*))
  (cond ((and (integerp limit) (plusp limit))
         (let ((bits 0) (nbits 0) (need (+ (integer-length limit) 32)))
           (loop (when (>= nbits need) (return))
                 (setq bits (logior (ash bits 32) (%random32 state)) nbits (+ nbits 32)))
           (mod bits limit)))
        ((and (floatp limit) (plusp limit))
         (let ((r (/ (float (logior (ash (%random32 state) 21) (ash (%random32 state) -11)) 1d0)
                     9007199254740992d0)))
           ;; in LIMIT's format: a single-float limit gives single floats
           (let ((v (float (* limit r) limit))) (if (>= v limit) (float 0 limit) v))))
        (t (error 'type-error :datum limit :expected-type '(or (integer 1) (float (0)))))))

;;; Inverse hyperbolic functions: reals in their real domain here, the rest (complex
;;; arguments, acosh below 1, atanh beyond +-1) through %complex-fn.
(defun asinh (x)
  (%complex-or x 12 t (if (minusp x) (- (asinh (- x))) (log (+ x (sqrt (+ (* x x) 1)))))))
(defun acosh (x)
  (%complex-or x 13 (>= x 1) (log (+ x (sqrt (- (* x x) 1))))))
(defun atanh (x)
  (when (and (realp x) (= (abs x) 1)) (error 'division-by-zero :operation 'atanh :operands (list x)))
  (%complex-or x 14 (< (abs x) 1) (if (zerop x) x (/ (log (/ (+ 1 x) (- 1 x))) 2))))

;;; BOOLE: the sixteen operations, numbered as the constants.
(defconstant boole-set 1)
(defconstant boole-1 2)
(defconstant boole-2 3)
(defconstant boole-c1 4)
(defconstant boole-c2 5)
(defconstant boole-and 6)
(defconstant boole-ior 7)
(defconstant boole-xor 8)
(defconstant boole-eqv 9)
(defconstant boole-nand 10)
(defconstant boole-nor 11)
(defconstant boole-andc1 12)
(defconstant boole-andc2 13)
(defconstant boole-orc1 14)
(defconstant boole-orc2 15)
(defun boole (op integer-1 integer-2)
  (unless (integerp integer-1) (error 'type-error :datum integer-1 :expected-type 'integer))
  (unless (integerp integer-2) (error 'type-error :datum integer-2 :expected-type 'integer))
  (case op
    (0 0) (1 -1) (2 integer-1) (3 integer-2) (4 (lognot integer-1)) (5 (lognot integer-2))
    (6 (logand integer-1 integer-2)) (7 (logior integer-1 integer-2))
    (8 (logxor integer-1 integer-2)) (9 (logeqv integer-1 integer-2))
    (10 (lognand integer-1 integer-2)) (11 (lognor integer-1 integer-2))
    (12 (logandc1 integer-1 integer-2)) (13 (logandc2 integer-1 integer-2))
    (14 (logorc1 integer-1 integer-2)) (15 (logorc2 integer-1 integer-2))
    (t (error 'type-error :datum op :expected-type '(integer 0 15)))))

