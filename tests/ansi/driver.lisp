;;;; driver.lisp — one chapter of the ANSI test suite in this process, through the suite's
;;;; own harness: gclload1.lsp (logical pathnames, compile-and-load of rt.lsp, the
;;;; CL-TEST package, universe and auxiliaries), then CHAPTER/load.lsp, then each test
;;;; through rt's DO-TEST, as doit.lsp does for all chapters. run.sh feeds this file to
;;;; the REPL on stdin (not LOAD, whose CONTINUE restart tests could see) and defines
;;;; cl-user::*ansi-suite*, *ansi-chapter* and *ansi-start* (index of the first test to
;;;; run: after a crash run.sh starts a new process at the test after the one that died).
;;;; Output for run.sh: ";ANSI-BEGIN i name", ";ANSI-END i PASS|FAIL|TIMEOUT name",
;;;; ";ANSI-DEFINED n" and ";ANSI-DONE". Errors while loading skip the form (CONTINUE).

(in-package "COMMON-LISP-USER")

;; LOAD's CONTINUE ("Skip this form ..."), not the innermost CONTINUE: the system's own
;; restarts (retry an unbound variable or undefined function) are CONTINUE too, and
;; retrying would signal again forever. Printed with PRINC a restart shows its report.
(defun ansi-load-restart (c)
  (or (find-if (lambda (r)
                 (and (eq (restart-name r) 'continue)
                      (search "Skip" (handler-case (princ-to-string r) (error () "")))))
               (compute-restarts c))
      (find-restart 'continue c)))

(defun ansi-skip-form (c)
  (let ((r (ansi-load-restart c)))
    (format t "~&;ANSI-LOAD-ERROR ~A~%"
            (handler-case (remove #\Newline (princ-to-string c))
              (error () "#<error printing the condition>")))
    (when r (invoke-restart r))))

(setf *default-pathname-defaults* (pathname *ansi-suite*))

(handler-bind ((error #'ansi-skip-form))
  (load "gclload1.lsp"))

(in-package "CL-TEST")

(cl:handler-bind ((error #'cl-user::ansi-skip-form))
  (load (concatenate 'string cl-user::*ansi-chapter* "/load.lsp")))

;; As doit.lsp: these two tests misbehave when the tests are run from a file being loaded.
(when *load-pathname*
  (mapc #'regression-test:rem-test '(load-pathname.1 load-truename.1)))

(setf *default-pathname-defaults* (truename #P"sandbox/"))

(let* ((entries (cdr (symbol-value (find-symbol "*ENTRIES*" "REGRESSION-TEST"))))
       (name-fn (symbol-function (find-symbol "NAME" "REGRESSION-TEST")))
       (i -1))
  (format t "~&;ANSI-DEFINED ~D~%" (length entries))
  (finish-output)
  (dolist (e entries)
    (incf i)
    (when (>= i cl-user::*ansi-start*)
      (let ((name (funcall name-fn e)))
        (format t "~&;ANSI-BEGIN ~D ~S~%" i name)
        (finish-output)
        (let ((verdict
                ;; ABORT (invoke-debugger without a debugger, or a test's own call) ends
                ;; this test only.
                (restart-case
                    (cl:handler-case (if (regression-test:do-test name) "PASS" "FAIL")
                      ;; Ctrl-C from run.sh's watchdog: the per-test time limit.
                      (interactive-interrupt () "TIMEOUT")
                      (serious-condition () "FAIL"))
                  (abort () "FAIL"))))
          (format t "~&;ANSI-END ~D ~A ~S~%" i verdict name)
          (finish-output)))))
  ;; In the same form: a test that escapes to the top level leaves this line out, and
  ;; run.sh goes on in a new process after it.
  (format t "~&;ANSI-DONE~%")
  (finish-output))

(cl-user::quit 0)
