#!/usr/bin/env python3
"""Why: issue 5's acceptance check — cl-bench's files/gabriel.lisp, unmodified, runs in
LispVm (hosted and the kernel image as a Linux process) with the run counts of cl-bench's
tests.lisp, and every entry point gives SBCL's result. Neither file is in this
repository: pass their paths (fetched in a work session).

Usage: bench/gabriel --file PATH/gabriel.lisp [--tests PATH/tests.lisp] [--scale F]
                     [--systems lispvm,image,sbcl] [--only NAME,...]
Prints one line per entry point and system: OK/WRONG/ERROR, time per run; exit 1 if any
LispVm system is wrong or fails."""
import argparse, os, re, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LISPVM = os.path.join(ROOT, "src/LispVm.Hosted/bin/Release/net10.0/lispvm")
IMAGE = os.path.join(ROOT, "artifacts/lispvm.elf")

# Entry points and run counts of tests.lisp (used when --tests is not given).
DEFAULT = [("boyer", 30), ("browse", 10), ("dderiv-run", 50), ("deriv-run", 60),
           ("run-destructive", 100), ("run-div2-test1", 200), ("run-div2-test2", 200),
           ("run-fft", 30), ("run-frpoly/fixnum", 100), ("run-frpoly/bignum", 30),
           ("run-frpoly/float", 100), ("run-puzzle", 150), ("run-tak", 300),
           ("run-ctak", 300), ("run-trtak", 300), ("run-takl", 150), ("run-stak", 200),
           ("run-traverse", 10), ("run-triangle", 5), ("fprint/ugly", 200),
           ("fprint/pretty", 100), ("fread", 200)]

def entries_from_tests(path):
    text = open(path).read()
    out = []
    for m in re.finditer(r"\(defbench\s+\S+(.*?)\n\s*\n", text + "\n\n", re.S):
        body = m.group(1)
        f = re.search(r":function\s+'cl-bench\.gabriel:(\S+?)\)?\s", body + " ")
        r = re.search(r":runs\s+(\d+)", body)
        if f and r and ":gabriel" in body:
            out.append((f.group(1).rstrip(")").lower(), int(r.group(1))))
    return out

def driver(file, entries, scale):
    lines = [f'(load "{file}")', "(in-package :cl-bench.gabriel)",
             '(format t "~&@@UNITS ~D~%" internal-time-units-per-second)']
    for name, runs in entries:
        n = max(1, int(runs * scale))
        lines.append(
            f'(handler-case (let* ((f (intern (string-upcase "{name}") :cl-bench.gabriel)) '
            f'(r (let ((*print-pretty* nil)) (prin1-to-string (funcall f)))) (t0 (get-internal-real-time))) '
            f'(dotimes (i {n}) (funcall f)) '
            f'(format t "~&@@RESULT {name} ~S~%@@TIME {name} ~D ~D~%" r (- (get-internal-real-time) t0) {n})) '
            f'(error (c) (format t "~&@@ERROR {name} ~A~%" (remove #\\Newline (princ-to-string c)))))')
    return "\n".join(lines) + "\n"

def run(system, drv, timeout):
    if system == "sbcl":
        cmd = ["sbcl", "--noinform", "--non-interactive", "--load", drv]
    elif system == "lispvm":
        cmd = [LISPVM, drv]
    else:
        cmd = [IMAGE]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, input=open(drv).read() if system == "image" else None,
                           capture_output=True, text=True, timeout=timeout, cwd=tempfile.gettempdir())
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += "\n@@TIMEOUT\n"
    return out, time.time() - t0

def parse(out, ups):
    res, tm, err = {}, {}, {}
    for line in out.splitlines():
        if line.startswith("@@UNITS "): ups = int(line.split()[1])
        if line.startswith("@@RESULT "):
            _, name, val = line.split(" ", 2); res[name] = val
        elif line.startswith("@@TIME "):
            _, name, t, n = line.split(); tm[name] = int(t) / ups / int(n)
        elif line.startswith("@@ERROR "):
            _, name, msg = (line.split(" ", 2) + [""])[:3]; err[name] = msg
    return res, tm, err

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--tests")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--systems", default="lispvm,image,sbcl")
    ap.add_argument("--only")
    ap.add_argument("--timeout", type=int, default=1200)
    a = ap.parse_args()
    if not os.path.isfile(a.file):
        sys.exit(f"bench/gabriel: no such file: {a.file}")
    entries = entries_from_tests(a.tests) if a.tests else DEFAULT
    if a.only:
        keep = set(a.only.split(",")); entries = [e for e in entries if e[0] in keep]
    systems = a.systems.split(",")
    for s, path in (("lispvm", LISPVM), ("image", IMAGE)):
        if s in systems and not os.path.exists(path):
            sys.exit(f"bench/gabriel: {path} missing (run ./test.sh or build/kernel.sh --all first)")
    fd, drv = tempfile.mkstemp(suffix=".lisp"); os.close(fd)
    open(drv, "w").write(driver(os.path.abspath(a.file), entries, a.scale))
    results = {}
    for s in systems:
        print(f"# running {len(entries)} entry points under {s} ...", flush=True)
        out, wall = run(s, drv, a.timeout)
        # Times are converted with each system's own internal-time-units-per-second.
        results[s] = parse(out, 1000000) + (wall,)
    os.unlink(drv)
    ref = "sbcl" if "sbcl" in systems else systems[0]
    bad = 0
    print(f"{'entry':22} " + " ".join(f"{s:>22}" for s in systems))
    for name, runs in entries:
        cells = []
        for s in systems:
            res, tm, err, _ = results[s]
            if name in err: cell = "ERROR"; bad += s != "sbcl"
            elif name not in res: cell = "MISSING"; bad += s != "sbcl"
            elif s != ref and results[ref][0].get(name) != res[name]: cell = "WRONG"; bad += 1
            else: cell = f"OK {tm.get(name, 0) * 1000:9.3f} ms"
            cells.append(f"{cell:>22}")
        print(f"{name:22} " + " ".join(cells))
    for s in systems:
        res, tm, err, wall = results[s]
        for name, msg in err.items(): print(f"# {s} {name}: {msg}")
        print(f"# {s}: {wall:.1f} s wall")
    print(f"gabriel: {len(entries)} entry points, {bad} wrong or failed in LispVm")
    sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
