;;;; 45-float-constants.lisp — the standard's float limits. Short floats are single
;;;; floats and long floats are double floats here. Epsilons are the smallest e with
;;;; (/= (+ 1 e) 1) (resp. (- 1 e)): 2^-p(1 + 2^(1-p)) for a p-bit significand.

(defconstant most-positive-single-float (float (* (- 1 (expt 2 -24)) (expt 2 128)) 1.0))
(defconstant most-negative-single-float (- most-positive-single-float))
(defconstant least-positive-single-float (float (expt 2 -149) 1.0))
(defconstant least-negative-single-float (- least-positive-single-float))
(defconstant least-positive-normalized-single-float (float (expt 2 -126) 1.0))
(defconstant least-negative-normalized-single-float (- least-positive-normalized-single-float))
(defconstant single-float-epsilon (float (+ (expt 2 -24) (expt 2 -47)) 1.0))
(defconstant single-float-negative-epsilon (float (+ (expt 2 -25) (expt 2 -48)) 1.0))

(defconstant most-positive-double-float (float (* (- 1 (expt 2 -53)) (expt 2 1024)) 1d0))
(defconstant most-negative-double-float (- most-positive-double-float))
(defconstant least-positive-double-float (float (expt 2 -1074) 1d0))
(defconstant least-negative-double-float (- least-positive-double-float))
(defconstant least-positive-normalized-double-float (float (expt 2 -1022) 1d0))
(defconstant least-negative-normalized-double-float (- least-positive-normalized-double-float))
(defconstant double-float-epsilon (float (+ (expt 2 -53) (expt 2 -105)) 1d0))
(defconstant double-float-negative-epsilon (float (+ (expt 2 -54) (expt 2 -106)) 1d0))

(defconstant most-positive-short-float most-positive-single-float)
(defconstant most-negative-short-float most-negative-single-float)
(defconstant least-positive-short-float least-positive-single-float)
(defconstant least-negative-short-float least-negative-single-float)
(defconstant least-positive-normalized-short-float least-positive-normalized-single-float)
(defconstant least-negative-normalized-short-float least-negative-normalized-single-float)
(defconstant short-float-epsilon single-float-epsilon)
(defconstant short-float-negative-epsilon single-float-negative-epsilon)

(defconstant most-positive-long-float most-positive-double-float)
(defconstant most-negative-long-float most-negative-double-float)
(defconstant least-positive-long-float least-positive-double-float)
(defconstant least-negative-long-float least-negative-double-float)
(defconstant least-positive-normalized-long-float least-positive-normalized-double-float)
(defconstant least-negative-normalized-long-float least-negative-normalized-double-float)
(defconstant long-float-epsilon double-float-epsilon)
(defconstant long-float-negative-epsilon double-float-negative-epsilon)
