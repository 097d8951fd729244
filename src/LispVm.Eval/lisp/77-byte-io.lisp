;;;; 77-byte-io.lisp — Why: binary file streams (OPEN with an integer :ELEMENT-TYPE),
;;;; READ-BYTE and WRITE-BYTE. A byte file stream holds one character per byte (codes
;;;; 0-255, CoreFiles.cs); an element wider than 8 bits takes ceiling(bits/8) bytes,
;;;; least significant first, negative ones in two's complement.

(defun %byte-element-type (type)
  "The integer element type TYPE as (UNSIGNED-BYTE n) or (SIGNED-BYTE n); NIL for characters."
  (let ((type (if (and (symbolp type) type (not (member type '(character base-char standard-char
                                                               signed-byte unsigned-byte bit))))
                  (multiple-value-bind (exp expanded) (%expand-deftype type)
                    (if expanded exp type))
                  type)))
    (cond ((member type '(character base-char standard-char :default nil)) nil)
          ((eq type 'bit) '(unsigned-byte 1))
          ((eq type 'unsigned-byte) '(unsigned-byte 8))
          ((eq type 'signed-byte) '(signed-byte 8))
          ((and (consp type) (member (car type) '(unsigned-byte signed-byte)))
           (if (integerp (cadr type)) type (list (car type) 8)))
          ((and (consp type) (eq (car type) 'mod) (integerp (cadr type)))
           `(unsigned-byte ,(max 1 (integer-length (1- (cadr type))))))
          ((and (consp type) (eq (car type) 'integer))
           (let ((lo (cadr type)) (hi (caddr type)))
             (if (and (integerp lo) (integerp hi))
                 (if (>= lo 0)
                     `(unsigned-byte ,(max 1 (integer-length hi)))
                     `(signed-byte ,(1+ (max (integer-length lo) (integer-length hi)))))
                 '(signed-byte 64))))
          (t nil))))

(defun %byte-stream-width (stream)
  "Bytes per element of a byte stream; signals a type error for a character stream."
  (let ((elt (%stream-elt stream)))
    (unless elt (error 'type-error :datum stream :expected-type '(satisfies %byte-stream-p)))
    (values (ceiling (cadr elt) 8) (eq (car elt) 'signed-byte))))

(defun %byte-stream-p (x) (and (streamp x) (%stream-elt x) t))

(defun read-byte (stream &optional (eof-error-p t) eof-value)
  (multiple-value-bind (width signed) (%byte-stream-width stream)
    (let ((value 0))
      (dotimes (i width)
        (let ((c (read-char stream nil nil)))
          (unless c
            (if eof-error-p (error 'end-of-file :stream stream) (return-from read-byte eof-value)))
          (setq value (logior value (ash (char-code c) (* 8 i))))))
      (if (and signed (logbitp (1- (* 8 width)) value))
          (- value (ash 1 (* 8 width)))
          value))))

(defun write-byte (byte stream)
  (unless (integerp byte) (error 'type-error :datum byte :expected-type 'integer))
  (let ((width (%byte-stream-width stream)))
    (dotimes (i width)
      (write-char (code-char (ldb (byte 8 (* 8 i)) byte)) stream))
    byte))

(let ((engine-file-length (symbol-function 'file-length))
      (engine-file-position (symbol-function 'file-position)))
  (defun file-length (stream)
    (let ((n (funcall engine-file-length stream)))
      (if (and n (%stream-elt stream)) (values (floor n (%byte-stream-width stream))) n)))
  (defun file-position (stream &optional (position nil position-p))
    (let ((w (if (%stream-elt stream) (%byte-stream-width stream) 1)))
      (if position-p
          (funcall engine-file-position stream (if (integerp position) (* position w) position))
          (let ((n (funcall engine-file-position stream)))
            (if (integerp n) (values (floor n w)) n))))))

;; The platform interface has no rename: the bytes are copied to the new name, then the
;; old file is deleted (not atomic).
(defun rename-file (filespec new-name)
  (let* ((old (truename filespec))
         (new (merge-pathnames new-name old)))
    (with-open-file (in old :element-type '(unsigned-byte 8))
      (with-open-file (out new :direction :output :if-exists :supersede
                               :element-type '(unsigned-byte 8))
        (let ((buf (make-array (file-length in))))
          (read-sequence buf in)
          (write-sequence buf out))))
    (delete-file old)
    (values new old (truename new))))

;; No file owners on the platform interface: NIL for an existing file.
(defun file-author (pathspec)
  (truename pathspec)
  nil)
