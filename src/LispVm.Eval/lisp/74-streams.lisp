;;;; 74-streams.lisp — stream macros and small stream functions over the engine's
;;;; string streams and console streams: with-output-to-string, with-input-from-string,
;;;; with-open-stream, with-open-file (for platforms that provide OPEN), and the
;;;; output helpers the engine leaves out (force-output, clear-output, write-line keys).

(defmacro with-output-to-string ((var &optional string &key element-type) &body body)
  (declare (ignore element-type))
  (if string
      (let ((g (gensym "STRING")))
        `(let ((,g ,string) (,var (make-string-output-stream)))
           (unwind-protect (progn ,@body)
             (let ((s (get-output-stream-string ,var)))
               (dotimes (i (length s)) (vector-push-extend (char s i) ,g))))))
      `(let ((,var (make-string-output-stream)))
         ,@body
         (get-output-stream-string ,var))))

(defmacro with-input-from-string ((var string &key (start 0) end index) &body body)
  (let ((str (gensym "STRING")))
    `(let* ((,str ,string)
            (,var (make-string-input-stream (subseq ,str ,start ,end))))
       (multiple-value-prog1 (progn ,@body)
         ,@(when index
             `((setf ,index (+ ,start (%string-input-position ,var)))))))))

(defun %string-input-position (stream)
  (if (fboundp 'file-position) (funcall 'file-position stream) 0))

(defmacro with-open-stream ((var stream) &body body)
  `(let ((,var ,stream))
     (unwind-protect (progn ,@body)
       (when ,var (close ,var)))))

(defmacro with-open-file ((var filespec &rest options) &body body)
  `(let ((,var (open ,filespec ,@options)))
     (unwind-protect (progn ,@body)
       (when ,var (close ,var)))))

(unless (fboundp 'force-output)
  (defun force-output (&optional stream) (finish-output (%out-stream stream)) nil))
(unless (fboundp 'clear-output)
  (defun clear-output (&optional stream) (declare (ignore stream)) nil))
(unless (fboundp 'clear-input)
  (defun clear-input (&optional stream) (declare (ignore stream)) nil))
(unless (fboundp 'close)
  (defun close (stream &key abort) (declare (ignore stream abort)) t))

;; READ-FROM-STRING is the engine's builtin; a displaced character array comes here.
(defun %read-from-string-other (string &rest arguments)
  (unless (and (arrayp string) (= (array-rank string) 1) (subtypep (array-element-type string) 'character))
    (error 'type-error :datum string :expected-type 'string))
  (let* ((n (if (array-has-fill-pointer-p string) (fill-pointer string) (array-dimension string 0)))
         (wide (dotimes (i n nil) (when (> (char-code (aref string i)) 255) (return t))))
         (copy (make-string n :initial-element (if wide (code-char 256) #\space))))
    (dotimes (i n) (setf (char copy i) (aref string i)))
    (apply #'read-from-string copy arguments)))

(defun read-from-string* (string &optional (eof-error-p t) eof-value &key (start 0) end)
  (read-from-string (subseq string start end) eof-error-p eof-value))

(defun y-or-n-p (&optional control &rest args)
  (when control (apply #'format *standard-output* control args) (write-string " (y or n) "))
  (finish-output)
  (let ((line (read-line *standard-input* nil "")))
    (and (> (length line) 0) (char-equal (char line 0) #\y))))
(defun yes-or-no-p (&optional control &rest args)
  (when control (apply #'format *standard-output* control args) (write-string " (yes or no) "))
  (finish-output)
  (string-equal (string-trim " " (read-line *standard-input* nil "")) "yes"))

(defun read-sequence (sequence stream &key (start 0) end)
  "Fills SEQUENCE[start,end) from STREAM; the index after the last element stored."
  (let ((end (or end (length sequence))))
    (unless (and (integerp start) (<= 0 start end (length sequence)))
      (error 'type-error :datum start :expected-type `(integer 0 ,(length sequence))))
    (if (listp sequence)
        (let ((i start))
          (loop for tail on (nthcdr start sequence)
                while (< i end)
                do (let ((x (%read-sequence-element stream)))
                     (when (eq x :eof) (return))
                     (setf (car tail) x)
                     (incf i)))
          i)
        (do ((i start (1+ i)))
            ((>= i end) i)
          (let ((x (%read-sequence-element stream)))
            (when (eq x :eof) (return i))
            (setf (aref sequence i) x))))))

;; Streams here are character streams (no byte I/O yet).
(defun stream-element-type (stream)
  (unless (streamp stream) (error 'type-error :datum stream :expected-type 'stream))
  (or (%stream-elt stream) 'character))

(defun %read-sequence-element (stream)
  (if (%stream-elt stream) (read-byte stream nil :eof) (read-char stream nil :eof)))

;; WRITE-SEQUENCE is the engine's builtin (CoreStreams.cs): a string to a string, file or
;; console stream is one block copy there; it hands every other case to this function.
(defun %write-sequence-other (sequence stream start end)
  "Writes SEQUENCE[start,end) to STREAM; returns SEQUENCE."
  (let ((end (or end (length sequence))))
    (unless (and (integerp start) (<= 0 start end (length sequence)))
      (error 'type-error :datum start :expected-type `(integer 0 ,(length sequence))))
    (if (stringp sequence)
        (%write-string-range sequence stream start end)   ; one block copy (CoreStreams.cs)
        (let ((i 0))
          (map nil (lambda (x)
                     (when (and (>= i start) (< i end))
                       (if (%stream-elt stream) (write-byte x stream) (write-char x stream)))
                     (incf i))
               sequence)))
    sequence))

;; The engine's READ stops before the whitespace that ends a token (it never consumes
;; it), which is exactly what READ-PRESERVING-WHITESPACE must do.
(defun read-preserving-whitespace (&optional (input-stream *standard-input*) (eof-error-p t)
                                             eof-value recursive-p)
  (read input-stream eof-error-p eof-value recursive-p))

(defun read-delimited-list (char &optional (input-stream *standard-input*) recursive-p)
  "Objects read up to CHAR (consumed), as a list."
  (declare (ignore recursive-p))
  (let ((items nil))
    (loop
      (let ((c (peek-char t input-stream t nil)))
        (when (char= c char)
          (read-char input-stream)
          (return (nreverse items)))
        (push (read input-stream t nil t) items)))))
