;;;; queens.lisp — N-queens with LOOP, lists and FORMAT: a small classic program that
;;;; exercises the library the way user code does. (load "examples/queens.lisp")

(defun queens-safe-p (col placed)
  (loop for c in placed
        for dist from 1
        never (or (= c col) (= (abs (- c col)) dist))))

(defun queens (n)
  "All solutions as lists of column numbers, first row last."
  (let ((solutions nil))
    (labels ((place (row placed)
               (if (= row n)
                   (push (reverse placed) solutions)
                   (dotimes (col n)
                     (when (queens-safe-p col placed)
                       (place (1+ row) (cons col placed)))))))
      (place 0 nil))
    (nreverse solutions)))

(defun show-board (solution)
  (let ((n (length solution)))
    (dolist (col solution)
      (format t "~{~a~^ ~}~%" (loop for i below n collect (if (= i col) "Q" "."))))))

(let ((all (queens 6)))
  (format t "~d solutions for 6 queens; the first:~%" (length all))
  (show-board (first all)))
