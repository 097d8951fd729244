;;;; wordfreq.lisp — word frequencies with hash tables, string functions, sort and FORMAT.
;;;; (load "examples/wordfreq.lisp")

(defparameter *text*
  "the quick brown fox jumps over the lazy dog the dog barks and the fox runs")

(defun split-words (string)
  (loop with start = 0
        for pos = (position #\Space string :start start)
        collect (subseq string start pos)
        while pos
        do (setf start (1+ pos))))

(defun word-frequencies (string)
  (let ((counts (make-hash-table :test 'equal)))
    (dolist (w (split-words (string-downcase string)))
      (incf (gethash w counts 0)))
    (let ((pairs nil))
      (maphash (lambda (k v) (push (cons k v) pairs)) counts)
      (sort pairs (lambda (a b) (or (> (cdr a) (cdr b))
                                    (and (= (cdr a) (cdr b)) (string< (car a) (car b)))))))))

(format t "~:{~10a ~3d~%~}" (mapcar (lambda (p) (list (car p) (cdr p)))
                                     (subseq (word-frequencies *text*) 0 5)))
