;;;; 81-tcp.lisp — TCP for Lisp programs: listeners, connections and SOCKET STREAMS (issue
;;;; 17) over the stack's non-blocking TCP (Builtins/CoreTcp.cs). A socket stream is one
;;;; bidirectional stream, by default bivalent (:ELEMENT-TYPE :DEFAULT): UTF-8 characters
;;;; (READ-CHAR, READ-LINE, READ, FORMAT, ...) and octets (READ-BYTE, WRITE-BYTE, and
;;;; READ-SEQUENCE/WRITE-SEQUENCE with a vector that is not a string) mix in wire order, and
;;;; an octet read after a text read gets exactly the bytes on the wire; CHARACTER or
;;;; (UNSIGNED-BYTE 8) streams refuse the other kind (docs/socket-streams.md). Design: the
;;;; engine's stream builtins never block; when a socket stream has no input buffered (or
;;;; its output buffer is full) the builtin tail-calls the Lisp functions below, which wait
;;;; for the connection letting other green threads run (%IO-WAIT: yield to a busy thread,
;;;; else wait on the platform) and then do the operation. So a read or a write blocks only
;;;; the calling thread, and output is bounded: the stack's 16 KiB send ring plus the
;;;; stream's 4 KiB buffer.

(defconstant +tcp-established+ 4)

(defun %tcp-code-error (code what)
  (case code
    (-9 (%net-error "~A: connection refused." what))
    (-10 (%net-error "~A: connection reset by the peer." what))
    (-11 (%net-error "~A: connection timed out." what))
    (-12 (%net-error "~A: the connection is closed." what))
    (-2 (%net-error "~A: not an open TCP connection." what))
    (-3 (%net-error "~A: the port is in use." what))
    (-4 (%net-error "~A: no free TCP connection (at most 32, listeners included)." what))
    (-100 (%net-error "~A: output cut: one write was longer than a socket stream buffers (256 KiB)." what))
    (t (%net-code-error code what))))

(defstruct (tcp-listener (:constructor %make-tcp-listener (handle port)) (:copier nil)
                         (:print-function (lambda (l stream d)
                                            (declare (ignore d))
                                            (format stream "#<TCP-LISTENER port ~D~A>" (tcp-listener-port l)
                                                    (if (tcp-listener-open-p l) "" " closed")))))
  handle port (open-p t))

(defun socket-stream-p (x) (and (streamp x) (%socket-stream-p x)))

(defun %deadline (timeout)
  (when timeout
    (check-type timeout (real 0))
    (+ (get-internal-real-time) (round (* timeout internal-time-units-per-second)))))

