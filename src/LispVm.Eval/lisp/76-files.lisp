;;;; 76-files.lisp — OPEN, CLOSE, LOAD and friends over the engine's file streams
;;;; (Builtins/CoreFiles.cs): real files hosted and in the image on Linux, the in-memory
;;;; store on Xen. Any pathname designator works (75-pathnames.lisp turns it into a native
;;;; namestring); file-error-pathname keeps the designator as given. Files are UTF-8 text.

(define-condition %simple-file-error (file-error)
  ((message :initarg :message :reader %file-error-message))
  (:report (lambda (c s) (write-string (%file-error-message c) s))))

(defun %file-error-text (code)
  (case code
    (-2 "no such file or directory")
    (-13 "permission denied")
    (-21 "is a directory")
    (-27 "file too large")
    (-28 "no space left")
    (-17 "a file of that name exists")
    (-20 "a component is not a directory")
    (-95 "this platform has no file store")
    (t (format nil "error ~D" (- code)))))

(defun %signal-file-error (path code what)
  (error '%simple-file-error :pathname path
         :message (format nil "Cannot ~A ~S: ~A." what path (%file-error-text code))))

(defun truename (designator)
  (let ((p (probe-file designator)))
    (unless p (%signal-file-error (namestring designator) -2 "find"))
    p))

