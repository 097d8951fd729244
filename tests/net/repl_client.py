#!/usr/bin/env python3
# Why: the client side of the network REPL's end-to-end checks (issue 17), the same from the
# Linux-mode test (tests/Image.Tests/LinuxNetReplTests.cs, inside a network namespace) and
# from the lab's Dom0 against a Xen guest. python3 only, no extra modules.
#
#   repl_client.py HOST PORT --token T --eval FORM   one form: prints what the REPL answered
#   repl_client.py HOST PORT --token T --check        every check below; "ok: ..." lines,
#                                                     exit status 0 when all passed
# The token may also come from --token-file PATH or the environment (LISPVM_REPL_TOKEN).
# Checks: (+ 1 2) answers 3; a form printing 1 MiB arrives intact (SHA-256 of the expected
# text); a 10 MiB line uploaded into a Lisp string (READ-LINE inside the form) has the right
# length and checksum; two concurrent sessions never see each other's output; no token and a
# wrong token are refused; IAC IP interrupts (loop) and the session goes on; session B
# answers (+ 1 2) within 10 s while session A runs (loop).
# Buffers are bytearrays grown in place: in the lab's Dom0 (a PV guest under QEMU TCG) a
# client that rebuilt a 1 MiB `bytes` object per recv() saw 16-byte runs of zeros (and stale
# bytes) in it, 2 runs of 2, while tcpdump showed the right bytes on the wire and the same
# stream read into a bytearray was intact 3 runs of 3 (2026-12-07): a fault of the emulated
# Dom0's memory under that load, not of the stream.
import argparse
import hashlib
import os
import random
import socket
import sys
import time

IAC, IP, DO, WONT, TM = 255, 244, 253, 252, 6


class Session:
    def __init__(self, host, port, token, timeout=30):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.buf = bytearray()
        if token is not None:
            self.s.sendall(token.encode() + b"\n")

    def send(self, data):
        self.s.sendall(data if isinstance(data, bytes) else data.encode())

    def read_until(self, pred, timeout=60):
        end = time.time() + timeout
        while not pred(self.buf):
            left = end - time.time()
            if left <= 0:
                raise TimeoutError("no answer; so far: %r" % self.buf[-300:])
            self.s.settimeout(left)
            d = self.s.recv(65536)
            if not d:
                raise EOFError("closed; so far: %r" % self.buf[-300:])
            self.buf += d

    def prompt(self, timeout=60):
        """Reads to the next prompt; returns what came before it."""
        self.read_until(lambda b: b == b"* " or b.endswith(b"\n* "), timeout)
        out = bytes(self.buf[:-2])
        self.buf = bytearray()
        return out

    def eval(self, form, timeout=60):
        self.send(form + "\n")
        return self.prompt(timeout)

    def read_all(self, timeout=30):
        """Everything until the REPL closes the connection."""
        end = time.time() + timeout
        while True:
            self.s.settimeout(max(0.1, end - time.time()))
            d = self.s.recv(65536)
            if not d:
                out, self.buf = bytes(self.buf), bytearray()
                return out
            self.buf += d

    def close(self):
        self.s.close()


def first_difference(got, want):
    """Where GOT first differs from WANT, with a little context of both (for a failure)."""
    n = min(len(got), len(want))
    i = next((k for k in range(n) if got[k] != want[k]), n)
    if i == n and len(got) == len(want):
        return ""
    ndiff = sum(1 for k in range(n) if got[k] != want[k])
    return "; first difference at byte %d (%d bytes differ): got %r, want %r" % (
        i, ndiff, got[max(0, i - 16):i + 48], want[max(0, i - 16):i + 48])


def check(name, cond, detail=""):
    if not cond:
        print("FAIL: %s %s" % (name, detail))
        sys.exit(1)
    print("ok: " + name)