(defun %socket-element-mode (element-type what)
  "The stream mode (Builtins/CoreTcp.cs) for ELEMENT-TYPE: 0 bivalent (:DEFAULT), 1 CHARACTER, 2 octets."
  (cond ((eq element-type :default) 0)
        ((member element-type '(character base-char standard-char)) 1)
        ((equal (%byte-element-type element-type) '(unsigned-byte 8)) 2)
        (t (error "~A: element type ~S: a socket stream takes :DEFAULT (characters and octets), CHARACTER or (UNSIGNED-BYTE 8)."
                  what element-type))))

(defun %wait-step (deadline)
  "One round of waiting: NIL when DEADLINE has passed, else T after waiting a little."
  (let ((left (and deadline (- deadline (get-internal-real-time)))))
    (if (and left (<= left 0))
        nil
        (progn (%io-wait (if left (min left 50000) 50000)) t))))

;;; Listening and connecting.

(defun tcp-listen (port &key (backlog 8) address)
  "Listens on PORT (1..65535) of our address (ADDRESS, if given, must be it); returns a
TCP-LISTENER for TCP-ACCEPT. BACKLOG (1..16) bounds connections not yet accepted."
  (%check-port port "tcp-listen" 1)
  (%net-require)
  (when address
    (unless (= (%host-address address) (svref (%net-config) 0))
      (%net-error "tcp-listen: ~A is not our address (~A)." address (%ip-string (svref (%net-config) 0)))))
  (let ((h (%tcp-listen port (max 1 (min 16 backlog)))))
    (when (< h 0) (%tcp-code-error h (format nil "tcp-listen on port ~D" port)))
    (%make-tcp-listener h port)))

(defun tcp-accept (listener &key timeout telnet (element-type :default) read-timeout)
  "Waits for the next connection on LISTENER and returns a socket stream over it, or NIL
when TIMEOUT seconds pass first. Other threads run meanwhile. TELNET: filter telnet
commands from the input (the network REPL's streams). ELEMENT-TYPE: :DEFAULT (characters
and octets), CHARACTER or (UNSIGNED-BYTE 8). READ-TIMEOUT: the stream's SOCKET-TIMEOUT."
  (unless (tcp-listener-p listener) (error 'type-error :datum listener :expected-type 'tcp-listener))
  (%check-socket-timeout read-timeout)
  (let ((deadline (%deadline timeout))
        (mode (%socket-element-mode element-type "tcp-accept")))
    (loop
      (unless (tcp-listener-open-p listener) (%net-error "tcp-accept: the listener is closed."))
      (%net-poll)
      (let ((h (%tcp-accept (tcp-listener-handle listener))))
        (cond ((>= h 0)
               (let ((s (%make-socket-stream h telnet mode)))
                 (%socket-set-timeout s read-timeout)
                 (return s)))
              ((/= h -7) (%tcp-code-error h "tcp-accept"))))
      (unless (%wait-step deadline) (return nil)))))

(defun tcp-connect (host port &key (timeout 30) (element-type :default) read-timeout)
  "Opens a connection to HOST (\"10.0.0.1\", 4 octets or an integer) and PORT and returns
a socket stream over it. A NET-ERROR when it is refused, or times out after TIMEOUT seconds.
ELEMENT-TYPE: :DEFAULT (characters and octets), CHARACTER or (UNSIGNED-BYTE 8).
READ-TIMEOUT: the stream's SOCKET-TIMEOUT (NIL: waits never end)."
  (%check-port port "tcp-connect" 1)
  (%check-socket-timeout read-timeout)
  (%net-require)
  (let* ((mode (%socket-element-mode element-type "tcp-connect"))
         (ip (%host-address host))
         (what (format nil "tcp-connect to ~A port ~D" (%ip-string ip) port))
         (h (%tcp-connect ip port))
         (deadline (%deadline timeout)))
    (when (< h 0) (%tcp-code-error h what))
    (loop
      (%net-poll)
      (let ((st (%tcp-state h)))
        (when (< st 0) (%tcp-code-error st what))
        (when (>= st +tcp-established+)
          (let ((s (%make-socket-stream h nil mode)))
            (%socket-set-timeout s read-timeout)
            (return s)))
        (when (= st 0)
          (let ((why (%tcp-probe h)))
            (%tcp-close h)
            (%tcp-code-error (if (< why 0) why -9) what))))
      (unless (%wait-step deadline)
        (%tcp-abort h)
        (%tcp-code-error -11 what)))))

(defun socket-peer (stream)
  "The peer of a socket stream: (values address-string port)."
  (multiple-value-bind (ip port) (%tcp-remote (%socket-handle stream))
    (if (< ip 0) (values nil nil) (values (%ip-string ip) port))))

(defun socket-no-delay (stream &optional (on t))
  "Turns Nagle's coalescing of small segments off (ON true) or back on (ON NIL) for a socket
stream. It is on by default: a short write waits while an earlier short segment is
unacknowledged, so many small writes make few segments. Off, every FINISH-OUTPUT leaves at
once (interactive echo). Returns ON."
  (let ((r (%tcp-set-no-delay (%socket-handle stream) on)))
    (when (< r 0) (%tcp-code-error r "socket-no-delay"))
    (and on t)))

(defun socket-local-port (stream) (%tcp-local-port (%socket-handle stream)))

(defun socket-timeout (stream)
  "Seconds a read or write on the socket stream waits for the peer before it signals a
NET-ERROR (the stream stays usable: nothing was consumed), or NIL: it waits as long as it takes."
  (%socket-timeout stream))

(defun %check-socket-timeout (seconds)
  (unless (or (null seconds) (and (realp seconds) (> seconds 0)))
    (error 'type-error :datum seconds :expected-type '(or null (real (0))))))

(defun (setf socket-timeout) (seconds stream)
  (%check-socket-timeout seconds)
  (%socket-set-timeout stream seconds))

(defun %socket-deadline (s)
  (let ((timeout (%socket-timeout s))) (and timeout (%deadline timeout))))

(defun %socket-timed-out (s what)
  (%net-error "~A: nothing from the peer within ~A s (socket-timeout)." what (%socket-timeout s)))

(defun tcp-close (x &key abort)
  "Closes a socket stream (its output is sent first, then FIN; ABORT: RST at once) or a listener."
  (cond ((tcp-listener-p x)
         (when (tcp-listener-open-p x)
           (setf (tcp-listener-open-p x) nil)
           (%tcp-close (tcp-listener-handle x)))
         t)
        (t (close x :abort abort))))

(defun tcp-abort (x) (tcp-close x :abort t))

(defun socket-shutdown (stream &key (direction :output))
  "Half-closes a socket stream: sends what it buffered, then FIN, so the peer reads the end
of its input, while this stream goes on reading until the peer ends (a request, then its
whole answer). Writing afterwards is a NET-ERROR; CLOSE it as usual. Only DIRECTION :OUTPUT."
  (unless (socket-stream-p stream) (error 'type-error :datum stream :expected-type 'socket-stream))
  (unless (eq direction :output)
    (error "socket-shutdown: direction ~S: only :OUTPUT (stop reading by closing the stream)." direction))
  (%socket-drain stream nil t)
  (let ((r (%tcp-close (%socket-handle stream))))
    (when (< r 0) (%tcp-code-error r "socket-shutdown")))
  t)

;;; The socket-stream side of the stream builtins (CoreStreams.cs tail-calls these).

(defun %socket-await-input (s &optional deadline)
  "Waits until S has input buffered or its input has ended; NIL if DEADLINE passed first."
  (loop
    (%net-poll)
    (%socket-fill s)
    (unless (zerop (%socket-available s)) (return t))
    (unless (%wait-step deadline) (return nil))))

(defun %socket-await (s octets)
  "Waits until S has a character (OCTETS: a byte) to take or its input has ended; a
NET-ERROR when its SOCKET-TIMEOUT passes first."
  (let ((deadline (%socket-deadline s)))
    (loop
      (%net-poll)
      (%socket-fill s)
      (unless (zerop (if octets (%socket-octets-available s) (%socket-available s))) (return t))
      (unless (%wait-step deadline) (%socket-timed-out s "read")))))

(defun %socket-retry (name stream &rest args)
  (%socket-await stream nil)
  (apply name args))

(defun %socket-end-error (s)
  (let ((e (%socket-error s)))
    (when (< e 0) (%tcp-code-error e "read"))))

(defun %socket-line (s chunks)
  (let ((line (cond ((null chunks) "") ((null (cdr chunks)) (car chunks)) (t (%join-strings chunks)))))
    (let ((n (length line)))
      (if (and (> n 0) (char= (char line (1- n)) #\Return))
          (subseq line 0 (1- n))
          line))))

(defun %socket-read-line (s eof-error-p eof-value)
  (let ((chunks nil))
    (loop
      (multiple-value-bind (chunk status) (%socket-take-line s)
        (when (and chunk (or (= status 1) (> (length chunk) 0))) (push chunk chunks))
        (case status
          (1 (return (values (%socket-line s (nreverse chunks)) nil)))
          (2 (cond (chunks (return (values (%socket-line s (nreverse chunks)) t)))
                   (t (%socket-end-error s)
                      (if eof-error-p
                          (error 'end-of-file :stream s)
                          (return (values eof-value t))))))
          (t (%socket-await s nil)))))))

(defun %socket-read (s eof-error-p eof-value)
  (loop
    (let ((form (%socket-try-read s)))
      (cond ((eq form :%more)
             ;; A form longer than the buffer: the buffer doubles (up to 1M characters).
             (%socket-fill s)
             (when (<= (%socket-input-room s) 0)
               (unless (%socket-grow s)
                 (%socket-discard-input s)
                 (error "read: a form longer than a socket stream reads (1048576 characters).")))
             (%socket-await s nil))
            ((eq form :%eof)
             (%socket-end-error s)
             (if eof-error-p (error 'end-of-file :stream s) (return eof-value)))
            (t (return form))))))

(defun %socket-drain (s value all)
  (let ((deadline nil))
    (loop
      (let ((r (%socket-flush s)))
        (when (< r 0) (%tcp-code-error r "write"))
        (when (if all (zerop r) (< r 4096)) (return value)))
      (%net-poll)
      (unless deadline (setq deadline (or (%socket-deadline s) t)))
      (unless (%wait-step (if (eq deadline t) nil deadline)) (%socket-timed-out s "write")))))

(defun %socket-write-string (string s &optional unused)
  (declare (ignore unused))
  (let ((n (length string)))
    (do ((i 0 (+ i 1024))) ((>= i n))
      (%socket-put-string s string i (min n (+ i 1024)))
      (%socket-drain s nil nil))
    string))

(defun %socket-write-object (object s escape)
  (%socket-write-string (if escape (prin1-to-string object) (princ-to-string object)) s)
  object)

;;; Octets. On a bivalent stream (:DEFAULT) READ-SEQUENCE and WRITE-SEQUENCE move characters
;;; (UTF-8 on the wire) with a string and octets, integers 0..255, with any other vector or
;;; a list (WRITE-SEQUENCE also takes characters in it, as UTF-8); on a CHARACTER stream
;;; always characters, on an (UNSIGNED-BYTE 8) stream always octets (Builtins/CoreTcpOctets.cs).

(defun %socket-octets-p (s what)
  "True for a stream that moves octets; an error for a CHARACTER socket stream."
  (when (eql (%socket-mode s) 1)
    (error "~A: ~S has element type CHARACTER: no octet I/O on it." what s))
  t)

(defun %socket-read-octets (seq s start end)
  (let ((i start) (deadline nil))
    (loop
      (when (>= i end) (return i))
      (%net-poll)
      (let ((n (%socket-take-octets s seq i end)))
        (cond ((> n 0) (incf i n) (setq deadline nil))
              ((= n -1) (%socket-end-error s) (return i))
              ((= n -2) (%socket-await s t))
              (t (unless deadline (setq deadline (or (%socket-deadline s) t)))
                 (unless (%wait-step (if (eq deadline t) nil deadline))
                   (%socket-timed-out s "read-sequence"))))))))

(defun %socket-read-byte (s eof-error-p eof-value)
  (loop
    (let ((b (%socket-take-byte s)))
      (cond ((>= b 0) (return b))
            ((= b -1)
             (%socket-end-error s)
             (if eof-error-p (error 'end-of-file :stream s) (return eof-value)))
            (t (%socket-await s t))))))

(let ((previous (symbol-function 'read-byte)))
  (defun read-byte (stream &optional (eof-error-p t) eof-value)
    "The next byte of a binary STREAM; on a socket stream an octet, 0..255."
    (if (and (streamp stream) (%socket-stream-p stream))
        (progn (%socket-octets-p stream "read-byte")
               (%socket-read-byte stream eof-error-p eof-value))
        (funcall previous stream eof-error-p eof-value))))

(let ((previous (symbol-function 'write-byte)))
  (defun write-byte (byte stream)
    "Writes BYTE to a binary STREAM; on a socket stream an octet, 0..255. Returns BYTE."
    (if (and (streamp stream) (%socket-stream-p stream))
        (progn (%socket-octets-p stream "write-byte")
               (%socket-write-byte byte stream))
        (funcall previous byte stream))))

(let ((previous (symbol-function 'stream-element-type)))
  (defun stream-element-type (stream)
    (if (and (streamp stream) (%socket-stream-p stream))
        (case (%socket-mode stream)
          (0 '(or character (unsigned-byte 8)))
          (1 'character)
          (t '(unsigned-byte 8)))
        (funcall previous stream))))

(defun %check-sequence-bounds (sequence start end)
  (let ((end (or end (length sequence))))
    (unless (and (integerp start) (integerp end) (<= 0 start end (length sequence)))
      (error 'type-error :datum (list start end) :expected-type `(integer 0 ,(length sequence))))
    end))

(let ((previous (symbol-function 'read-sequence)))
  (defun read-sequence (sequence stream &key (start 0) end)
    "Fills SEQUENCE[start,end) from STREAM; the index after the last element stored. On a
socket stream a string takes characters, any other vector or a list octets (0..255)."
    (if (and (streamp stream) (%socket-stream-p stream)
             (case (%socket-mode stream) (0 (not (stringp sequence))) (1 nil) (t t)))
        (let ((end (%check-sequence-bounds sequence start end)))
          (if (listp sequence)
              (let* ((v (make-array (- end start)))
                     (k (%socket-read-octets v stream 0 (- end start))))
                (loop for tail on (nthcdr start sequence) for j below k
                      do (setf (car tail) (aref v j)))
                (+ start k))
              (%socket-read-octets sequence stream start end)))
        (funcall previous sequence stream :start start :end end))))

(let ((previous (symbol-function 'write-sequence)))
  (defun write-sequence (sequence stream &key (start 0) end)
    "Writes SEQUENCE[start,end) to STREAM; returns SEQUENCE. On a socket stream the elements
of a vector or list that is not a string are octets (0..255) or characters."
    (cond ((not (and (streamp stream) (%socket-stream-p stream)))
           (funcall previous sequence stream :start start :end end))
          ((eql (%socket-mode stream) 1)
           (funcall previous sequence stream :start start :end end))
          ((stringp sequence)
           (when (eql (%socket-mode stream) 2)
             (error "write-sequence: ~S has element type (UNSIGNED-BYTE 8): no character I/O on it." stream))
           (let ((end (%check-sequence-bounds sequence start end)))
             (write-string (if (and (= start 0) (= end (length sequence))) sequence (subseq sequence start end))
                           stream)
             sequence))
          (t
           (let* ((v (if (listp sequence) (coerce sequence 'vector) sequence))
                  (end (%check-sequence-bounds v start end)))
             (do ((i start (+ i 1024))) ((>= i end))
               (%socket-put-octets stream v i (min end (+ i 1024)))
               (%socket-drain stream nil nil))
             sequence)))))

(let ((engine-close (symbol-function 'close)))
  (defun close (stream &key abort)
    (if (and (streamp stream) (%socket-stream-p stream))
        (let ((h (%socket-handle stream)))
          (if abort
              (%tcp-abort h)
              (progn (ignore-errors (%socket-drain stream nil t))
                     (%tcp-close h)))
          (%net-poll)
          (funcall engine-close stream)
          t)
        (funcall engine-close stream :abort abort))))

(defun %input-designator (x)
  (cond ((null x) *standard-input*) ((eq x t) *terminal-io*) (t x)))

(defun %socket-ready (s)
  "After taking what arrived without waiting: the characters (on an (UNSIGNED-BYTE 8)
stream, bytes) S can give now, -1 at the end of input."
  (%net-poll)
  (%socket-fill s)
  (if (eql (%socket-mode s) 2) (%socket-octets-available s) (%socket-available s)))

(let ((previous (symbol-function 'read-char-no-hang)))
  (defun read-char-no-hang (&optional input-stream (eof-error-p t) eof-value recursive-p)
    "The next character of INPUT-STREAM if one is there now, else NIL (a socket stream
does not wait); at the end of input as READ-CHAR."
    (let ((s (%input-designator input-stream)))
      (if (and (streamp s) (%socket-stream-p s))
          (if (zerop (%socket-ready s)) nil (read-char s eof-error-p eof-value recursive-p))
          (funcall previous input-stream eof-error-p eof-value recursive-p)))))

(let ((previous (symbol-function 'clear-input)))
  (defun clear-input (&optional input-stream)
    "Discards the input that has arrived (on a socket stream: what the stack holds now, at
most its 16 KiB ring; later input is kept)."
    (let ((s (%input-designator input-stream)))
      (if (and (streamp s) (%socket-stream-p s))
          (progn (%net-poll)
                 (dotimes (i 16)
                   (%socket-discard-input s)
                   (when (<= (%socket-fill s) 0) (return)))
                 (%socket-discard-input s)
                 nil)
          (funcall previous input-stream)))))

(let ((previous (and (fboundp 'listen) (symbol-function 'listen))))
  (defun listen (&optional stream)
    "True when a character (on an (UNSIGNED-BYTE 8) socket stream, a byte) can be read
from STREAM without waiting; false at the end of input."
    (let ((s (%input-designator stream)))
      (cond ((and (streamp s) (%socket-stream-p s))
             (> (%socket-ready s) 0))
            (previous (funcall previous stream))
            ((eql (%stream-kind s) 3) (%console-input-ready-p))
            (t (not (eq (peek-char nil s nil :%eof) :%eof)))))))

(export '(tcp-listen tcp-accept tcp-connect tcp-close tcp-abort tcp-listener tcp-listener-p
          tcp-listener-port socket-stream-p socket-peer socket-local-port socket-no-delay
          socket-timeout socket-shutdown listen))
