#!/usr/bin/env python3
"""Why: a speed change needs a before/after figure from paired runs on this noisy shared
machine: the same generated file (bench.py's make_file) run by the old and the new build
alternately, N times each, medians and the new/old ratio side by side.
With --cpu the figure is the process's CPU time (user + system, from wait4) minus a
start-up run's (0 iterations): on a machine whose load average is 8x its cores the
in-process wall clock mostly measures the neighbours.
Usage: bench/pair.py [--cpu] --base-dll OLD/lispvm.dll [--base-image OLD.elf] [--cl-bench DIR]
       [--reps 5] [--iters N] [--system lispvm|image] [--with-prior] name...
--with-prior: a cl-bench entry runs after its package's earlier entries (untimed), as
bench.py does when it fails alone (clos-instantiate needs clos-defclass's classes)."""
import argparse, os, statistics, subprocess, sys, re
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-dll"); ap.add_argument("--base-image")
    ap.add_argument("--cl-bench"); ap.add_argument("--gabriel")
    ap.add_argument("--system", default="lispvm")
    ap.add_argument("--cpu", action="store_true"); ap.add_argument("--with-prior", action="store_true")
    ap.add_argument("--reps", type=int, default=5); ap.add_argument("--iters", type=int, default=1)
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    import tempfile; bench.TMP = tempfile.mkdtemp(prefix="lispvm-pair-")
    benches = [(os.path.basename(p)[:-5], "own", os.path.join(bench.HERE, "programs", p))
               for p in os.listdir(os.path.join(bench.HERE, "programs")) if p.endswith(".lisp")]
    if a.cl_bench: benches += bench.clbench_entries(os.path.abspath(a.cl_bench))
    if a.gabriel: benches += [(e, "gabriel", os.path.abspath(a.gabriel)) for e in bench.GABRIEL]
    byname = {b[0]: b for b in benches}
    for name in a.names:
        b = byname[name]
        if a.with_prior and b[1] == "clbench": b[2][1]["with_prior"] = True
        f = bench.make_file(a.system, b, a.iters)
        f0 = f[:-5] + "-0.lisp"
        open(f0, "w").write(open(f).read().replace(f' {a.iters} (function', ' 0 (function'))
        def run(c, file):
            c = [x if x != f else file for x in c]
            p = subprocess.Popen(c, stdin=open(file) if a.system == "image" else subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
            out = p.stdout.read()
            _, _, ru = os.wait4(p.pid, 0)
            m = re.search(r"^BENCH (\S+) (\d+) (.*)$", out, re.M)
            return (m, out, (ru.ru_utime + ru.ru_stime) * 1e6)
        new = bench.cmd(a.system, f)
        old = (["dotnet", a.base_dll, f] if a.system == "lispvm" else [a.base_image])
        start = {}
        if a.cpu:
            for which, c in (("old", old), ("new", new)):
                start[which] = statistics.median([run(c, f0)[2] for _ in range(3)])
        t = {"old": [], "new": []}; res = {}
        for _ in range(a.reps):
            for which, c in (("old", old), ("new", new)):
                m, out, cpu = run(c, f)
                if not m: t[which].append(None); res[which] = out[-200:]; continue
                t[which].append(int((cpu - start[which]) / a.iters) if a.cpu else int(m.group(2))); res[which] = m.group(3)
        med = {k: statistics.median([x for x in v if x is not None]) if any(x is not None for x in v) else None for k, v in t.items()}
        ratio = f"{med['new'] / med['old']:.3f}" if med["old"] and med["new"] else "-"
        same = "same result" if res.get("old") == res.get("new") else f"RESULTS DIFFER: {res.get('old')!r} vs {res.get('new')!r}"
        print(f"{name:22} {a.system:6} x{a.iters}{' cpu' if a.cpu else ''}: old {med['old']} µs, new {med['new']} µs, new/old {ratio} ({same})", flush=True)

if __name__ == "__main__":
    main()