(defun probe-file (pathname)
  "The merged pathname when the file (or, for a pathname without a name, the directory)
exists; NIL otherwise."
  (when (and (not (streamp pathname)) (wild-pathname-p pathname))
    (error 'file-error :pathname pathname))
  (let* ((p (%native-namestring pathname))
         (size (%file-size (if (zerop (length p)) "." p))))
    (and (or (>= size 0) (= size -21))
         (merge-pathnames pathname))))

(defun delete-file (pathname)
  (let* ((p (%native-namestring pathname)) (r (%file-delete p)))
    (when (< r 0) (%signal-file-error p r "delete"))
    t))

;; The platform interface has no stat yet: an existing file's date is "now", which makes
;; every compiled file look stale (so it is compiled again), never wrongly fresh.
(defun file-write-date (pathname)
  (and (probe-file pathname) (get-universal-time)))

(defun directory (pathspec &key)
  "Without a directory listing on the platform interface, only a pathname without
wildcards can be found (a list of it, or NIL); a wild one gives NIL."
  (if (wild-pathname-p pathspec)
      nil
      (let ((p (probe-file pathspec))) (and p (list p)))))

(defun ensure-directories-exist (pathspec &key verbose)
  "Creates the missing directories of PATHSPEC's directory (merged with the defaults),
outermost first. Two values: PATHSPEC and whether a directory was created. Where the
platform has no file system (the Xen file store is flat: its directories are only names),
nothing needs creating."
  ;; Not merged here: %NATIVE-NAMESTRING merges each prefix with the defaults once (a
  ;; relative *DEFAULT-PATHNAME-DEFAULTS* merged twice would double its directories).
  (let* ((p (pathname pathspec))
         (dir (pathname-directory p))
         (created nil))
    (when (wild-pathname-p p)
      (error 'file-error :pathname pathspec))
    (loop for k from 2 to (length dir)
          for sub = (make-pathname :directory (subseq dir 0 k) :name nil :type nil :version nil
                                   :defaults p)
          for native = (string-right-trim "/" (%native-namestring sub))
          for r = (if (zerop (length native)) 1 (%dir-create native))
          do (cond ((eql r 0)
                    (setq created t)
                    (when verbose (format *standard-output* "~&; created directory ~A~%" native)))
                   ((or (eql r 1) (eql r -95)))
                   (t (%signal-file-error native r "create the directory"))))
    (values pathspec created)))

(defun user-homedir-pathname (&optional host)
  (declare (ignore host))
  (pathname "/"))

(defun open (filespec &key (direction :input) (element-type 'character)
                           (if-exists nil if-exists-p) (if-does-not-exist nil if-dne-p)
                           (external-format :default))
  (declare (ignore external-format))
  ;; PATH is for the engine only: passed back to OPEN or PROBE-FILE it would be merged with
  ;; the defaults again (characters/characters/x.lsp under a relative default).
  (let ((path (%native-namestring filespec))
        (elt (%byte-element-type element-type)))   ; NIL: characters (77-byte-io.lisp)
    (ecase direction
      ((:input :probe)
       (let ((s (%file-open-input path elt)))
         (cond ((streamp s) (when (eq direction :probe) (close s)) s)
               ((and (= s -2) (if if-dne-p (null if-does-not-exist) nil)) nil)
               ((and (= s -2) (eq if-does-not-exist :create))
                (close (open filespec :direction :output :if-exists :append))
                (open filespec :direction direction :element-type element-type))
               (t (%signal-file-error path s "open")))))
      ((:output :io)
       (let ((exists (probe-file filespec))
             (if-exists (if if-exists-p if-exists :supersede))
             (if-dne (if if-dne-p if-does-not-exist :create)))
         (cond ((and exists (null if-exists)) (return-from open nil))
               ((and exists (eq if-exists :error))
                (error '%simple-file-error :pathname path
                       :message (format nil "Cannot open ~S for output: the file exists." path)))
               ((and (not exists) (null if-dne)) (return-from open nil))
               ((and (not exists) (eq if-dne :error)) (%signal-file-error path -2 "open")))
         (let ((s (%file-open-output path (and exists (member if-exists '(:append :overwrite)) t) elt)))
           (if (streamp s) s (%signal-file-error path s "open"))))))))

(let ((engine-finish-output (symbol-function 'finish-output)))
  (defun finish-output (&optional stream)
    (let ((s (cond ((null stream) *standard-output*) ((eq stream t) *terminal-io*) (t stream))))
      (if (and (streamp s) (eql (%stream-kind s) 5))
          (let ((r (%file-flush s)))
            (unless (eq r t) (%signal-file-error (%stream-path s) r "write"))
            nil)
          (funcall engine-finish-output stream)))))
(defun force-output (&optional stream) (finish-output stream))

(defun close (stream &key abort)
  (unless (streamp stream) (error 'type-error :datum stream :expected-type 'stream))
  (when (and (not abort) (eql (%stream-kind stream) 5))
    (finish-output stream))
  (%stream-close stream)
  t)

(defun open-stream-p (stream) (/= (%stream-kind stream) 6))
(defun input-stream-p (stream) (member (%stream-kind stream) '(2 3 4)))
(defun output-stream-p (stream) (member (%stream-kind stream) '(0 1 5)))
(defun file-stream-p (x) (and (streamp x) (member (%stream-kind x) '(4 5)) t))

(defun file-position (stream &optional (position nil position-p))
  (if position-p
      (%set-file-position stream position)
      (%file-position stream)))

(defun file-length (stream) (%file-length stream))

(defvar *load-pathname* nil)
(defvar *load-truename* nil)
(defvar *load-verbose* nil)
(defvar *load-print* nil)

(defun load (filespec &key (verbose *load-verbose*) (print *load-print*)
                           (if-does-not-exist t) (external-format :default))
  "Reads and evaluates each form of the file (or of the stream FILESPEC) in turn; T, or
NIL for a missing file when IF-DOES-NOT-EXIST is NIL. An error names the file and the
line of the form."
  (declare (ignore external-format))
  (if (and (streamp filespec) (not (file-stream-p filespec)))
      ;; A string or other non-file stream: its forms, with no pathname to bind.
      (progn
        (when verbose (format t "~&; loading ~S~%" filespec))
        (let ((*load-pathname* nil) (*load-truename* nil))
          (%load-forms filespec nil print))
        t)
      (let* ((path (%native-namestring filespec))
             ;; FILESPEC, not PATH: a relative native name would be merged twice.
             (s (open filespec :if-does-not-exist (if if-does-not-exist :error nil))))
        (unless s (return-from load nil))
        (when verbose (format t "~&; loading ~A~%" path))
        (let ((*load-pathname* (merge-pathnames filespec))
              (*load-truename* (merge-pathnames filespec)))
          (unwind-protect
               (let ((header (%fasl-header s filespec)))
                 ;; A fasl is read as its source was at compile time: #. sees the
                 ;; *COMPILE-FILE-...* values COMPILE-FILE had.
                 (let ((*compile-file-pathname* (if header (first header) *compile-file-pathname*))
                       (*compile-file-truename* (if header (second header) *compile-file-truename*)))
                   (declare (special *compile-file-pathname* *compile-file-truename*)) ; defvar'd below
                   (%load-forms s path print)))
            (close s)))
        t)))

;;; LispVm's fasl is its source text after one header line (COMPILE-FILE): the format
;;; version and the source's pathname and truename. LOAD refuses a file of type "fasl"
;;; without that line (another Lisp's fasl) or of another version (a stale one).
(defconstant +%fasl-version+ 1)
(defconstant +%fasl-prefix+ ";;; LispVm fasl ")

(defun %fasl-header (s filespec)
  "(pathname truename) from the header line of the file S, or NIL (S rewound) for a file
without one; a foreign or stale fasl is a FILE-ERROR."
  (let* ((line (read-line s nil ""))
         (n (length +%fasl-prefix+))
         (ours (and (>= (length line) n) (string= line +%fasl-prefix+ :end1 n))))
    (cond ((and ours (eql (ignore-errors (parse-integer line :start n :junk-allowed t))
                          +%fasl-version+))
           (with-input-from-string (h line :start n)
             (read h)
             (list (pathname (read h)) (pathname (read h)))))
          ((or ours (string-equal (pathname-type (pathname filespec)) "fasl"))
           (error '%simple-file-error :pathname filespec
                  :message (format nil "~A is not a LispVm fasl of version ~D (another Lisp's, or stale): compile its source again."
                                   (namestring filespec) +%fasl-version+)))
          (t (file-position s 0) nil))))

;; LOAD's loop over the forms of S; PATH (a file's name, or NIL for another stream) is
;; what an error report names. *PACKAGE* and *READTABLE* are rebound, as LOAD must.
(defun %load-forms (s path print)
  (let ((*package* *package*) (*readtable* *readtable*)
        (eof (list :eof)) (start 0))
    (handler-bind ((error (lambda (c)
                            (declare (ignore c))
                            (when path
                              (format *error-output* "~&;; While loading ~A, the form at line ~D:~%"
                                      path (%stream-line s start))))))
      (loop
        (setq start (%skip-whitespace-position s path))
        (let ((form (restart-case (read s nil eof)
                      (continue ()
                        :report "Skip to the next line that starts with ( and go on loading."
                        (%skip-to-toplevel-paren s)
                        s))))
          (when (eq form eof) (return))
          ;; CONTINUE skips a form that signalled and goes on with the next one.
          (unless (eq form s)
            (restart-case
                (let ((vals (multiple-value-list (eval form))))
                  (when print (format t "~&~{~S~^, ~}~%" vals)))
              (continue ()
                :report "Skip this form and go on loading the file."
                nil))))))))

;; After a form that could not be read: the next line that starts with "(" (a top-level
;; form in any conventionally indented file).
(defun %skip-to-toplevel-paren (s)
  (loop
    (unless (read-line s nil nil) (return))
    (when (eql (peek-char nil s nil nil) #\() (return))))

;; Where the next form starts (after whitespace and ; comments), for LOAD's line numbers.
(defun %skip-whitespace-position (s &optional (file t))
  (loop
    (let ((c (peek-char nil s nil nil)))
      (cond ((null c) (return))
            ((member c '(#\Space #\Tab #\Newline #\Return #\Page)) (read-char s))
            ((char= c #\;) (read-line s nil nil))
            (t (return)))))
  (if file (%file-position s) 0))

(defvar *compile-file-pathname* nil)
(defvar *compile-file-truename* nil)
(defvar *compile-verbose* nil)
(defvar *compile-print* nil)

(defun compile-file-pathname (input-file &key output-file &allow-other-keys)
  (if output-file
      (merge-pathnames output-file (merge-pathnames input-file))
      (make-pathname :type "fasl" :defaults (merge-pathnames input-file))))

;; Interim: the "fasl" is a copy of the source text (LOAD reads and evaluates it); the
;; file is read through once so that a syntax error shows at compile time.
(defun compile-file (input-file &key output-file (verbose *compile-verbose*) (print *compile-print*)
                                     external-format)
  (declare (ignore print external-format))
  (let* ((in (merge-pathnames input-file))
         (out (compile-file-pathname in :output-file output-file))
         (*compile-file-pathname* in)
         (*compile-file-truename* (truename in)))
    (when verbose (format t "~&; compiling ~A~%" (namestring in)))
    (with-open-file (s in)
      (with-open-file (o out :direction :output :if-exists :supersede)
        (format o "~A~D ~S ~S~%" +%fasl-prefix+ +%fasl-version+
                (namestring in) (namestring *compile-file-truename*))
        (loop for line = (read-line s nil nil)
              while line do (write-line line o))))
    (values (truename out) nil nil)))
