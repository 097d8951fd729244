;;;; 76-files.lisp — OPEN, CLOSE, LOAD and friends over the engine's file streams
;;;; (Builtins/CoreFiles.cs): real files hosted and in the image on Linux, the in-memory
;;;; store on Xen. Pathnames are strings: PATHNAME, NAMESTRING, MERGE-PATHNAMES and
;;;; friends accept and return strings (no pathname objects). Files are UTF-8 text.

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
    (-95 "this platform has no file store")
    (t (format nil "error ~D" (- code)))))

(defun %signal-file-error (path code what)
  (error '%simple-file-error :pathname path
         :message (format nil "Cannot ~A ~S: ~A." what path (%file-error-text code))))

(defvar *default-pathname-defaults* "")

(defun namestring (pathname)
  (cond ((stringp pathname) pathname)
        ((symbolp pathname) (symbol-name pathname))
        ((and (streamp pathname) (%stream-path pathname)))
        (t (error 'type-error :datum pathname :expected-type '(or string stream)))))
(defun pathname (designator) (namestring designator))
(defun pathnamep (x) (stringp x))
(defun truename (designator)
  (let ((p (namestring designator)))
    (unless (probe-file p) (%signal-file-error p -2 "find"))
    p))
(defun merge-pathnames (pathname &optional (defaults *default-pathname-defaults*) default-version)
  (declare (ignore default-version))
  (let ((p (namestring pathname)) (d (namestring defaults)))
    (if (or (zerop (length d)) (and (> (length p) 0) (char= (char p 0) #\/)))
        p
        (let ((slash (position #\/ d :from-end t)))
          (concatenate 'string (if slash (subseq d 0 (1+ slash)) "") p)))))
(defun file-namestring (pathname)
  (let* ((p (namestring pathname)) (slash (position #\/ p :from-end t)))
    (if slash (subseq p (1+ slash)) p)))
(defun directory-namestring (pathname)
  (let* ((p (namestring pathname)) (slash (position #\/ p :from-end t)))
    (if slash (subseq p 0 (1+ slash)) "")))
(defun pathname-name (pathname)
  (let* ((f (file-namestring pathname)) (dot (position #\. f :from-end t)))
    (if (and dot (> dot 0)) (subseq f 0 dot) f)))
(defun pathname-type (pathname)
  (let* ((f (file-namestring pathname)) (dot (position #\. f :from-end t)))
    (and dot (> dot 0) (subseq f (1+ dot)))))

(defun probe-file (pathname)
  (let* ((p (namestring pathname)) (size (%file-size p)))
    (and (>= size 0) p)))

(defun delete-file (pathname)
  (let* ((p (namestring pathname)) (r (%file-delete p)))
    (when (< r 0) (%signal-file-error p r "delete"))
    t))

(defun file-write-date (pathname) (declare (ignore pathname)) nil)

(defun open (filespec &key (direction :input) (element-type 'character)
                           (if-exists nil if-exists-p) (if-does-not-exist nil if-dne-p)
                           (external-format :default))
  (declare (ignore element-type external-format))
  (let ((path (namestring filespec)))
    (ecase direction
      ((:input :probe)
       (let ((s (%file-open-input path)))
         (cond ((streamp s) (when (eq direction :probe) (close s)) s)
               ((and (= s -2) (if if-dne-p (null if-does-not-exist) nil)) nil)
               ((and (= s -2) (eq if-does-not-exist :create))
                (close (open path :direction :output :if-exists :append))
                (open path :direction direction))
               (t (%signal-file-error path s "open")))))
      ((:output :io)
       (let ((exists (probe-file path))
             (if-exists (if if-exists-p if-exists :supersede))
             (if-dne (if if-dne-p if-does-not-exist :create)))
         (cond ((and exists (null if-exists)) (return-from open nil))
               ((and exists (eq if-exists :error))
                (error '%simple-file-error :pathname path
                       :message (format nil "Cannot open ~S for output: the file exists." path)))
               ((and (not exists) (null if-dne)) (return-from open nil))
               ((and (not exists) (eq if-dne :error)) (%signal-file-error path -2 "open")))
         (let ((s (%file-open-output path (and exists (member if-exists '(:append :overwrite)) t))))
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
  "Reads and evaluates each form of the file in turn; T, or NIL for a missing file when
IF-DOES-NOT-EXIST is NIL. An error names the file and the line of the form."
  (declare (ignore external-format))
  (let* ((path (namestring filespec))
         (s (open path :if-does-not-exist (if if-does-not-exist :error nil))))
    (unless s (return-from load nil))
    (when verbose (format t "~&; loading ~A~%" path))
    (let ((*load-pathname* path) (*load-truename* path)
          (*package* *package*)
          (eof (list :eof)) (start 0))
      (unwind-protect
           (handler-bind ((error (lambda (c)
                                   (declare (ignore c))
                                   (format *error-output* "~&;; While loading ~A, the form at line ~D:~%"
                                           path (%stream-line s start)))))
             (loop
               (setq start (%skip-whitespace-position s))
               (let ((form (read s nil eof)))
                 (when (eq form eof) (return))
                 (let ((vals (multiple-value-list (eval form))))
                   (when print (format t "~&~{~S~^, ~}~%" vals))))))
        (close s)))
    t))

;; Where the next form starts (after whitespace and ; comments), for LOAD's line numbers.
(defun %skip-whitespace-position (s)
  (loop
    (let ((c (peek-char nil s nil nil)))
      (cond ((null c) (return))
            ((member c '(#\Space #\Tab #\Newline #\Return #\Page)) (read-char s))
            ((char= c #\;) (read-line s nil nil))
            (t (return)))))
  (%file-position s))
