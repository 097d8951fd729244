#!/usr/bin/env python3
"""Why: issue 19's memory goal (the image's peak RSS within CLISP's + 4 MiB on every benchmark)
needs the two peaks side by side on the same work. Each bench/programs benchmark runs once in the
image (artifacts/lispvm.elf as a Linux process, the file on stdin) and once in CLISP (after
compile-file), with the same iteration count, under /usr/bin/time -f %M (peak RSS = VmHWM);
also idle ((+ 1 2) only) and the image's collection counts. Usage:
  bench/memory.py [--image ELF] [--base ELF] [--iters N] [--only a,b] [--md]
--base adds an earlier image as a column (before/after); --md prints a markdown table."""
import argparse, os, re, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench

def peak(cmd, stdin_path, cwd):
    tf = os.path.join(cwd, "time.out")
    with open(stdin_path) if stdin_path else open(os.devnull) as inp:
        p = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%M"] + cmd, stdin=inp, cwd=cwd,
                           capture_output=True, text=True, errors="replace", timeout=600)
    out = p.stdout + p.stderr
    kb = int(open(tf).read().strip().splitlines()[-1])
    return kb, out

GCSTAT = '(format t "~&GCSTAT ~d ~d~%" (- (aref s1 9) (aref s0 9)) (aref s1 10))'
GCCOUNT = ('(format t "~&GCSTAT ~d ~d~%GCCOUNT ~d ~d~%" (- (aref s1 9) (aref s0 9)) (aref s1 10) '
           '(- (aref s1 7) (aref s0 7)) (- (aref s1 8) (aref s0 8)))')

def image_file(b, n):
    """bench.py's file for the image, also printing the loop's minor and full collections."""
    f = bench.make_file("image", b, n)
    s = open(f).read()
    assert GCSTAT in s
    open(f, "w").write(s.replace(GCSTAT, GCCOUNT))
    return f

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", default=bench.IMAGE)
    ap.add_argument("--base")
    ap.add_argument("--iters", type=int, default=0, help="iterations per program (default: ~0.3 s in the image)")
    ap.add_argument("--only")
    ap.add_argument("--md", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="lispvm-mem-")
    bench.TMP = tmp
    progs = sorted(p[:-5] for p in os.listdir(os.path.join(bench.HERE, "programs")) if p.endswith(".lisp"))
    if a.only: progs = [p for p in progs if p in a.only.split(",")]
    images = [("image", a.image)] + ([("base", a.base)] if a.base else [])
    idle = os.path.join(tmp, "idle.lisp"); open(idle, "w").write("(+ 1 2)\n")
    rows = []
    row = {"name": "idle (+ 1 2)", "n": 1}
    for label, elf in images: row[label] = peak([elf], idle, tmp)[0]
    row["clisp"] = peak(["clisp", "-q", "-norc"], idle, tmp)[0]
    rows.append(row)
    for name in progs:
        b = (name, "own", os.path.join(bench.HERE, "programs", name + ".lisp"))
        n = a.iters
        if n == 0:        # calibrate on the image: one timed loop of ~0.3 s
            f = bench.make_file("image", b, 1)
            _, out = peak([a.image], f, tmp)
            m = re.search(r"^BENCH \S+ (\d+)", out, re.M)
            us = int(m.group(1)) if m else 1000
            n = max(1, min(100000, int(300000 / max(us, 1))))
        row = {"name": name, "n": n}
        for label, elf in images:
            f = image_file(b, n)
            kb, out = peak([elf], f, tmp)
            m = re.search(r"^BENCH \S+ \d+ (.*)$", out, re.M)
            row[label] = kb if m else None
            g = re.search(r"^GCCOUNT (\d+) (\d+)", out, re.M)
            row[label + "_gc"] = f"{g.group(1)}/{g.group(2)}" if g else "-"
        f = bench.make_file("clisp", b, n)
        kb, out = peak(bench.cmd("clisp", f), None, tmp)
        row["clisp"] = kb if re.search(r"^BENCH ", out, re.M) else None
        rows.append(row)
        print(f"# {name}: " + ", ".join(f"{k}={v}" for k, v in row.items() if k != "name"), file=sys.stderr, flush=True)
    mib = lambda kb: "-" if kb is None else f"{kb / 1024:.1f}"
    cols = [l for l, _ in images]
    if a.md:
        hdr = ("| benchmark | iterations | " + " | ".join(f"{c} MiB" for c in reversed(cols)) + " | CLISP MiB | image - CLISP MiB | "
               + " | ".join(f"{c} GCs (minor/full)" for c in reversed(cols)) + " |")
        print(hdr); print("|" + "---|" * (hdr.count("|") - 1))
        for r in rows:
            d = "-" if r["image"] is None or r["clisp"] is None else f"{(r['image'] - r['clisp']) / 1024:+.1f}"
            print(f"| {r['name']} | {r['n']} | " + " | ".join(mib(r[c]) for c in reversed(cols)) + f" | {mib(r['clisp'])} | {d} | "
                  + " | ".join(r.get(c + "_gc", "-") for c in reversed(cols)) + " |")
    else:
        for r in rows:
            print(f"{r['name']:14} n={r['n']:<6} " + " ".join(f"{c}={mib(r[c])}" for c in cols) + f" clisp={mib(r['clisp'])}")

if __name__ == "__main__":
    main()