def run_checks(host, port, token, skip=()):
    # (+ 1 2)
    a = Session(host, port, token)
    a.prompt()
    r = a.eval("(+ 1 2)")
    check("(+ 1 2) answers 3", r == b"3\n", repr(r))

    # 1 MiB printed: 16384 lines of 64 bytes.
    if "1mib" in skip:
        print("skipped: 1 MiB printed arrives intact")
    else:
        form = ("(dotimes (i 16384) (format t \"~8,'0D ~A~%\" i "
                "(make-string 54 :initial-element (code-char (+ 97 (mod i 26))))))")
        t0 = time.time()
        r = a.eval(form, timeout=300)
        dt = time.time() - t0
        want = b"".join(b"%08d %s\n" % (i, bytes([97 + i % 26]) * 54) for i in range(16384)) + b"NIL\n"
        check("1 MiB printed arrives intact (sha256 %s, %.1f s)" % (hashlib.sha256(r).hexdigest()[:16], dt),
              r == want, "got %d bytes%s" % (len(r), first_difference(r, want)))

    # 10 MiB uploaded into a Lisp string.
    rnd = random.Random(17)
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ()\"';.,"
    n = 10 * 1024 * 1024
    line = bytes(rnd.choice(alphabet) for _ in range(65536)) * (n // 65536)
    h = 0
    for c in line:
        h = (h * 31 + c) % 1000000007
    a.send("(let* ((l (read-line)) (h 0)) (dotimes (i (length l)) "
           "(setq h (mod (+ (* h 31) (char-code (char l i))) 1000000007))) (list (length l) h))\n")
    t0 = time.time()
    a.s.settimeout(600)   # sendall's timeout bounds the whole 10 MiB (0.25 MB/s under TCG: 40 s)
    a.send(line + b"\n")
    r = a.prompt(timeout=600)
    dt = time.time() - t0
    check("10 MiB upload has the right length and checksum (%.1f s, %.2f MB/s)" % (dt, n / dt / 1e6),
          r == b"(%d %d)\n" % (n, h), repr(r[:200]))

    # Two concurrent sessions: each prints its own lines only.
    b = Session(host, port, token)
    b.prompt()
    a.send("(dotimes (i 3000) (format t \"session-a ~D~%\" i))\n")
    b.send("(dotimes (i 3000) (format t \"session-b ~D~%\" i))\n")
    ra, rb = a.prompt(120), b.prompt(120)
    la, lb = ra.split(b"\n"), rb.split(b"\n")
    check("two concurrent sessions never see each other's output",
          la[:3000] == [b"session-a %d" % i for i in range(3000)] and
          lb[:3000] == [b"session-b %d" % i for i in range(3000)] and
          b"session-b" not in ra and b"session-a" not in rb)

    # (loop) in A; B answers within 10 s; IAC IP ends A's loop and A goes on.
    a.send("(loop)\n")
    time.sleep(1)
    t0 = time.time()
    r = b.eval("(+ 1 2)", timeout=10)
    check("session B answers (+ 1 2) in %.2f s while A runs (loop)" % (time.time() - t0), r == b"3\n", repr(r))
    a.send(bytes([IAC, IP, IAC, DO, TM]))         # what telnet sends for Ctrl-C
    r = a.prompt(10)
    check("IAC IP interrupts (loop)", b";; Error: Interrupted." in r, repr(r))
    check("IAC DO TIMING-MARK is answered IAC WONT TIMING-MARK", bytes([IAC, WONT, TM]) in r, repr(r))
    r = a.eval("(+ 40 2)")
    check("the interrupted session goes on", r == b"42\n", repr(r))
    a.send("(quit)\n")
    check("(quit) ends session A only", a.read_all() == b"")
    r = b.eval("(* 6 7)")
    check("session B still answers", r == b"42\n", repr(r))
    b.close()

    # No token, a wrong token (a REPL started with repl-insecure has none to check).
    if token is not None:
        c = Session(host, port, None)
        c.send("(+ 1 2)\n")
        r = c.read_all()
        check("a session without the token is refused", r == b";; Refused: wrong token.\n", repr(r))
        c = Session(host, port, token + "x")
        r = c.read_all()
        check("a wrong token is refused", r == b";; Refused: wrong token.\n", repr(r))
    print("all checks passed")


def main():
    ap = argparse.ArgumentParser(description="LispVm network REPL client")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--token")
    ap.add_argument("--token-file")
    ap.add_argument("--eval", dest="form")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--skip", action="append", default=[], choices=["1mib"],
                    help="leave a check out of --check (1mib: see XenNetReplTests)")
    args = ap.parse_args()
    token = args.token
    if args.token_file:
        with open(args.token_file) as f:
            token = f.readline().rstrip("\r\n")
    if token is None:
        token = os.environ.get("LISPVM_REPL_TOKEN")
    if args.check:
        run_checks(args.host, args.port, token, args.skip)
    elif args.form:
        s = Session(args.host, args.port, token)
        s.prompt()
        sys.stdout.write(s.eval(args.form).decode("utf-8", "replace"))
        s.close()
    else:
        ap.error("give --eval FORM or --check")


if __name__ == "__main__":
    main()
