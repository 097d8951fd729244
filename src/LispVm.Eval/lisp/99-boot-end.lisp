;;;; 99-boot-end.lisp — loaded last. Why: the debugger's backtrace shows only the user's
;;;; frames; a frame is the library's when its function name was defined by the boot files.

(setq *%library-functions*
      (let ((table (make-hash-table :test 'eq)))
        (do-symbols (s (find-package "COMMON-LISP") table)
          (when (fboundp s) (setf (gethash s table) t)))))
