;;; Why: a GCBench-style tree builder (after Boehm and Ellis's GCBench): a long-lived tree
;;; and vector that stay live (about *LIVE-MB* together), then many short-lived binary
;;; trees of increasing depth, built top-down (fill in children) and bottom-up (children
;;; first). Checks every tree's node count and the long-lived data at the end.
;;; Parameters: *live-mb* (long-lived data), *scale* (short-lived trees), *gcbench-depth*.

(defvar *gcbench-depth* 16)          ; deepest short-lived tree
(defvar *gcbench-rounds* 8)          ; passes over depths 4, 6, ... at *scale* 1

(defstruct (gb-node (:constructor gb-node (left right))) left right (i 0) (j 0))

(defun gb-size (depth) (1- (expt 2 (1+ depth))))

(defun gb-fill (depth node)             ; top-down
  (when (> depth 0)
    (setf (gb-node-left node) (gb-node nil nil)
          (gb-node-right node) (gb-node nil nil))
    (gb-fill (1- depth) (gb-node-left node))
    (gb-fill (1- depth) (gb-node-right node))))

(defun gb-build (depth)                 ; bottom-up
  (if (<= depth 0)
      (gb-node nil nil)
      (gb-node (gb-build (1- depth)) (gb-build (1- depth)))))

(defun gb-count (node)
  (if node (+ 1 (gb-count (gb-node-left node)) (gb-count (gb-node-right node))) 0))

;; Half the live data in the tree (about 48 bytes a node in LispVm and SBCL), half in a
;; simple-vector of fixnums (8 bytes a slot everywhere).
(defun gb-live-depth ()
  (let ((nodes (floor (* *live-mb* 524288) 48)))
    (max 4 (- (integer-length (1+ nodes)) 2))))     ; 2^(d+1) - 1 <= nodes
(defun gb-vector-length () (max 1000 (floor (* *live-mb* 524288) 8)))

(defun gb-main ()
  (let* ((max-depth *gcbench-depth*)
         (live-depth (gb-live-depth))
         (long (gb-node nil nil))
         (vec (make-array (gb-vector-length) :initial-element 0))
         (rounds (bench-scaled *gcbench-rounds*))
         (made 0) (counted 0))
    ;; A stretch tree one deeper than the deepest short-lived one, dropped at once.
    (unless (= (gb-count (gb-build (1+ max-depth))) (gb-size (1+ max-depth)))
      (return-from gb-main (values nil "stretch-tree")))
    (gb-fill live-depth long)
    (dotimes (i (length vec)) (setf (svref vec i) (- (length vec) i)))
    (dotimes (r rounds)
      (do ((d 4 (+ d 2))) ((> d max-depth))
        (let ((iters (floor (* 2 (gb-size max-depth)) (gb-size d))))
          (dotimes (i iters)
            (let ((top (gb-node nil nil)))
              (gb-fill d top)
              (incf counted (gb-count top)))
            (incf counted (gb-count (gb-build d)))
            (incf made (* 2 (gb-size d)))))))
    (let ((live (gb-count long)))
      (cond ((/= counted made) (values nil (format nil "short-lived=~D/~D" counted made)))
            ((/= live (gb-size live-depth)) (values nil (format nil "long-lived=~D" live)))
            ((/= (svref vec 7) (- (length vec) 7)) (values nil "vector"))
            (t (values t (format nil "~D+~D" made live)))))))

(bench-run "gcbench" #'gb-main)
