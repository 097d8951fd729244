;;; Why: destructive list surgery in the spirit of Gabriel's destructive, scaled up: a
;;; vector of lists cut and spliced in place (nreverse, nconc and a split, elements passed
;;; from list to list with rplacd, a sort), one list replaced by a fresh one each round so
;;; garbage keeps coming and old lists point at young conses (the write barrier's work).
;;; Checked by the element count and sum, kept apart from the lists, and the sorted list.
;;; Parameters: *scale* (rounds), *destructive-lists*, *destructive-length*,
;;; *destructive-fresh*.

(defvar *destructive-rounds* 1000)    ; at *scale* 1
(defvar *destructive-lists* 200)
(defvar *destructive-length* 400)
(defvar *destructive-fresh* 20)       ; lists replaced by fresh ones each round

(defun ds-fresh (len)
  (let ((l nil)) (dotimes (i len l) (push (bench-random 100000) l))))

(defun ds-main ()
  (let* ((k *destructive-lists*)
         (v (make-array k))
         (count 0) (sum 0)
         (rounds (bench-scaled *destructive-rounds*)))
    (dotimes (i k)
      (let ((l (ds-fresh *destructive-length*)))
        (setf (svref v i) l) (incf count (length l)) (incf sum (reduce #'+ l))))
    (dotimes (r rounds)
      ;; Every list reversed in place.
      (dotimes (i k) (setf (svref v i) (nreverse (svref v i))))
      ;; Neighbours joined and split again one element off: on even rounds the first gives
      ;; one to the second, on odd rounds the second to the first (lengths stay balanced).
      (do ((i 0 (+ i 2))) ((>= (1+ i) k))
        (let* ((a (svref v i)) (b (svref v (1+ i))) (la (length a)))
          (when (if (evenp r) (> la 1) (and (> la 0) (cdr b)))
            (let* ((whole (nconc a b)) (cut (nthcdr (if (evenp r) (- la 2) la) whole)))
              (setf (svref v (1+ i)) (cdr cut))
              (rplacd cut nil)
              (setf (svref v i) whole)))))
      ;; A head cons moves to the front of the neighbour list (rplacd, no consing): up the
      ;; vector on even rounds, down on odd ones.
      (dotimes (i (1- k))
        (let* ((from (if (evenp r) i (1+ i))) (to (if (evenp r) (1+ i) i)) (a (svref v from)))
          (when (cdr a)
            (setf (svref v from) (cdr a))
            (rplacd a (svref v to))
            (setf (svref v to) a))))
      ;; One list sorted in place and checked; *destructive-fresh* replaced by fresh ones.
      (let* ((j (mod r k)) (s (sort (svref v j) #'<)))
        (setf (svref v j) s)
        (do ((l s (cdr l))) ((null (cdr l)))
          (when (> (car l) (cadr l)) (return-from ds-main (values nil "sort")))))
      (dotimes (f *destructive-fresh*)
        (let* ((j (bench-random k)) (old (svref v j)) (new (ds-fresh *destructive-length*)))
          (decf count (length old)) (decf sum (reduce #'+ old))
          (incf count (length new)) (incf sum (reduce #'+ new))
          (setf (svref v j) new))))
    (let ((c 0) (s 0))
      (dotimes (i k) (incf c (length (svref v i))) (incf s (reduce #'+ (svref v i))))
      (if (and (= c count) (= s sum))
          (values t (format nil "~D-rounds-~D-elements" rounds c))
          (values nil (format nil "count ~D/~D sum ~D/~D" c count s sum))))))

(bench-run "destructive" #'ds-main)
