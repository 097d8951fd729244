;;;; 75-pathnames.lisp — pathname objects (host device directory name type version) over
;;;; Unix namestrings, logical pathnames ("HOST:DIR;DIR;NAME.TYPE") with translations,
;;;; MERGE-PATHNAMES by the standard's rules, #P. The file functions (76-files.lisp) turn
;;;; any designator into a native namestring with %NATIVE-NAMESTRING. Vocabulary: a
;;;; directory is NIL or (:absolute|:relative . components); :wild, :wild-inferiors, :up.

(defstruct (pathname (:constructor %make-pathname (host device directory name type version))
                     (:conc-name %pathname-) (:predicate pathnamep) (:copier nil)
                     (:print-function (lambda (p s d) (declare (ignore d)) (%print-pathname p s))))
  host device directory name type version)

(defstruct (logical-pathname (:include pathname) (:conc-name %lpathname-)
                             (:constructor %make-logical-pathname (host device directory name type version))
                             (:predicate %logical-pathname-p) (:copier nil)
                             (:print-function (lambda (p s d) (declare (ignore d)) (%print-pathname p s)))))

(defun %print-pathname (p s)
  (if (or *print-escape* *print-readably*)
      (progn (write-string "#P" s) (prin1 (namestring p) s))
      (write-string (namestring p) s)))

(defvar *%logical-hosts* nil "Alist (HOST-STRING . translations), upper-case host names.")

