;;;; 72-format.lisp — FORMAT runs a parsed control (72-format-parse.lisp: a directive
;;;; tree built once per control string):
;;;; ~A ~S ~W ~D ~B ~O ~X ~R ~P ~C ~F ~E ~G ~$ ~% ~& ~| ~~ ~newline ~T ~* ~? ~( ~) ~[ ~; ~]
;;;; ~{ ~} ~^ ~< ~> ~/name/, with V/#/'c parameters and : @ modifiers. Output goes through
;;;; %fmt-out, which tracks the column for ~T and ~&. Floats are laid out from the
;;;; engine's shortest digits (~F without d) or from exact rational rounding (with d).

(defun %fmt-out (s)
  ;; the column after S: from its last newline, else advanced by its length (a plain
  ;; loop: POSITION with :FROM-END cost more than the write)
  (write-string s *%fmt-stream*)
  (let ((n (length s)))
    (do ((i (- n 1) (- i 1)))
        ((< i 0) (when *%fmt-col* (setq *%fmt-col* (+ *%fmt-col* n))))
      (when (char= (char s i) #\Newline) (setq *%fmt-col* (- n i 1)) (return)))))

(defun %fmt-param (params i default)
  (let ((p (nth i params))) (if (null p) default p)))

(defun %fmt-spaces (n c) (make-string (max n 0) :initial-element c))

;;; Running

(defun %fmt-run (items)
  (dolist (x items)
    (if (stringp x) (%fmt-out x) (%fmt-directive x))))

(defun %fmt-capture (items)
  "Run ITEMS into a string (for ~( and ~<)."
  (let ((s (make-string-output-stream)))
    (let ((*%fmt-stream* s)) (%fmt-run items))
    (get-output-stream-string s)))

(defun %fmt-params (d)
  "D's parameters, with V taken from the arguments and # their count, in order."
  (if (%fd-dynamic d)
      (let ((r nil))
        (dolist (p (%fd-params d) (nreverse r))
          (push (cond ((eq p '%fmt-v) (%fmt-next-arg))
                      ((eq p '%fmt-hash) (length *%fmt-args*))
                      (t p))
                r)))
      (%fd-params d)))

(defun %fmt-pad (string mincol colinc minpad padchar left)
  (if (and (<= mincol (length string)) (eql minpad 0))
      string
      (%fmt-pad-1 string mincol colinc minpad padchar left)))

(defun %fmt-pad-1 (string mincol colinc minpad padchar left)
  (let* ((len (+ (length string) minpad))
         (extra (if (< len mincol) (* colinc (ceiling (- mincol len) colinc)) 0))
         (pad (%fmt-spaces (+ minpad extra) padchar)))
    (if left (concatenate 'string pad string) (concatenate 'string string pad))))

(defun %integer-string (n radix)
  (if (= radix 10)
      (let ((*print-base* 10) (*print-radix* nil)) (%engine-princ-to-string n))
      (let ((digits nil) (m (abs n)))
        (if (zerop m) (setq digits (list #\0))
            (loop (when (zerop m) (return))
                  (multiple-value-bind (q r) (floor m radix)
                    (push (digit-char r radix) digits) (setq m q))))
        (when (minusp n) (push #\- digits))
        (coerce digits 'string))))

(defun %fmt-integer (arg radix params colon at)
  (if (and (null params) (not colon) (not at) (eql radix 10) (integerp arg))
      (%fmt-out (%integer-string arg 10))   ; plain ~D: the digits as they are
      (%fmt-integer-1 arg radix params colon at)))

(defun %fmt-integer-1 (arg radix params colon at)
  (let ((mincol (%fmt-param params 0 0)) (padchar (%fmt-param params 1 #\Space))
        (commachar (%fmt-param params 2 #\,)) (interval (%fmt-param params 3 3)))
    (if (not (integerp arg))
        (%fmt-out (%fmt-pad (let ((*print-base* radix) (*print-escape* nil)) (princ-to-string arg))
                            mincol 1 0 padchar t))
        (let* ((digits (%integer-string (abs arg) radix)))
          (when colon
            (let ((r nil) (n 0))
              (do ((i (- (length digits) 1) (- i 1))) ((< i 0))
                (when (and (> n 0) (zerop (mod n interval))) (push commachar r))
                (push (char digits i) r) (setq n (+ n 1)))
              (setq digits (coerce r 'string))))
          (when (minusp arg) (setq digits (concatenate 'string "-" digits)))
          (when (and at (>= arg 0)) (setq digits (concatenate 'string "+" digits)))
          (%fmt-out (%fmt-pad digits mincol 1 0 padchar t))))))

;;; English and Roman numerals for ~R

(defvar *%ones* #("zero" "one" "two" "three" "four" "five" "six" "seven" "eight" "nine" "ten"
                  "eleven" "twelve" "thirteen" "fourteen" "fifteen" "sixteen" "seventeen"
                  "eighteen" "nineteen"))
(defvar *%tens* #("" "" "twenty" "thirty" "forty" "fifty" "sixty" "seventy" "eighty" "ninety"))
(defvar *%scales* #("" " thousand" " million" " billion" " trillion" " quadrillion"
                    " quintillion" " sextillion" " septillion" " octillion" " nonillion" " decillion"))

(defun %cardinal-below-1000 (n)
  (let ((parts nil))
    (when (>= n 100)
      (push (concatenate 'string (svref *%ones* (floor n 100)) " hundred") parts)
      (setq n (mod n 100)))
    (cond ((zerop n))
          ((< n 20) (push (svref *%ones* n) parts))
          (t (push (if (zerop (mod n 10)) (svref *%tens* (floor n 10))
                       (concatenate 'string (svref *%tens* (floor n 10)) "-" (svref *%ones* (mod n 10))))
                   parts)))
    (let ((r "")) (dolist (p (nreverse parts) r) (setq r (if (string= r "") p (concatenate 'string r " " p)))))))

(defun %cardinal (n)
  (cond ((zerop n) "zero")
        ((minusp n) (concatenate 'string "negative " (%cardinal (- n))))
        (t (let ((groups nil) (i 0) (r ""))
             (loop (when (zerop n) (return))
                   (multiple-value-bind (q g) (floor n 1000)
                     (when (> g 0)
                       (when (>= i (length *%scales*)) (error "~~R: ~S is too large." n))
                       (push (concatenate 'string (%cardinal-below-1000 g) (svref *%scales* i)) groups))
                     (setq n q i (+ i 1))))
             (dolist (g groups r) (setq r (if (string= r "") g (concatenate 'string r " " g))))))))

(defun %ordinal (n)
  (let* ((c (%cardinal n)) (len (length c)))
    (flet ((ends (s) (and (>= len (length s)) (string= s c :start2 (- len (length s))))))
      (cond ((ends "one") (concatenate 'string (subseq c 0 (- len 3)) "first"))
            ((ends "two") (concatenate 'string (subseq c 0 (- len 3)) "second"))
            ((ends "three") (concatenate 'string (subseq c 0 (- len 5)) "third"))
            ((ends "five") (concatenate 'string (subseq c 0 (- len 4)) "fifth"))
            ((ends "eight") (concatenate 'string c "h"))
            ((ends "nine") (concatenate 'string (subseq c 0 (- len 4)) "ninth"))
            ((ends "twelve") (concatenate 'string (subseq c 0 (- len 6)) "twelfth"))
            ((ends "y") (concatenate 'string (subseq c 0 (- len 1)) "ieth"))
            (t (concatenate 'string c "th"))))))

(defun %roman (n old)
  (unless (and (integerp n) (< 0 n 4000)) (error "~~@R: ~S cannot be written in Roman numerals." n))
  (let ((r "")
        (table (if old
                   '((1000 . "M") (500 . "D") (100 . "C") (50 . "L") (10 . "X") (5 . "V") (1 . "I"))
                   '((1000 . "M") (900 . "CM") (500 . "D") (400 . "CD") (100 . "C") (90 . "XC")
                     (50 . "L") (40 . "XL") (10 . "X") (9 . "IX") (5 . "V") (4 . "IV") (1 . "I")))))
    (dolist (e table r)
      (loop (if (>= n (car e)) (setq r (concatenate 'string r (cdr e)) n (- n (car e))) (return))))))

;;; Floats

(defun %float-digits (x)
  "X a non-negative float. Values: digit string (no leading zeros) and exponent E with
X = 0.DIGITS * 10^E, from the engine's shortest printed form."
  (let* ((s (%engine-princ-to-string x))
         (epos (position-if (lambda (c) (find c "eEdDfFsSlL")) s))
         (mant (subseq s 0 epos))
         (exp (if epos (parse-integer s :start (+ epos 1)) 0))
         (dot (position #\. mant))
         (int (if dot (subseq mant 0 dot) mant))
         (frac (if dot (subseq mant (+ dot 1)) ""))
         (digits (concatenate 'string int frac))
         (point (+ (length int) exp))
         (lead (or (position #\0 digits :test-not #'char=) (length digits))))
    (setq digits (subseq digits lead) point (- point lead))
    (let ((tail (position #\0 digits :test-not #'char= :from-end t)))
      (setq digits (if tail (subseq digits 0 (+ tail 1)) "")))
    (if (string= digits "") (values "0" 1) (values digits point))))

(defun %fixed-string (x d)
  "|X| rounded to D decimals (D nil: shortest digits), positional, without sign."
  (if d
      (let* ((scaled (round (* (abs (rational x)) (expt 10 d))))
             (s (%integer-string scaled 10)))
        (when (< (length s) (+ d 1)) (setq s (concatenate 'string (%fmt-spaces (- (+ d 1) (length s)) #\0) s)))
        (concatenate 'string (subseq s 0 (- (length s) d)) "." (subseq s (- (length s) d))))
      (multiple-value-bind (digits point) (%float-digits (abs (float x)))
        (cond ((<= point 0)
               (concatenate 'string "0." (%fmt-spaces (- point) #\0) digits))
              ((>= point (length digits))
               (concatenate 'string digits (%fmt-spaces (- point (length digits)) #\0) ".0"))
              (t (concatenate 'string (subseq digits 0 point) "." (subseq digits point)))))))

(defun %fmt-fixed (x params at)
  (let ((w (%fmt-param params 0 nil)) (d (%fmt-param params 1 nil)) (k (%fmt-param params 2 0))
        (ovf (%fmt-param params 3 nil)) (pad (%fmt-param params 4 #\Space)))
    (if (not (realp x))
        (%fmt-out (%fmt-pad (princ-to-string x) (or w 0) 1 0 #\Space t))
        (let* ((v (* x (expt 10 k)))
               (sign (cond ((minusp v) "-") (at "+") (t "")))
               (body (%fixed-string v d)))
          (when (and w (null d) (> (+ (length sign) (length body)) w))
            (let ((dot (position #\. body)))
              (setq body (%fixed-string v (max 0 (- w (length sign) dot 1))))))
          (let ((s (concatenate 'string sign body)))
            (when (and w (> (length s) w) (char= (char s (length sign)) #\0) (> (length s) 1))
              ;; drop the leading zero when it does not fit
              (setq s (concatenate 'string sign (subseq body 1))))
            (if (and w ovf (> (length s) w))
                (%fmt-out (%fmt-spaces w ovf))
                (%fmt-out (if w (%fmt-pad s w 1 0 pad t) s))))))))

(defun %fmt-exponential (x params at)
  (let ((w (%fmt-param params 0 nil)) (d (%fmt-param params 1 nil)) (e (%fmt-param params 2 nil))
        (pad (%fmt-param params 4 #\Space)) (echar (%fmt-param params 6 #\e)))
    (if (not (realp x))
        (%fmt-out (princ-to-string x))
        (let* ((sign (cond ((minusp x) "-") (at "+") (t ""))) mant expo)
          (if (zerop x)
              (setq mant (if d (concatenate 'string "0." (%fmt-spaces d #\0)) "0.0") expo 0)
              (multiple-value-bind (digits point) (%float-digits (abs (float x)))
                (if d
                    (let* ((r (abs (rational x))) (ex (- point 1))
                           (m (round (* r (expt 10 (- d ex))))))
                      (when (>= m (expt 10 (+ d 1))) (setq m (round m 10) ex (+ ex 1)))
                      (let ((s (%integer-string m 10)))
                        (setq mant (concatenate 'string (subseq s 0 1) "." (subseq s 1)) expo ex)))
                    (setq mant (concatenate 'string (subseq digits 0 1) "."
                                            (if (> (length digits) 1) (subseq digits 1) "0"))
                          expo (- point 1)))))
          (let* ((es (%integer-string (abs expo) 10))
                 (es (if (and e (< (length es) e)) (concatenate 'string (%fmt-spaces (- e (length es)) #\0) es) es))
                 (s (concatenate 'string sign mant (string echar) (if (minusp expo) "-" "+") es)))
            (%fmt-out (if w (%fmt-pad s w 1 0 pad t) s)))))))

;;; Directives

(defun %fmt-directive (d)
  (let ((c (%fd-char d)) (params (%fmt-params d)) (colon (%fd-colon d)) (at (%fd-at d)))
    (case c
      ((#\A #\S #\W)
       (let ((arg (%fmt-next-arg)))
         (let ((s (cond ((and colon (null arg) (char/= c #\W)) "()")
                        ((and (stringp arg) (char= c #\A)) arg)   ; PRINC of a string: its characters
                        ((char= c #\A) (princ-to-string arg))
                        (t (prin1-to-string arg)))))
           (%fmt-out (if params
                         (%fmt-pad s (%fmt-param params 0 0) (%fmt-param params 1 1)
                                   (%fmt-param params 2 0) (%fmt-param params 3 #\Space) at)
                         s)))))
      (#\D (%fmt-integer (%fmt-next-arg) 10 params colon at))
      (#\B (%fmt-integer (%fmt-next-arg) 2 params colon at))
      (#\O (%fmt-integer (%fmt-next-arg) 8 params colon at))
      (#\X (%fmt-integer (%fmt-next-arg) 16 params colon at))
      (#\R
       (let ((arg (%fmt-next-arg)))
         (cond (params (%fmt-integer arg (car params) (cdr params) colon at))
               ((and colon at) (%fmt-out (%roman arg t)))
               (at (%fmt-out (%roman arg nil)))
               (colon (%fmt-out (%ordinal arg)))
               (t (%fmt-out (%cardinal arg))))))
      (#\P
       (when colon
         (let ((pos (- (length *%fmt-all*) (length *%fmt-args*))))
           (setq *%fmt-args* (nthcdr (max 0 (- pos 1)) *%fmt-all*))))
       (let ((arg (%fmt-next-arg)))
         (%fmt-out (if at (if (eql arg 1) "y" "ies") (if (eql arg 1) "" "s")))))
      (#\C
       (let ((ch (%fmt-next-arg)))
         (unless (characterp ch) (%type-error ch 'character))
         (%fmt-out (cond (at (prin1-to-string ch))
                         (colon (or (and (not (graphic-char-p ch)) (char-name ch))
                                    (if (char= ch #\Space) "Space" (string ch))))
                         (t (string ch))))))
      (#\F (%fmt-fixed (%fmt-next-arg) params at))
      (#\E (%fmt-exponential (%fmt-next-arg) params at))
      (#\G
       (let ((x (%fmt-next-arg)))
         (if (and (realp x) (or (zerop x) (and (>= (abs x) 1/10) (< (abs x) 10000000))))
             (progn (%fmt-fixed x (list (%fmt-param params 0 nil) (%fmt-param params 1 nil)) at)
                    (%fmt-out "    "))
             (%fmt-exponential x params at))))
      (#\$
       (let* ((x (%fmt-next-arg)) (d (%fmt-param params 0 2)) (n (%fmt-param params 1 1))
              (w (%fmt-param params 2 0)) (pad (%fmt-param params 3 #\Space)))
         (if (not (realp x))
             (%fmt-out (princ-to-string x))
             (let* ((body (%fixed-string x d)) (dot (position #\. body))
                    (body (if (< dot n) (concatenate 'string (%fmt-spaces (- n dot) #\0) body) body))
                    (sign (cond ((minusp x) "-") (at "+") (t ""))))
               (%fmt-out (if colon
                             (concatenate 'string sign (%fmt-pad body (- w (length sign)) 1 0 pad t))
                             (%fmt-pad (concatenate 'string sign body) w 1 0 pad t)))))))
      (#\%
       (if (null params)
           (progn (write-char #\Newline *%fmt-stream*) (setq *%fmt-col* 0))
           (dotimes (i (%fmt-param params 0 1)) (%fmt-out (string #\Newline)))))
      (#\&
       (let ((n (%fmt-param params 0 1)))
         (when (> n 0)
           (cond ((null *%fmt-col*) (fresh-line *%fmt-stream*) (setq *%fmt-col* 0))
                 ((/= *%fmt-col* 0) (%fmt-out (string #\Newline))))
           (dotimes (i (- n 1)) (%fmt-out (string #\Newline))))))
      (#\| (dotimes (i (%fmt-param params 0 1)) (%fmt-out (string (code-char 12)))))
      (#\~ (%fmt-out (%fmt-spaces (%fmt-param params 0 1) #\~)))
      (#\T
       (let ((col (or *%fmt-col* 0)))
         (if at
             (let* ((colrel (%fmt-param params 0 1)) (colinc (%fmt-param params 1 1))
                    (target (+ col colrel)))
               (when (> colinc 1) (setq target (* colinc (ceiling target colinc))))
               (%fmt-out (%fmt-spaces (- target col) #\Space)))
             (let ((colnum (%fmt-param params 0 1)) (colinc (%fmt-param params 1 1)))
               (cond ((< col colnum) (%fmt-out (%fmt-spaces (- colnum col) #\Space)))
                     ((> colinc 0)
                      (%fmt-out (%fmt-spaces (- colinc (mod (- col colnum) colinc)) #\Space))))))))
      (#\*
       (let ((pos (- (length *%fmt-all*) (length *%fmt-args*))))
         (cond (colon (setq *%fmt-args* (nthcdr (max 0 (- pos (%fmt-param params 0 1))) *%fmt-all*)))
               (at (setq *%fmt-args* (nthcdr (%fmt-param params 0 0) *%fmt-all*)))
               (t (dotimes (i (%fmt-param params 0 1)) (%fmt-next-arg))))))
      (#\?
       (let ((ctl (%fmt-next-arg)))
         (if at
             (setq *%fmt-args* (%format-sub ctl *%fmt-args*))
             (%format-sub ctl (%fmt-next-arg)))))
      (#\(
       (let* ((s (%fmt-capture (car (%fd-clauses d))))
              (out (cond ((and colon at) (string-upcase s))
                         (colon (string-capitalize s))
                         (at (let ((d (string-downcase s))
                                   (p (position-if #'alpha-char-p s)))
                               (when p (setf (char d p) (char-upcase (char d p))))
                               d))
                         (t (string-downcase s)))))
         (write-string out *%fmt-stream*)))
      (#\[ (%fmt-conditional d params colon at))
      (#\{ (%fmt-iteration d params colon at))
      (#\< (%fmt-justify d params colon at))
      (#\^
       (when (cond ((null params) (null *%fmt-args*))
                   ((null (cdr params)) (eql (car params) 0))
                   ((null (cddr params)) (eql (car params) (cadr params)))
                   (t (<= (car params) (cadr params) (caddr params))))
         (throw '%fmt-escape (if colon :outer :inner))))
      ((#\_ #\I))
      (#\/
       (let* ((fname (string-upcase (%fd-name d)))
              (colon-pos (position #\: fname))
              (sym (if colon-pos
                       (intern (string-left-trim ":" (subseq fname colon-pos))
                               (subseq fname 0 colon-pos))
                       (intern fname "COMMON-LISP-USER"))))
         (apply sym *%fmt-stream* (%fmt-next-arg) colon at params)))
      (t (error "FORMAT: unknown directive ~~~A in ~S." c (%fd-control d))))))

(defun %fmt-conditional (d params colon at)
  (let* ((clauses (%fd-clauses d)) (seps (%fd-seps d))
         (clause
           (cond (colon (if (%fmt-next-arg) (cadr clauses) (car clauses)))
                 (at (if (car *%fmt-args*) (car clauses) (progn (%fmt-next-arg) nil)))
                 (t (let ((n (if params (car params) (%fmt-next-arg))))
                      (unless (integerp n) (error "FORMAT: ~~[ needs an integer argument, got ~S." n))
                      (cond ((and (>= n 0) (< n (length clauses))
                                  (not (and (car (last seps)) (= n (- (length clauses) 1)))))
                             (nth n clauses))
                            ((car (last seps)) (car (last clauses)))
                            (t nil)))))))
    (when clause (%fmt-run clause))))

(defun %fmt-iteration (d params colon at)
  (let* ((close-colon (%fd-close-colon d))
         (body (if (%fd-empty d)
                   (let ((ctl (%fmt-next-arg))) (if (functionp ctl) ctl (%fmt-items ctl)))
                   (car (%fd-clauses d))))
         (max (%fmt-param params 0 nil))
         (count 0))
    (flet ((run-body (args)
             ;; returns the remaining args; a ~^ inside escapes this iteration
             (let ((*%fmt-all* args) (*%fmt-args* args))
               (let ((r (catch '%fmt-escape
                          (if (functionp body)
                              (setq *%fmt-args* (apply body *%fmt-stream* args))
                              (%fmt-run body))
                          nil)))
                 (values *%fmt-args* r)))))
      (cond
        ((and colon at)
         (loop (when (or (and (null *%fmt-args*) (or (> count 0) (not close-colon)))
                         (and max (>= count max)))
                 (return))
               (multiple-value-bind (rest r) (run-body (%fmt-next-arg))
                 (declare (ignore rest))
                 (setq count (+ count 1))
                 (when (eq r :outer) (return)))))
        (colon
         (let ((lists (%fmt-next-arg)))
           (loop (when (or (and (null lists) (or (> count 0) (not close-colon)))
                           (and max (>= count max)))
                   (return))
                 (multiple-value-bind (rest r) (run-body (pop lists))
                   (declare (ignore rest))
                   (setq count (+ count 1))
                   (when (eq r :outer) (return))))))
        (at
         (loop (when (or (and (null *%fmt-args*) (or (> count 0) (not close-colon)))
                         (and max (>= count max)))
                 (return))
               (multiple-value-bind (rest r) (run-body *%fmt-args*)
                 (setq *%fmt-args* rest count (+ count 1))
                 (when r (return)))))
        (t
         (let ((args (%fmt-next-arg)))
           (loop (when (or (and (null args) (or (> count 0) (not close-colon)))
                           (and max (>= count max)))
                   (return))
                 (multiple-value-bind (rest r) (run-body args)
                   (setq args rest count (+ count 1))
                   (when r (return))))))))))

(defun %fmt-justify (d params colon at)
  (let ((texts (mapcar #'%fmt-capture (%fd-clauses d))))
    (if (%fd-close-colon d)
        (dolist (s texts) (%fmt-out s))
        (let* ((mincol (%fmt-param params 0 0)) (colinc (%fmt-param params 1 1))
               (minpad (%fmt-param params 2 0)) (padchar (%fmt-param params 3 #\Space))
               (total (reduce #'+ (mapcar #'length texts)))
               (ngaps (+ (- (length texts) 1) (if colon 1 0) (if at 1 0)))
               (ngaps (if (zerop ngaps) 1 ngaps))
               (width (max mincol (+ total (* ngaps minpad))))
               (width (if (> width mincol) (+ mincol (* colinc (ceiling (- width mincol) colinc))) width))
               (space (- width total))
               (out nil) (gap 0))
          (flet ((pad () (let ((n (floor space (- ngaps gap))))
                           (setq space (- space n) gap (+ gap 1))
                           (push (%fmt-spaces n padchar) out))))
            (when (or colon (and (= (length texts) 1) (not at))) (pad))
            (do ((l texts (cdr l))) ((null l))
              (push (car l) out)
              (when (cdr l) (pad)))
            (when at (pad)))
          (dolist (s (nreverse out)) (%fmt-out s))))))

;;; Entry points

(defun %format-sub (control args)
  "Run CONTROL (a string, a parsed control or a function) with ARGS at a new argument
level; return the unused args."
  (if (functionp control)
      (apply control *%fmt-stream* args)
      (let ((items (%fmt-items control)))
        (let ((*%fmt-all* args) (*%fmt-args* args))
          (catch '%fmt-escape (%fmt-run items))
          *%fmt-args*))))

(defun %format (stream control args col)
  (if (functionp control)
      (let ((*%fmt-stream* stream) (*%fmt-col* col))
        (apply control stream args))
      (%format-items stream (%fmt-items control) args col)))

(defun %format-items (stream items args col)
  ;; one function and one LET for the whole call: FORMAT's fixed cost is mostly calls
  ;; and special bindings
  (let ((*%fmt-stream* stream) (*%fmt-col* col) (*%fmt-all* args) (*%fmt-args* args))
    (catch '%fmt-escape (%fmt-run items))))

(defun format (destination control &rest args)
  (let ((items (cond ((%fmt-parsed-p control) (%fmt-parsed-items control))
                     ((stringp control) (%fmt-parsed-items (%fmt-cached control)))
                     ((functionp control) nil)
                     (t (%type-error control '(or string function))))))
    ;; ITEMS nil: a function control, or an empty one
    (if (null destination)
        (let ((s (make-string-output-stream)))
          (if items (%format-items s items args 0) (%format s control args 0))
          (get-output-stream-string s))
        (let* ((to-string (stringp destination))
               (s (if to-string (make-string-output-stream) (%out-stream destination)))
               (col (if (or to-string (not (fboundp '%stream-column))) nil (%stream-column s))))
          (if items (%format-items s items args col) (%format s control args col))
          (when to-string
            (let ((str (get-output-stream-string s)))
              (dotimes (i (length str)) (vector-push-extend (char str i) destination))))
          nil))))

(defmacro formatter (control)
  (let ((s (gensym "STREAM")) (args (gensym "ARGS")))
    `(lambda (,s &rest ,args)
       (let ((*%fmt-stream* ,s) (*%fmt-col* nil))
         (%format-sub ,(if (stringp control) `(load-time-value (%fmt-literal ,control) t) control)
                      ,args)))))
