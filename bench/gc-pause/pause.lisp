;;; Why: issue 19's pause goals on one fixed heap shape. The long-lived tree is cl-bench's
;;; boehm-gc tree (its NODE struct, its bottom-up MAKE-TREE) built to ~100 MB; then N forced
;;; full collections (each pause and MB/s), then boehm-gc's allocation loop (short-lived
;;; trees built top-down and bottom-up) with the big tree in the old space (minor pauses,
;;; GC share). The driver (bench/gc-pause/run) prepends the three parameters below.
;;; Output lines start with a keyword the driver parses: SHAPE, FULL, ALLOC, MINOR.
(defvar *depth* 20)        ; long-lived tree depth: 2^(depth+1)-1 nodes
(defvar *fulls* 10)        ; forced full collections
(defvar *alloc-rounds* 1)  ; passes over boehm-gc's depth 4..16 loop

(defstruct node left right dummy1 dummy2)

(defun make-tree (depth)
  (if (<= depth 0) (make-node)
      (make-node :left (make-tree (- depth 1)) :right (make-tree (- depth 1)))))

(defun populate (depth this-node)
  (when (> depth 0)
    (setf (node-left this-node) (make-node))
    (setf (node-right this-node) (make-node))
    (populate (1- depth) (node-left this-node))
    (populate (1- depth) (node-right this-node))))

(defun count-nodes (n) (if n (+ 1 (count-nodes (node-left n)) (count-nodes (node-right n))) 0))

(defun tree-size (d) (- (expt 2 (1+ d)) 1))

(defvar *tree* nil)

(defun gc-pause-main ()
  (gc t)
  (let ((base (svref (%heap-stats) 5)))
    (setq *tree* (make-tree *depth*))
    (gc t)
    (let* ((s (%heap-stats)) (live (svref s 5)) (nodes (tree-size *depth*)))
      (format t "~&SHAPE depth ~d nodes ~d tree-bytes ~d live-bytes ~d bytes-per-node ~,1f nursery-bytes ~d~%"
              *depth* nodes (- live base) live (/ (- live base) nodes 1.0) (svref s 3))))
  ;; Forced full collections: each one's pause from the engine's own timer.
  (dotimes (i *fulls*)
    (cl::%gc-pauses-clear)
    (gc t)
    (let* ((p (cl::%gc-pauses)) (us (svref p 14)) (live (svref (%heap-stats) 5)))
      (format t "~&FULL ~d us ~d live-bytes ~d mb-per-s ~,1f~%"
              i us live (if (> us 0) (/ live us 1.0) 0))))
  ;; boehm-gc's loop: for depth 4, 6, .. 16, iteration-count trees built top-down
  ;; (POPULATE writes young nodes into older ones) and bottom-up (MAKE-TREE).
  (cl::%gc-pauses-clear)
  (let* ((s0 (%heap-stats)) (t0 (get-internal-real-time)) (made 0))
    (dotimes (r *alloc-rounds*)
      (do ((d 4 (+ d 2))) ((> d 16))
        (let ((iters (floor (* 2 (tree-size 16)) (tree-size d))))
          (dotimes (i iters) (populate d (make-node)) (incf made))
          (dotimes (i iters) (make-tree d) (incf made)))))
    (let* ((t1 (get-internal-real-time)) (s1 (%heap-stats)) (p (cl::%gc-pauses))
           (wall (- t1 t0)) (gc (- (svref s1 9) (svref s0 9))))
      (format t "~&ALLOC trees ~d wall-us ~d gc-us ~d gc-share ~,3f allocated-bytes ~d minors ~d fulls ~d~%"
              made wall gc (if (> wall 0) (/ gc wall 1.0) 0)
              (- (svref s1 6) (svref s0 6)) (- (svref s1 7) (svref s0 7)) (- (svref s1 8) (svref s0 8)))
      (format t "~&MINOR count ~d p50-us ~d p90-us ~d p99-us ~d max-us ~d~%"
              (svref p 6) (svref p 9) (svref p 10) (svref p 11) (svref p 8))
      (format t "~&FULLPAUSE count ~d p50-us ~d max-us ~d~%" (svref p 12) (svref p 15) (svref p 14))))
  (format t "~&CHECK ~d~%" (count-nodes *tree*)))