(defun %logical-host-p (host)
  (and (stringp host) (assoc host *%logical-hosts* :test #'string-equal) t))

;;; ---------------------------------------------------------------- parsing

(defun %wild-component (s)
  (cond ((string= s "*") :wild) ((string= s "**") :wild-inferiors) (t s)))

(defun %split-string (s ch)
  (let ((parts nil) (start 0))
    (loop for i from 0 to (length s)
          do (when (or (= i (length s)) (char= (char s i) ch))
               (push (subseq s start i) parts)
               (setq start (1+ i))))
    (nreverse parts)))

(defun %parse-name-type (file)
  "NAME.TYPE of the last component: (values name type). A leading dot is part of the name."
  (if (zerop (length file))
      (values nil nil)
      (let ((dot (position #\. file :from-end t)))
        (if (and dot (> dot 0))
            (values (%wild-component (subseq file 0 dot)) (%wild-component (subseq file (1+ dot))))
            (values (%wild-component file) nil)))))

(defun %parse-unix-namestring (s)
  (let* ((abs (and (> (length s) 0) (char= (char s 0) #\/)))
         (parts (%split-string (if abs (subseq s 1) s) #\/))
         (file (car (last parts)))
         (dirs (remove "" (butlast parts) :test #'string=))
         (dirs (mapcar (lambda (d) (cond ((string= d "..") :up) (t (%wild-component d)))) dirs))
         (dirs (remove "." dirs :test #'equal))
         (directory (cond (abs (cons :absolute dirs)) (dirs (cons :relative dirs)) (t nil))))
    (multiple-value-bind (name type)
        (cond ((string= file "..") (setq directory (append (or directory (list :relative)) (list :up)))
               (values nil nil))
              ((string= file ".") (values nil nil))
              (t (%parse-name-type file)))
      (%make-pathname nil nil directory name type nil))))

(defun %parse-logical-namestring (host rest)
  "REST is DIR;DIR;NAME.TYPE.VERSION after HOST:, upper-cased as logical pathnames are."
  (let* ((rest (string-upcase rest))
         (abs (not (and (> (length rest) 0) (char= (char rest 0) #\;))))
         (parts (%split-string (if abs rest (subseq rest 1)) #\;))
         (file (car (last parts)))
         (dirs (mapcar #'%wild-component (remove "" (butlast parts) :test #'string=)))
         (fields (%split-string file #\.))
         (name (if (string= (first fields) "") nil (%wild-component (first fields))))
         (type (and (second fields) (%wild-component (second fields))))
         (vs (third fields))
         (version (cond ((null vs) nil) ((string= vs "*") :wild) ((string= vs "NEWEST") :newest)
                        ((every #'digit-char-p vs) (parse-integer vs)) (t nil))))
    (%make-logical-pathname (string-upcase host) :unspecific
                            (if (or dirs (not abs)) (cons (if abs :absolute :relative) dirs) nil)
                            name type version)))

(defun %parse-namestring-string (s)
  (let ((colon (position #\: s)))
    (if (and colon (%logical-host-p (subseq s 0 colon)))
        (%parse-logical-namestring (subseq s 0 colon) (subseq s (1+ colon)))
        (%parse-unix-namestring s))))

(defun pathname (designator)
  (cond ((pathnamep designator) designator)
        ((stringp designator) (%parse-namestring-string designator))
        ((and (streamp designator) (stringp (%stream-path designator)))
         (%parse-namestring-string (%stream-path designator)))
        ((streamp designator) (error 'type-error :datum designator :expected-type 'file-stream))
        ((and (arrayp designator) (not (stringp (%designator-name designator))))
         (error 'type-error :datum designator :expected-type '(or pathname string stream)))
        ((arrayp designator) (%parse-namestring-string (%designator-name designator)))   ; displaced
        (t (error 'type-error :datum designator :expected-type '(or pathname string stream)))))

(defun parse-namestring (thing &optional host (defaults *default-pathname-defaults*)
                               &key (start 0) end junk-allowed)
  (declare (ignore defaults junk-allowed))
  (when (and (arrayp thing) (not (stringp thing)) (stringp (%designator-name thing)))
    (setq thing (%designator-name thing)))   ; a displaced string
  (cond ((stringp thing)
         (let* ((end (or end (length thing)))
                (s (subseq thing start end)))
           (values (if (and host (%logical-host-p host) (not (position #\: s)))
                       (%parse-logical-namestring host s)
                       (%parse-namestring-string s))
                   end)))
        (t (values (pathname thing) start))))

(defun logical-pathname (designator)
  (let ((p (pathname designator)))
    (unless (%logical-pathname-p p)
      (error 'type-error :datum designator :expected-type 'logical-pathname))
    p))

;;; ---------------------------------------------------------------- namestrings

(defun %component-string (c)
  (cond ((eq c :wild) "*") ((eq c :wild-inferiors) "**") ((eq c :up) "..") ((eq c :back) "..")
        ((stringp c) c) (t "")))

(defun %file-part (p sep)
  (let ((name (%pathname-name p)) (type (%pathname-type p)))
    (concatenate 'string
                 (if name (%component-string name) "")
                 (if (and type (not (eq type :unspecific))) (concatenate 'string sep (%component-string type)) ""))))

(defun %directory-part (p)
  (let ((dir (%pathname-directory p)))
    (if (%logical-pathname-p p)
        (with-output-to-string (s)
          (when (eq (car dir) :relative) (write-char #\; s))
          (dolist (d (cdr dir)) (write-string (%component-string d) s) (write-char #\; s)))
        (with-output-to-string (s)
          (when (eq (car dir) :absolute) (write-char #\/ s))
          (dolist (d (cdr dir)) (write-string (%component-string d) s) (write-char #\/ s))))))

(defun namestring (pathname)
  (cond ((stringp pathname) pathname)
        ((pathnamep pathname)
         (if (%logical-pathname-p pathname)
             (concatenate 'string (%pathname-host pathname) ":" (%directory-part pathname)
                          (%file-part pathname ".")
                          (let ((v (%pathname-version pathname)))
                            (cond ((eq v :wild) ".*") ((eq v :newest) ".NEWEST")
                                  ((integerp v) (format nil ".~D" v)) (t ""))))
             (concatenate 'string (%directory-part pathname) (%file-part pathname "."))))
        ((and (streamp pathname) (%stream-path pathname)))
        (t (namestring (pathname pathname)))))

(defun file-namestring (pathname) (%file-part (pathname pathname) "."))
(defun directory-namestring (pathname) (%directory-part (pathname pathname)))
(defun host-namestring (pathname)
  (let ((h (%pathname-host (pathname pathname)))) (if (stringp h) h "")))
(defun enough-namestring (pathname &optional (defaults *default-pathname-defaults*))
  (let* ((p (namestring pathname)) (d (directory-namestring defaults)))
    (if (and (> (length d) 0) (> (length p) (length d)) (string= d p :end2 (length d)))
        (subseq p (length d))
        p)))

;;; ---------------------------------------------------------------- components

(defun %case-common (x)
  (cond ((not (stringp x)) x)
        ((every (lambda (c) (or (not (alpha-char-p c)) (upper-case-p c))) x) (string-downcase x))
        ((every (lambda (c) (or (not (alpha-char-p c)) (lower-case-p c))) x) (string-upcase x))
        (t x)))

(defun %pathname-case (p x case)
  (if (and (eq case :common) (not (%logical-pathname-p p)))
      (if (consp x) (mapcar #'%case-common x) (%case-common x))
      x))

(defun pathname-host (p &key (case :local)) (declare (ignore case)) (%pathname-host (pathname p)))
(defun pathname-device (p &key (case :local)) (declare (ignore case)) (%pathname-device (pathname p)))
(defun pathname-directory (p &key (case :local))
  (let ((p (pathname p))) (%pathname-case p (%pathname-directory p) case)))
(defun pathname-name (p &key (case :local))
  (let ((p (pathname p))) (%pathname-case p (%pathname-name p) case)))
(defun pathname-type (p &key (case :local))
  (let ((p (pathname p))) (%pathname-case p (%pathname-type p) case)))
(defun pathname-version (p) (%pathname-version (pathname p)))

(defvar *default-pathname-defaults* (%make-pathname nil nil nil nil nil nil))

(defun %canonical-directory (dir)
  (cond ((null dir) nil)
        ((eq dir :wild) '(:absolute :wild-inferiors))
        ((stringp dir) (list :absolute dir))
        ((and (consp dir) (member (car dir) '(:absolute :relative))) dir)
        (t (error 'type-error :datum dir :expected-type 'list))))

(defun make-pathname (&key (host nil host-p) (device nil device-p) (directory nil directory-p)
                           (name nil name-p) (type nil type-p) (version nil version-p)
                           defaults (case :local))
  (let* ((defaults (if defaults (pathname defaults) nil))
         (host (cond (host-p host) (defaults (%pathname-host defaults))
                     (t (%pathname-host *default-pathname-defaults*))))
         (logical (%logical-host-p host))
         (fix (lambda (x) (if (and (eq case :common) (not logical))
                              (if (consp x) (mapcar #'%case-common x) (%case-common x))
                              x)))
         (directory (funcall fix (%canonical-directory
                                  (if directory-p directory (and defaults (%pathname-directory defaults))))))
         (name (funcall fix (if name-p name (and defaults (%pathname-name defaults)))))
         (type (funcall fix (if type-p type (and defaults (%pathname-type defaults)))))
         (device (if device-p device (and defaults (%pathname-device defaults))))
         (version (if version-p version (and defaults (%pathname-version defaults)))))
    (if logical
        (%make-logical-pathname (string-upcase host) :unspecific directory
                                (if (stringp name) (string-upcase name) name)
                                (if (stringp type) (string-upcase type) type) version)
        (%make-pathname host device directory name type version))))

(defun merge-pathnames (pathname &optional (defaults *default-pathname-defaults*)
                                   (default-version :newest))
  (let* ((d (pathname defaults))
         (p (if (and (stringp pathname) (%logical-pathname-p d) (not (position #\: pathname)))
                (%parse-logical-namestring (%pathname-host d) pathname)
                (pathname pathname)))
         (pdir (%pathname-directory p)) (ddir (%pathname-directory d))
         (dir (cond ((null pdir) ddir)
                    ((and (eq (car pdir) :relative) ddir)
                     (let ((r (append ddir (cdr pdir))))
                       ;; collapse "x/.." from the concatenation (names only, not wildcards)
                       (let ((out nil))
                         (dolist (c r) (if (and (member c '(:back :up)) out (stringp (car out)) (cdr out))
                                           (pop out) (push c out)))
                         (nreverse out))))
                    (t pdir)))
         (name (or (%pathname-name p) (%pathname-name d)))
         (type (or (%pathname-type p) (%pathname-type d)))
         (version (or (%pathname-version p)
                      (if (%pathname-name p) default-version (or (%pathname-version d) default-version))))
         (host (or (%pathname-host p) (%pathname-host d)))
         (device (or (%pathname-device p) (%pathname-device d))))
    (if (or (%logical-pathname-p p) (and (%logical-pathname-p d) (null (%pathname-host p))))
        (%make-logical-pathname host :unspecific dir name type version)
        (%make-pathname host device dir name type
                        (if (eq version :newest) nil version)))))

(defun wild-pathname-p (pathname &optional field-key)
  (let* ((p (pathname pathname))
         (w (lambda (x) (or (member x '(:wild :wild-inferiors))
                            (and (stringp x) (find #\* x))
                            (and (consp x) (some (lambda (c) (or (member c '(:wild :wild-inferiors))
                                                                 (and (stringp c) (find #\* c))))
                                                 x))))))
    (and (case field-key
           ((nil) (or (funcall w (%pathname-host p)) (funcall w (%pathname-device p))
                      (funcall w (%pathname-directory p)) (funcall w (%pathname-name p))
                      (funcall w (%pathname-type p)) (funcall w (%pathname-version p))))
           (:host (funcall w (%pathname-host p)))
           (:device (funcall w (%pathname-device p)))
           (:directory (funcall w (%pathname-directory p)))
           (:name (funcall w (%pathname-name p)))
           (:type (funcall w (%pathname-type p)))
           (:version (funcall w (%pathname-version p)))
           (t (error 'type-error :datum field-key
                     :expected-type '(member nil :host :device :directory :name :type :version))))
         t)))

;;; ---------------------------------------------------------------- logical translations

(defun logical-pathname-translations (host)
  (let ((e (assoc (string host) *%logical-hosts* :test #'string-equal)))
    (unless e (error 'type-error :datum host :expected-type 'logical-host))
    (cdr e)))

(defun %set-logical-pathname-translations (host translations)
  (let* ((h (string-upcase (string host)))
         (e (assoc h *%logical-hosts* :test #'string-equal)))
    (unless e (setq e (cons h nil)) (push e *%logical-hosts*))
    (setf (cdr e)
          (mapcar (lambda (tr)
                    (list (if (stringp (first tr)) (%parse-logical-namestring h (first tr)) (first tr))
                          (pathname (second tr))))
                  translations))
    translations))

(defsetf logical-pathname-translations %set-logical-pathname-translations)

(defun load-logical-pathname-translations (host)
  (if (%logical-host-p (string host)) nil (error "No translations are known for the logical host ~S." host)))

(defun %wild-match (pat x)
  (cond ((member pat '(nil :wild :wild-inferiors)) t)
        ((and (stringp pat) (stringp x)) (string-equal pat x))
        (t (equal pat x))))

(defun %dir-match (pat dir)
  "Match directory lists (after the :absolute/:relative marker); ** matches any tail."
  (cond ((null pat) (null dir))
        ((eq (car pat) :wild-inferiors)
         (or (%dir-match (cdr pat) dir) (and dir (%dir-match pat (cdr dir)))))
        ((null dir) nil)
        ((%wild-match (car pat) (car dir)) (%dir-match (cdr pat) (cdr dir)))
        (t nil)))

(defun pathname-match-p (pathname wildcard)
  (let ((p (pathname pathname)) (w (pathname wildcard)))
    (and (%wild-match (%pathname-name w) (%pathname-name p))
         (%wild-match (%pathname-type w) (%pathname-type p))
         (or (null (%pathname-directory w))
             (%dir-match (cdr (%pathname-directory w)) (cdr (%pathname-directory p))))
         t)))

(defun %translate-lp (p from to)
  "FROM matched P: the fixed directory prefix of FROM is replaced by TO's directory
(without its wild tail); the rest of P's directory follows; names are downcased."
  (let* ((fixed (loop for c in (cdr (%pathname-directory from))
                      while (stringp c) count t))
         (rest (nthcdr fixed (cdr (%pathname-directory p))))
         (tdir (%pathname-directory to))
         (tfixed (loop for c in (cdr tdir) while (stringp c) collect c))
         ;; Constant components after TO's first wild one (".../**/sandbox/") follow the
         ;; matched part.
         (tafter (remove-if-not #'stringp (cdr (nthcdr (length tfixed) (cdr tdir)))))
         (down (lambda (x) (if (stringp x) (string-downcase x) x)))
         (tname (%pathname-name to)) (ttype (%pathname-type to)))
    (%make-pathname nil nil
                    (cons (or (car tdir) :relative) (append tfixed (mapcar down rest) tafter))
                    (if (and tname (not (eq tname :wild))) tname (funcall down (%pathname-name p)))
                    (if (and ttype (not (eq ttype :wild))) ttype (funcall down (%pathname-type p)))
                    nil)))

(defun translate-logical-pathname (pathname &key)
  (let ((p (pathname pathname)))
    (if (not (%logical-pathname-p p))
        p
        (let ((tr (find-if (lambda (tr) (pathname-match-p p (first tr)))
                           (logical-pathname-translations (%pathname-host p)))))
          (unless tr (error 'file-error :pathname p))
          (translate-logical-pathname (%translate-lp p (first tr) (second tr)))))))

(defun translate-pathname (source from-wildcard to-wildcard &key)
  (%translate-lp (pathname source) (pathname from-wildcard) (pathname to-wildcard)))

(defun %native-namestring (designator)
  "The Unix namestring the platform opens: merged with the defaults, logical translated."
  (if (and (stringp designator) (not (%logical-pathname-p *default-pathname-defaults*))
           (not (position #\: designator))
           (null (%pathname-directory *default-pathname-defaults*)))
      designator
      (let ((p (if (streamp designator) designator (pathname designator))))
        ;; A logical pathname is translated before merging: the defaults' physical
        ;; directory is not part of it.
        (namestring (if (and (pathnamep p) (%logical-pathname-p p))
                        (merge-pathnames (translate-logical-pathname p))
                        (translate-logical-pathname (merge-pathnames designator)))))))

;;; ---------------------------------------------------------------- # syntax

(defun %read-sharp (object code arg)
  (case (code-char code)
    (#\P (unless (stringp object) (error "#P needs a string, not ~S." object))
     (parse-namestring object))
    (#\S (unless (and (consp object) (symbolp (car object)))
           (error "#S needs (structure-name slot value ...), not ~S." object))
     (let ((ctor (find-symbol (concatenate 'string "MAKE-" (symbol-name (car object)))
                              (symbol-package (car object)))))
       (unless (and ctor (fboundp ctor))
         (error "#S: ~S is not a structure with a standard constructor." (car object)))
       (apply ctor (loop for (k v) on (cdr object) by #'cddr
                         append (list (intern (string k) "KEYWORD") v)))))
    (#\A (if (null arg)
             (destructuring-bind (dims etype contents) object
               (make-array dims :element-type etype :initial-contents contents))
             (let ((dims (let ((x object))
                           (loop repeat arg
                                 collect (let ((n (length x))) (setq x (if (> n 0) (elt x 0) nil)) n)))))
               (if (zerop arg)
                   (make-array nil :initial-element object)
                   (make-array dims :initial-contents object)))))
    (t (error "#~A: complex numbers are not supported." (code-char code)))))
