;;;; Why: CLHS 25.1.4 time functions. Universal time = seconds since 1900-01-01 00:00 UTC
;;;; (GET-UNIVERSAL-TIME is the engine's, from the platform's wall clock). The guest has no
;;;; time-zone database: the local zone is UTC (zone 0, no daylight saving) everywhere, so
;;;; transcripts decode the same in every world. Civil dates use the proleptic Gregorian
;;;; day-count formulas of H. Hinnant's "chrono-compatible low-level date algorithms".

;; Days between 1900-01-01 and 1970-01-01 (the formulas below count from 1970).
(defconstant +%days-1900-to-1970+ 25567)

(defun %days-from-civil (year month date)
  (let* ((y (if (<= month 2) (- year 1) year))
         (era (floor y 400))
         (yoe (- y (* era 400)))
         (doy (+ (floor (+ (* 153 (+ month (if (> month 2) -3 9))) 2) 5) (- date 1)))
         (doe (+ (* yoe 365) (floor yoe 4) (- (floor yoe 100)) doy)))
    (+ (* era 146097) doe -719468)))

;; (values year month date) of a day count since 1970-01-01.
(defun %civil-from-days (z)
  (let* ((z (+ z 719468))
         (era (floor z 146097))
         (doe (- z (* era 146097)))
         (yoe (floor (+ (- doe (floor doe 1460)) (floor doe 36524) (- (floor doe 146096))) 365))
         (doy (- doe (+ (* 365 yoe) (floor yoe 4) (- (floor yoe 100)))))
         (mp (floor (+ (* 5 doy) 2) 153))
         (d (+ (- doy (floor (+ (* 153 mp) 2) 5)) 1))
         (m (if (< mp 10) (+ mp 3) (- mp 9))))
    (values (+ yoe (* era 400) (if (<= m 2) 1 0)) m d)))

(defun %zone-seconds (time-zone)
  (unless (and (rationalp time-zone) (<= -24 time-zone 24))
    (error 'type-error :datum time-zone :expected-type '(rational -24 24)))
  (round (* time-zone 3600)))

(defun decode-universal-time (universal-time &optional time-zone)
  "Seconds, minute, hour, date, month, year, day of week (0 = Monday), daylight-p and zone
of UNIVERSAL-TIME. The local zone is UTC (0) with no daylight saving."
  (unless (and (integerp universal-time) (>= universal-time 0))
    (error 'type-error :datum universal-time :expected-type 'unsigned-byte))
  (let ((zone (or time-zone 0)))
    (multiple-value-bind (days secs)
        (floor (- universal-time (%zone-seconds zone)) 86400)
      (multiple-value-bind (year month date) (%civil-from-days (- days +%days-1900-to-1970+))
        (values (mod secs 60) (mod (floor secs 60) 60) (floor secs 3600)
                date month year (mod days 7) nil zone)))))

(defun get-decoded-time ()
  (decode-universal-time (get-universal-time)))

;; A two-digit year means the year within 50 years of the current one (CLHS 25.1.4.2).
(defun %full-year (year)
  (if (>= year 100)
      year
      (let* ((now (nth-value 5 (decode-universal-time (get-universal-time))))
             (y (+ year (* 100 (floor now 100)))))
        (cond ((> (- y now) 50) (- y 100))
              ((> (- now y) 50) (+ y 100))
              (t y)))))

(defun encode-universal-time (second minute hour date month year &optional time-zone)
  "Universal time of the given UTC (or TIME-ZONE, hours west of Greenwich) time."
  (unless (and (integerp second) (<= 0 second 59)) (error 'type-error :datum second :expected-type '(integer 0 59)))
  (unless (and (integerp minute) (<= 0 minute 59)) (error 'type-error :datum minute :expected-type '(integer 0 59)))
  (unless (and (integerp hour) (<= 0 hour 23)) (error 'type-error :datum hour :expected-type '(integer 0 23)))
  (unless (and (integerp date) (<= 1 date 31)) (error 'type-error :datum date :expected-type '(integer 1 31)))
  (unless (and (integerp month) (<= 1 month 12)) (error 'type-error :datum month :expected-type '(integer 1 12)))
  (unless (and (integerp year) (>= year 0)) (error 'type-error :datum year :expected-type 'unsigned-byte))
  (+ (* 86400 (+ (%days-from-civil (%full-year year) month date) +%days-1900-to-1970+))
     (* 3600 hour) (* 60 minute) second
     (%zone-seconds (or time-zone 0))))
