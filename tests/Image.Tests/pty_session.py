#!/usr/bin/env python3
# Why: the line editor must be tried on a real terminal: this runs a program on a fresh
# pty (its stdin, stdout and stderr) and plays a script of steps, then prints one JSON
# object: the raw output, whether the terminal was raw at chosen points, and how the
# program ended (exit status, 128 + N for signal N). Steps (JSON list): ["send", text] (bytes, written at once), ["paste", text,
# seconds] (Latin-1 bytes written in pieces while the output is read), ["sendsplit",
# text] (one write per byte, 20 ms apart), ["wait", regex, seconds] (on the output, default 10 s),
# ["resize", cols] (TIOCSWINSZ on the pty, then SIGWINCH), ["signal", name], ["modes",
# label] (records "raw" or "cooked"), ["sleep", seconds], ["state", label] (records the
# process state letter from /proc). Usage: pty_session.py STEPS_JSON PROGRAM [ARGS...]
import fcntl, json, os, re, select, signal, struct, sys, termios, time

# The steps may come from a file ("@PATH"): a large paste does not fit a command line.
steps = json.loads(open(sys.argv[1][1:]).read() if sys.argv[1].startswith("@") else sys.argv[1])
master, slave = os.openpty()
before = termios.tcgetattr(slave)

# As under a shell with job control: a session leader owns the pty and stays the parent of
# the program, which runs in its own foreground process group (so SIGTSTP really stops it:
# an orphaned group would ignore it). The leader mirrors the program's exit.
class Proc:
    def __init__(self, argv):
        r, w = os.pipe()
        self.leader = os.fork()
        if self.leader == 0:
            os.close(r)
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            pid = os.fork()
            if pid == 0:
                os.setpgid(0, 0)
                # Take the foreground here too, before exec: if the program set raw mode while
                # still in the background (the leader's tcsetpgrp below races with exec), it
                # would be stopped by SIGTTOU and never print (seen once in CI).
                signal.signal(signal.SIGTTOU, signal.SIG_IGN)
                os.tcsetpgrp(slave, os.getpid())
                signal.signal(signal.SIGTTOU, signal.SIG_DFL)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                os.execv(argv[0], argv)
            os.setpgid(pid, pid)
            signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            os.tcsetpgrp(slave, pid)
            os.write(w, str(pid).encode())
            os.close(w)
            _, status = os.waitpid(pid, 0)
            if os.WIFSIGNALED(status):
                os._exit(128 + os.WTERMSIG(status))
            os._exit(os.WEXITSTATUS(status))
        os.close(w)
        self.pid = int(os.read(r, 32))
        os.close(r)
        self.returncode = None

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.leader, os.WNOHANG)
            if pid != 0:
                self.returncode = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
        return self.returncode

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)

    def wait(self):
        while self.poll() is None:
            time.sleep(0.02)

proc = Proc(sys.argv[2:])
out = bytearray()
record = {}
failed = None

def pump(timeout):
    r, _, _ = select.select([master], [], [], timeout)
    if r:
        try:
            data = os.read(master, 65536)
        except OSError:
            return False
        out.extend(data)
        return True
    return False

def mode():
    lflag = termios.tcgetattr(slave)[3]
    return "cooked" if lflag & termios.ICANON else "raw"

for step in steps:
    kind, arg = step[0], step[1]
    if kind == "send":
        os.write(master, arg.encode("utf-8"))
    elif kind == "paste":
        # Text whose characters are bytes (Latin-1), written in pieces while the output is
        # read: a large paste would otherwise fill both directions of the pty and stall.
        data, sent = arg.encode("latin-1"), 0
        deadline = time.time() + (step[2] if len(step) > 2 else 10)
        while sent < len(data) and time.time() < deadline:
            r, w, _ = select.select([master], [master], [], 0.05)
            if r:
                pump(0)
            if w:
                sent += os.write(master, data[sent:sent + 1024])
        if sent < len(data):
            failed = "paste: %d of %d bytes written" % (sent, len(data))
            break
    elif kind == "sendsplit":
        for b in arg.encode("utf-8"):
            os.write(master, bytes([b]))
            time.sleep(0.02)
    elif kind == "wait":
        deadline = time.time() + (step[2] if len(step) > 2 else 10)
        start = len(out)
        while not re.search(arg.encode("utf-8"), bytes(out)) and time.time() < deadline:
            pump(0.05)
        if not re.search(arg.encode("utf-8"), bytes(out)):
            failed = "timed out waiting for " + arg
            break
    elif kind == "resize":
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, arg, 0, 0))
        proc.send_signal(signal.SIGWINCH)
    elif kind == "signal":
        proc.send_signal(getattr(signal, "SIG" + arg))
    elif kind == "modes":
        time.sleep(0.2)
        record[arg] = mode()
    elif kind == "state":
        time.sleep(0.3)
        try:
            with open(f"/proc/{proc.pid}/stat") as f:
                record[arg] = f.read().split(") ")[1][0]
        except OSError:
            record[arg] = "gone"
    elif kind == "sleep":
        end = time.time() + arg
        while time.time() < end:
            pump(0.05)

try:
    deadline = time.time() + 10
    while proc.poll() is None and time.time() < deadline:
        pump(0.05)
    if proc.poll() is None:
        proc.kill()
        failed = failed or "did not end"
    proc.wait()
    while pump(0.05):
        pass
finally:
    after = termios.tcgetattr(slave)
print(json.dumps({
    "output": out.decode("utf-8", "replace"),
    "exit": proc.returncode,
    "restored": after == before,
    "record": record,
    "failed": failed,
}))
