;;;; 90-misc.lisp — the rest of the library: TIME, functions on functions (complement),
;;;; gentemp, simple trace/untrace, defpackage over the engine's package primitives,
;;;; with-compilation-unit, implementation information.

(defmacro time (form)
  (let ((real (gensym "REAL")) (run (gensym "RUN")) (gc (gensym "GC")) (bytes (gensym "BYTES")))
    `(let ((,real (get-internal-real-time)) (,run (get-internal-run-time))
           (,gc (%gc-time)) (,bytes (%bytes-allocated)))
       (multiple-value-prog1 ,form
         (%report-time (- (get-internal-real-time) ,real) (- (get-internal-run-time) ,run)
                       (- (%gc-time) ,gc) (- (%bytes-allocated) ,bytes))))))

(defun %gc-time () (if (fboundp '%gc-run-time) (funcall '%gc-run-time) 0))
(defun %bytes-allocated () (if (fboundp '%gc-bytes-allocated) (funcall '%gc-bytes-allocated) 0))

(defun %report-time (real run gc bytes)
  (let ((u internal-time-units-per-second) (s *trace-output*))
    (format s "~&Evaluation took:~%")
    (format s "  ~,3F seconds of real time~%" (/ real u))
    (format s "  ~,3F seconds of total run time~%" (/ run u))
    (format s "  ~,3F seconds of GC time~%" (/ gc u))
    (format s "  ~:D bytes consed~%" bytes)))

;; Implementation limits: calls are compiled with at most 251 arguments (APPLY takes
;; any number), lambda lists likewise, and 64 values.
(defconstant call-arguments-limit 251)
(defconstant lambda-parameters-limit 251)
(defconstant multiple-values-limit 64)

;; (room): what the collector owns and what it has cost (DESIGN §4). Figures come from
;; the engine's %HEAP-STATS vector; frames owned is the platform's (0 = not meaningful).
;; The Balloon line only where the platform has one (Xen): target, frames, moves so far.
(defun room (&optional (verbose :default))
  (declare (ignore verbose))
  (let* ((v (%heap-stats)) (page (svref v 0)) (frames (svref v 1)) (owned (svref v 11))
         (u internal-time-units-per-second))
    (format t "~&Frames: ~:D committed to the heap (~:D bytes each)" frames page)
    (if (> owned 0)
        (format t "; the platform owns ~:D~%" owned)
        (format t "~%"))
    (format t "Heap: ~:D bytes in use, ~:D live after the last GC; nursery ~:D bytes; limit ~:D bytes~%"
            (* frames page) (svref v 5) (svref v 3) (svref v 2))
    (format t "Allocated: ~:D bytes in total~%" (svref v 6))
    (format t "Collections: ~:D minor, ~:D full; GC time ~,3F s, max pause ~,3F s~%"
            (svref v 7) (svref v 8) (/ (svref v 9) u) (/ (svref v 10) u))
    (when (> (svref v 12) 0)
      (format t "Balloon: target ~:D KiB; the domain owns ~:D frames; ~:D returned to Xen, ~:D populated so far~%"
              (svref v 12) (svref v 13) (svref v 14) (svref v 15)))
    (values)))

;; (gc-stats): the same figures as a plist for programs (the GC-vs-paging workloads,
;; issue 18), with pause figures from the engine's pause histogram (%GC-PAUSES: one pause
;; per collection request; percentiles are bucket tops, within 12.5%). Times in
;; microseconds except :gc-ms. Balloon figures only where the platform has one (Xen).
;; (gc-stats-reset) forgets the pauses so far (counts and times are totals: subtract).
(defun gc-stats ()
  (let* ((v (%heap-stats)) (p (%gc-pauses)))
    (append
     (list :gc-count (+ (svref v 7) (svref v 8)) :minor (svref v 7) :full (svref v 8)
           :gc-ms (round (svref v 9) 1000) :gc-us (svref v 9)
           :pauses (svref p 0) :max-pause-us (svref p 2) :p50-pause-us (svref p 3)
           :p90-pause-us (svref p 4) :p99-pause-us (svref p 5)
           :minor-pauses (svref p 6) :minor-max-pause-us (svref p 8) :minor-p99-pause-us (svref p 11)
           :full-pauses (svref p 12) :full-max-pause-us (svref p 14) :full-p99-pause-us (svref p 17)
           :bytes-allocated (svref v 6) :live-bytes (svref v 5) :old-bytes (svref v 4)
           :committed-bytes (* (svref v 1) (svref v 0)) :limit-bytes (svref v 2)
           :nursery-bytes (svref v 3))
     (when (> (svref v 12) 0)
       (list :balloon-target-kib (svref v 12) :frames-owned (svref v 13)
             :frames-returned (svref v 14) :frames-populated (svref v 15))))))

(defun gc-stats-reset () (%gc-pauses-clear) (values))

(defun complement (fn)
  (let ((f (%fn fn))) (lambda (&rest args) (not (apply f args)))))

(defvar *gentemp-counter* 0)
(defun gentemp (&optional (prefix "T") (package *package*))
  (loop
    (setq *gentemp-counter* (+ *gentemp-counter* 1))
    (let ((name (format nil "~A~D" prefix *gentemp-counter*)))
      (unless (find-symbol name package) (return (intern name package))))))

;;; trace / untrace: wrap the global function, keep the original on the plist.

(defvar *%traced* nil)
(defvar *%trace-depth* 0)

(defun %trace-1 (name)
  (unless (get name '%traced-original)
    (let ((orig (symbol-function name)))
      (%put name '%traced-original orig)
      (%set-symbol-function
       name
       (lambda (&rest args)
         (let ((*%trace-depth* (+ *%trace-depth* 1)))
           (format *trace-output* "~&~A~D: ~S~%" (make-string (* 2 (- *%trace-depth* 1)) :initial-element #\Space) *%trace-depth* (cons name args))
           (let ((results (multiple-value-list (apply orig args))))
             (format *trace-output* "~&~A~D: ~S returned~{ ~S~}~%" (make-string (* 2 (- *%trace-depth* 1)) :initial-element #\Space) *%trace-depth* name results)
             (values-list results)))))
      (push name *%traced*)))
  name)

(defun %untrace-1 (name)
  (let ((orig (get name '%traced-original)))
    (when orig
      (%set-symbol-function name orig)
      (remprop name '%traced-original)
      (setq *%traced* (remove name *%traced*))))
  name)

(defmacro trace (&rest names)
  (if names `(mapcar #'%trace-1 ',names) '*%traced*))
(defmacro untrace (&rest names)
  (if names `(mapcar #'%untrace-1 ',names) '(mapcar #'%untrace-1 *%traced*)))

;;; Packages: defpackage needs make-package/use-package/export from the engine.

(defmacro defpackage (name &rest options)
  (let ((pname (string name)) (nicknames nil) (use nil) (export nil) (shadow nil) (use-seen nil)
        (imports nil) (shadowing-imports nil))
    (dolist (o options)
      (case (car o)
        (:nicknames (setq nicknames (append nicknames (mapcar #'string (cdr o)))))
        (:use (setq use-seen t use (append use (mapcar #'string (cdr o)))))
        (:export (setq export (append export (mapcar #'string (cdr o)))))
        (:shadow (setq shadow (append shadow (mapcar #'string (cdr o)))))
        (:import-from
         (push (cons (string (cadr o)) (mapcar #'string (cddr o))) imports))
        (:shadowing-import-from
         (push (cons (string (cadr o)) (mapcar #'string (cddr o))) shadowing-imports))
        ((:documentation :size :intern :local-nicknames))))
    `(%defpackage ,pname ',nicknames ',(if use-seen use '("COMMON-LISP")) ',export ',shadow
                  ',(reverse imports) ',(reverse shadowing-imports))))

(defun %imported-symbols (from names)
  "The symbols NAMES accessible in package FROM, for defpackage :import-from."
  (let ((p (%package-arg from)))
    (mapcar (lambda (n)
              (multiple-value-bind (s status) (find-symbol n p)
                (unless status (error "Symbol ~A not found in package ~A." n (package-name p)))
                s))
            names)))

(defvar *%shadowing-symbols* (make-hash-table :test 'eq))

(defun %package-arg (package)
  (or (if (packagep package) package (find-package package))
      (error 'package-error :package package)))

;; A string designator as the simple string the engine's name lookups take: a symbol's
;; name, a character, a string with a fill pointer or a displaced one.
(defun %designator-name (x)
  (cond ((symbolp x) (symbol-name x))
        ((characterp x) (string x))
        ((and (stringp x) (not (array-has-fill-pointer-p x))) x)
        ((and (arrayp x) (= (array-rank x) 1) (subtypep (array-element-type x) 'character))
         (let* ((n (if (array-has-fill-pointer-p x) (fill-pointer x) (array-dimension x 0)))
                (s (make-string n)))
           (dotimes (i n s) (setf (char s i) (aref x i)))))
        (t x)))

(defun shadow (symbol-names &optional (package *package*))
  "Makes each name a symbol present in PACKAGE itself, hiding an inherited one."
  (let ((p (%package-arg package)))
    (dolist (n (if (listp symbol-names) symbol-names (list symbol-names)) t)
      (pushnew (%intern-present (%designator-name n) p) (gethash p *%shadowing-symbols*)))))

(defun package-shadowing-symbols (package)
  (copy-list (gethash (%package-arg package) *%shadowing-symbols*)))

(defun %check-import-target (p)
  (when (member (package-name p) '("COMMON-LISP" "KEYWORD") :test #'string=)
    (error "Package ~A is locked: IMPORT and SHADOWING-IMPORT into it are refused." (package-name p)))
  p)

(defun import (symbols &optional (package *package*))
  "Makes each symbol present in PACKAGE; a different accessible symbol of the same name is an error."
  (let ((p (%check-import-target (%package-arg package))))
    (dolist (s (if (listp symbols) symbols (list symbols)) t)
      (multiple-value-bind (old status) (find-symbol (symbol-name s) p)
        (cond ((and status (not (eq old s)))
               (error "IMPORT of ~S into ~A conflicts with ~S, already accessible there."
                      s (package-name p) old))
              ((not (member status '(:internal :external))) (%import-symbol s p)))))))

(defun shadowing-import (symbols &optional (package *package*))
  "Makes each symbol present in PACKAGE and a shadowing symbol, replacing one of the same name."
  (let ((p (%check-import-target (%package-arg package))))
    (dolist (s (if (listp symbols) symbols (list symbols)))
      (unless (symbolp s) (error 'type-error :datum s :expected-type 'symbol)))
    (dolist (s (if (listp symbols) symbols (list symbols)) t)
      (%import-symbol s p)
      (setf (gethash p *%shadowing-symbols*)
            (cons s (remove (symbol-name s) (gethash p *%shadowing-symbols*)
                            :key #'symbol-name :test #'string=))))))

;; The engine's MAKE-PACKAGE takes the name only (and uses COMMON-LISP): the keywords here.
(let ((engine-make-package (symbol-function 'make-package)))
  (defun make-package (name &key (nicknames nil) (use nil use-p))
    (let ((uses (mapcar #'%package-arg use))
          (nicks (mapcar #'%designator-name nicknames)))
      (dolist (n nicks)
        (when (find-package n) (error 'package-error :package n)))
      (let ((p (funcall engine-make-package (%designator-name name))))
        (%set-package-nicknames p nicks)
        (when use-p (%set-package-use-list p uses))
        p))))

(defun package-nicknames (package) (copy-list (%package-nicknames (%package-arg package))))
(defun package-use-list (package) (copy-list (%package-use-list (%package-arg package))))
(defun list-all-packages () (copy-list (%all-packages)))
(defun package-used-by-list (package)
  (let ((p (%package-arg package)))
    (remove-if-not (lambda (q) (member p (%package-use-list q))) (list-all-packages))))

(defun %defpackage (name nicknames use export shadow &optional imports shadowing-imports)
  (let ((pkg (or (find-package name) (make-package name :nicknames nicknames :use nil))))
    (dolist (s shadow) (shadow s pkg))
    (dolist (i shadowing-imports) (shadowing-import (%imported-symbols (car i) (cdr i)) pkg))
    (dolist (u use) (use-package u pkg))
    (dolist (i imports) (import (%imported-symbols (car i) (cdr i)) pkg))
    (dolist (e export) (export (intern e pkg) pkg))
    pkg))

(defmacro do-symbols ((var &optional (package '*package*) result) &body body)
  `(dolist (,var (%package-symbol-list ,package nil) ,result) ,@body))
(defmacro do-external-symbols ((var &optional (package '*package*) result) &body body)
  `(dolist (,var (%package-symbol-list ,package t) ,result) ,@body))

(defmacro with-compilation-unit (options &body body)
  (declare (ignore options))
  `(progn ,@body))

(defun lisp-implementation-type () "LispVm")
(defun lisp-implementation-version () "0.1")
(defun machine-type () "X86-64")
(defun software-type () (if (fboundp '%platform-name) (funcall '%platform-name) "LispVm"))
(defun short-site-name () nil)
(defun long-site-name () nil)
(defvar *features* '(:lispvm :common-lisp :x86-64))

;; DOCUMENTATION: 93-tools.lisp.

(defvar ++ nil)
(defvar +++ nil)
(defvar // nil)
(defvar /// nil)
(defvar *macroexpand-hook* 'funcall)
(defvar *modules* nil)
(defconstant lambda-list-keywords
  '(&optional &rest &key &allow-other-keys &aux &body &whole &environment))
(defun machine-version () nil)
(defun software-version () nil)
(defun provide (module-name)
  (pushnew (string module-name) *modules* :test #'string=)
  t)
(defun require (module-name &optional pathname-list)
  "Loads PATHNAME-LIST unless MODULE-NAME was provided; with no files to load, a module
that is not there is an error (there is no module search path)."
  (unless (member (string module-name) *modules* :test #'string=)
    (unless pathname-list
      (error "REQUIRE: module ~A is not loaded and no file was given." (string module-name)))
    (dolist (p (if (listp pathname-list) pathname-list (list pathname-list))) (load p)))
  t)
