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
