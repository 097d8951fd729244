;;;; 80-net.lisp — UDP sockets and (net-stats) over the engine's network stack
;;;; (Builtins/CoreNet.cs, LispVm.Net). The guest has a network when it was started with
;;;; ip=ADDR/LEN; without it every call signals a NET-ERROR saying so. UDP-RECEIVE blocks
;;;; only the calling green thread: it polls the stack, lets other threads run, and else
;;;; waits on the platform for an event (a frame, console input) or its deadline.

(define-condition net-error (simple-error) ())

(defun %net-error (control &rest args)
  (error 'net-error :format-control control :format-arguments args))

(defconstant +udp-max-payload+ 1472)

(defun %net-require ()
  (unless (%net-up-p)
    (%net-error "No network: start the guest with ip=ADDR/LEN.")))

(defstruct (udp-socket (:constructor %make-udp-socket (number port)) (:copier nil)
                       (:print-function (lambda (s stream d)
                                          (declare (ignore d))
                                          (format stream "#<UDP-SOCKET port ~D~A>" (udp-socket-port s)
                                                  (if (udp-socket-open-p s) "" " closed")))))
  number port (open-p t))

(defun %net-code-error (code what)
  (case code
    (-1 (%net-require) (%net-error "No network."))
    (-2 (%net-error "~A: not an open UDP socket." what))
    (-3 (%net-error "~A: the port is in use." what))
    (-4 (%net-error "~A: no free UDP socket (at most 16 are open at once)." what))
    (-5 (%net-error "~A: the data is longer than one datagram holds (~D bytes)." what +udp-max-payload+))
    (-6 (%net-error "~A: no route (the address is off the subnet and there is no gw=)." what))
    (-8 (%net-error "~A: bad port." what))
    (t (%net-error "~A: network error ~D." what code))))

;;; Addresses: "10.0.0.1", #(10 0 0 1) or the 32-bit integer; the engine takes the integer.

(defun %parse-dotted-quad (s)
  (let ((parts nil) (start 0) (n (length s)))
    (loop
      (let* ((dot (position #\. s :start start)) (end (or dot n)))
        (when (or (= end start) (> (- end start) 3)) (return-from %parse-dotted-quad nil))
        (let ((v 0))
          (do ((i start (1+ i))) ((= i end))
            (let ((d (digit-char-p (char s i))))
              (unless d (return-from %parse-dotted-quad nil))
              (setq v (+ (* v 10) d))))
          (when (> v 255) (return-from %parse-dotted-quad nil))
          (push v parts))
        (if dot (setq start (1+ dot)) (return))))
    (and (= (length parts) 4)
         (reduce (lambda (acc b) (+ (* acc 256) b)) (nreverse parts) :initial-value 0))))

(defun %host-address (host)
  (cond ((and (integerp host) (<= 0 host #xFFFFFFFF)) host)
        ((stringp host)
         (or (%parse-dotted-quad host)
             (%net-error "~S is not an IPv4 address like \"10.0.0.1\"." host)))
        ((and (vectorp host) (= (length host) 4)
              (every (lambda (b) (and (integerp b) (<= 0 b 255))) host))
         (reduce (lambda (acc b) (+ (* acc 256) b)) host :initial-value 0))
        (t (%net-error "~S is not an IPv4 address (a string like \"10.0.0.1\", 4 octets or an integer)." host))))

(defun %ip-string (ip)
  (format nil "~D.~D.~D.~D" (logand (ash ip -24) 255) (logand (ash ip -16) 255)
          (logand (ash ip -8) 255) (logand ip 255)))

(defun %mac-string (mac)
  (let ((digits "0123456789abcdef") (out (make-string 17 :initial-element #\:)))
    (dotimes (i 6 out)
      (let ((b (aref mac i)))
        (setf (char out (* 3 i)) (char digits (ash b -4))
              (char out (1+ (* 3 i))) (char digits (logand b 15)))))))

(defun %check-port (port what low)
  (unless (and (integerp port) (<= low port 65535))
    (%net-error "~A: port ~S is not in ~D..65535." what port low)))

(defun %check-open (socket what)
  (unless (udp-socket-p socket)
    (error 'type-error :datum socket :expected-type 'udp-socket))
  (unless (udp-socket-open-p socket)
    (%net-error "~A: the UDP socket on port ~D is closed." what (udp-socket-port socket))))

;;; The API.

(defun udp-open (&optional (port 0))
  "Opens a UDP socket on PORT (0: a free ephemeral port) and returns it."
  (%check-port port "udp-open" 0)
  (%net-require)
  (let ((n (%udp-open port)))
    (when (< n 0) (%net-code-error n (format nil "udp-open on port ~D" port)))
    (%make-udp-socket n (%udp-local-port n))))

(defun udp-close (socket)
  "Closes SOCKET; T, or NIL when it was closed already."
  (unless (udp-socket-p socket)
    (error 'type-error :datum socket :expected-type 'udp-socket))
  (when (udp-socket-open-p socket)
    (setf (udp-socket-open-p socket) nil)
    (%udp-close (udp-socket-number socket))
    t))

(defun udp-send (socket host port data)
  "Sends DATA (a string, as UTF-8, or a vector of octets) to HOST:PORT; the byte count."
  (%check-open socket "udp-send")
  (%check-port port "udp-send" 1)
  (let ((ip (%host-address host)))
    (unless (or (stringp data) (vectorp data))
      (error 'type-error :datum data :expected-type '(or string (vector (unsigned-byte 8)))))
    (when (and (not (stringp data)) (> (length data) +udp-max-payload+))
      (%net-error "udp-send: ~D bytes is more than one datagram holds (~D)." (length data) +udp-max-payload+))
    (let ((r (%udp-send (udp-socket-number socket) ip port data)))
      (when (< r 0) (%net-code-error r "udp-send"))
      (%net-poll)
      r)))

(defun udp-receive (socket &key timeout)
  "Waits for the next datagram on SOCKET: (values octets host-string port), or NIL when
TIMEOUT seconds pass first (no TIMEOUT: wait as long as it takes). Other threads run
meanwhile; Ctrl-C interrupts the wait."
  (%check-open socket "udp-receive")
  (when timeout (check-type timeout (real 0)))
  (let ((end (and timeout (+ (get-internal-real-time)
                             (round (* timeout internal-time-units-per-second))))))
    (loop
      (%check-open socket "udp-receive")
      (%net-poll)
      (multiple-value-bind (data ip port) (%udp-receive (udp-socket-number socket))
        (unless (integerp data) (return (values data (%ip-string ip) port)))
        (unless (= data -7) (%net-code-error data "udp-receive")))
      (let ((left (and end (- end (get-internal-real-time)))))
        (when (and left (<= left 0)) (return nil))
        (if (%threads-other-runnable-p)
            (thread-yield)
            (%platform-wait (if left (min left 1000000) 1000000)))))))

(defun net-stats ()
  "Prints the network's address, traffic, drops by reason and ARP cache; returns them as a
plist (NIL without a network)."
  (let ((cfg (%net-config)))
    (unless cfg
      (format t "No network: the guest was started without ip=.~%")
      (return-from net-stats nil))
    (let* ((c (%net-counters))
           (addr (format nil "~A/~D" (%ip-string (svref cfg 0)) (svref cfg 1)))
           (gw (if (zerop (svref cfg 2)) nil (%ip-string (svref cfg 2))))
           (mac (%mac-string (svref cfg 4)))
           (drops nil) (arp nil) (device nil))
      (do ((i (- (length c) 1) (1- i))) ((< i 12))
        (unless (zerop (svref c i))
          (push (cons (intern (string-upcase (%net-drop-name (- i 12))) :keyword) (svref c i)) drops)))
      (dolist (e (%net-arp))
        (push (list (%ip-string (svref e 0)) (%mac-string (svref e 1)) (svref e 2)) arp))
      (setq arp (nreverse arp))
      (let ((dc (%net-device-counters)))
        (when dc
          (setq device (cons (car dc)
                             (mapcar (lambda (p) (cons (intern (string-upcase (car p)) :keyword) (cdr p)))
                                     (cdr dc))))))
      (format t "Network: ~A gw ~A mac ~A~@[, udp echo on port ~D~]~%" addr (or gw "none") mac
              (if (zerop (svref cfg 3)) nil (svref cfg 3)))
      (format t "  in:  ~D packets, ~D bytes (arp ~D requests ~D replies, icmp echo ~D, udp ~D)~%"
              (svref c 0) (svref c 1) (svref c 4) (svref c 5) (svref c 8) (svref c 10))
      (format t "  out: ~D packets, ~D bytes (arp ~D requests ~D replies, icmp echo ~D, udp ~D)~%"
              (svref c 2) (svref c 3) (svref c 6) (svref c 7) (svref c 9) (svref c 11))
      (if drops
          (dolist (d drops) (format t "  dropped ~(~A~): ~D~%" (car d) (cdr d)))
          (format t "  dropped: none~%"))
      (if arp
          (dolist (e arp) (format t "  arp ~A is ~A (~D ms ago)~%" (first e) (second e) (third e)))
          (format t "  arp cache: empty~%"))
      (when device
        (let ((shown (remove 0 (cdr device) :key #'cdr)) (lead t))
          (format t "  device ~A:" (car device))
          (dolist (p shown)
            (unless lead (write-char #\,))
            (format t " ~(~A~) ~D" (car p) (cdr p))
            (setq lead nil))
          (when lead (format t " all counters 0"))
          (terpri)))
      (list :address addr :gateway gw :mac mac
            :rx-packets (svref c 0) :rx-bytes (svref c 1)
            :tx-packets (svref c 2) :tx-bytes (svref c 3)
            :arp-requests-in (svref c 4) :arp-replies-in (svref c 5)
            :arp-requests-out (svref c 6) :arp-replies-out (svref c 7)
            :icmp-echo-in (svref c 8) :icmp-echo-out (svref c 9)
            :udp-in (svref c 10) :udp-out (svref c 11)
            :drops drops :arp arp :device device))))

(export '(udp-open udp-close udp-send udp-receive net-stats net-error
          udp-socket udp-socket-p udp-socket-port udp-socket-open-p))
