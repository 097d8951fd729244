#!/usr/bin/env python3
"""Why: issue 6 wants LispVm timed side by side with CLISP, ECL, sb-eval and SBCL in one run.
Each system runs the same generated file (harness + program + one bench-run call); the time
per iteration is measured inside the system, results are checked against SBCL native, and
the median over interleaved repetitions is reported with ratios, peak RSS and LispVm's GC share."""
import argparse, csv, datetime, math, os, platform, random, re, shutil, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DLL = os.path.join(ROOT, "src/LispVm.Hosted/bin/Release/net10.0/lispvm.dll")
IMAGE = os.path.join(ROOT, "artifacts/lispvm.elf")   # the REPL image (build/kernel.sh --with-engine)
TMP = tempfile.mkdtemp(prefix="lispvm-bench-") if __name__ == "__main__" else None   # bench/lab.py sets its own
GABRIEL = "boyer browse dderiv-run deriv-run run-destructive run-div2-test1 run-div2-test2 run-fft run-frpoly/fixnum run-frpoly/bignum run-frpoly/float run-puzzle run-tak run-ctak run-trtak run-takl run-stak run-traverse run-triangle fprint/ugly fprint/pretty".split()

def cmd(system, f):
    if system == "lispvm":
        return ["dotnet", DLL, f]
    if system == "image":      # the kernel image as a Linux process: the program on stdin
        return [IMAGE]
    if system == "image-base": # an earlier image (LISPVM_BASE_IMAGE) for before/after columns
        return [os.environ["LISPVM_BASE_IMAGE"]]
    if system == "clisp":
        fas = f + ".fas"
        return ["clisp", "-q", "-norc", "-x",
                f'(progn (load (compile-file "{f}" :output-file "{fas}" :verbose nil :print nil)) (ext:quit))']
    if system == "ecl":
        return ["ecl", "-norc", "-eval", f'(load "{f}")', "-eval", "(ext:quit)"]
    if system == "sb-eval":
        return ["sbcl", "--noinform", "--non-interactive", "--no-userinit", "--no-sysinit",
                "--eval", "(setf sb-ext:*evaluator-mode* :interpret)", "--load", f]
    if system == "sbcl":
        return ["sbcl", "--noinform", "--non-interactive", "--no-userinit", "--no-sysinit", "--load", f]
    raise ValueError(system)

def source(bench):
    name, kind, path = bench
    return open(path).read()

def make_file(system, bench, n):
    name, kind, path = bench
    body = open(os.path.join(HERE, "harness.lisp")).read() + "\n"
    if kind == "own":
        body += open(path).read() + "\n"
        call = f'(bench-run "{name}" {n} (function bench-main))'
    elif kind == "clbench":     # path = (cl-bench dir, entry); files loaded unmodified
        root, e = path
        body += (f'(defpackage "CL-BENCH" (:use "COMMON-LISP"))\n(in-package "CL-BENCH")\n'
                 f'(defparameter *misc-dir* #p"{misc_dir(root, system)}/")\n(in-package "CL-USER")\n')
        for fn in e["files"]:
            body += open(os.path.join(root, "files", fn)).read() + '\n(in-package "CL-USER")\n'
        if e["with_prior"]:      # the earlier entries of its package once, untimed (see clbench_entries)
            for su, fn in e["prior"]:
                if su: body += f"(funcall '{su})\n"
                body += f"(funcall '{fn})\n"
        if e["setup"]: body += f"(funcall '{e['setup']})\n"
        call = f'(bench-run "{name}" {n} (function {e["function"]}))'
    else:
        body += open(path).read() + '\n(in-package "CL-USER")\n'
        call = f'(bench-run "{name}" {n} (function cl-bench.gabriel::{name.upper()}))'
    if system in ("lispvm", "image", "image-base"):
        # GC time and max pause from the VM's counters (PRIMITIVES.md %heap-stats: 9 = gc-time-us, 10 = max-pause-us)
        # Pauses of the timed loop alone, from the engine's pause histogram (GC-STATS, 90-misc.lisp:
        # percentiles are bucket tops, within 12.5%); guarded so an earlier image without it still runs.
        pz = ("(when (fboundp 'gc-stats) (let ((g (gc-stats))) "
              '(format t "~&GCPAUSE ~d ~d ~d ~d ~d~%" (getf g :max-pause-us) (getf g :p99-pause-us) '
              "(getf g :minor-p99-pause-us) (getf g :pauses) (getf g :full-pauses))))")
        call = (f"(let ((s0 (%heap-stats))) (when (fboundp 'gc-stats-reset) (gc-stats-reset)) {call} "
                f"(let ((s1 (%heap-stats))) {pz} "
                f'(format t "~&GCSTAT ~d ~d~%" (- (aref s1 9) (aref s0 9)) (aref s1 10))))')
    body += call + "\n"
    f = os.path.join(TMP, f"{system}-{name.replace('/', '_')}.lisp")
    open(f, "w").write(body)
    return f

def misc_dir(root, system):
    """A copy of cl-bench's misc/ per system in TMP: the compiler and load-fasl entries write
    their fasl next to gabriel.lisp there, so the checkout stays unmodified and systems never
    load each other's fasls."""
    d = os.path.join(TMP, "misc-" + system)
    if not os.path.isdir(d):
        shutil.copytree(os.path.join(root, "misc"), d,
                        ignore=lambda _, names: [x for x in names if x.endswith((".fas", ".fasl", ".lib", ".fasc"))])
    return d

def run_once(system, bench, n, timeout):
    f = make_file(system, bench, n)
    tf = f + ".time"
    try:
        p = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%M"] + cmd(system, f), cwd=TMP,
                           stdin=open(f) if system.startswith("image") else subprocess.DEVNULL,
                           capture_output=True, text=True, errors="replace", timeout=timeout)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return {"ok": False, "err": "timeout"}
    m = re.search(r"^BENCH (\S+) (\d+) (.*)$", out, re.M)
    if not m:
        return {"ok": False, "err": "no result: " + out.strip()[-300:]}
    r = {"ok": True, "us": int(m.group(2)), "result": m.group(3).strip()}
    try: r["rss_kb"] = int(open(tf).read().strip().splitlines()[-1])
    except Exception: r["rss_kb"] = None
    g = re.search(r"^GCSTAT (\d+) (\d+)", out, re.M)
    if g and r["us"] > 0:
        r["gc_share"] = int(g.group(1)) / (r["us"] * n)
        r["max_pause_us"] = int(g.group(2))
    g = re.search(r"^GCPAUSE (\d+) (\d+) (\d+) (\d+) (\d+)", out, re.M)
    if g:
        r["loop_max_pause_us"], r["loop_p99_pause_us"], r["loop_minor_p99_us"], r["loop_pauses"], r["loop_full"] = map(int, g.groups())
    return r

def norm(s):
    return re.findall(r"[-+]?\d+\.\d*(?:[eEdD][-+]?\d+)?|[-+]?\d+|[^\s()\d]+", s)

def same(a, b):
    unpkg = lambda x: re.sub(r"[a-z0-9.\-]+::?(?=[^\s:])", "", x.lower())   # CL-BENCH.GABRIEL::X vs X
    ta, tb = norm(unpkg(a)), norm(unpkg(b))
    if len(ta) != len(tb): return False
    for x, y in zip(ta, tb):
        if x == y: continue
        try:
            fx, fy = float(re.sub("[dD]", "e", x)), float(re.sub("[dD]", "e", y))
        except ValueError:
            return False
        if abs(fx - fy) > 1e-9 * max(abs(fx), abs(fy), 1e-300): return False
    return True

def ensure_peers(systems, slurp=False):
    need = {"clisp": "clisp", "ecl": "ecl", "sb-eval": "sbcl", "sbcl": "sbcl"}
    pkgs = sorted({need[s] for s in systems if s in need and not shutil.which(need[s])})
    if slurp and not os.path.exists("/usr/share/dict/words") and os.geteuid() == 0: pkgs.append("wamerican")   # cl-bench's slurp-lines reads it
    if not shutil.which("/usr/bin/time") or not os.path.exists("/usr/bin/time"): pkgs.append("time")
    if not pkgs: return
    if os.geteuid() != 0:
        sys.exit(f"bench: missing {' '.join(pkgs)}; run as root or: apt-get install {' '.join(pkgs)}")
    print("bench: installing", *pkgs)
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq"] + pkgs, check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))

def gabriel_runs(tests, gabriel):
    """:runs of each cl-bench.gabriel entry point in tests.lisp, keyed by our entry names."""
    cands = [tests] if tests else [os.path.join(os.path.dirname(os.path.abspath(gabriel)), d, "tests.lisp") for d in (".", "..")]
    for t in cands:
        if t and os.path.exists(t):
            txt = open(t).read(); out = {}
            for m in re.finditer(r"\(defbench\s+\S+(.*?)(?=\(defbench|\Z)", txt, re.S):
                f = re.search(r":function\s+'cl-bench\.gabriel:(\S+?)[\s)]", m.group(1))
                n = re.search(r":runs\s+(\d+)", m.group(1))
                if f and n: out[f.group(1).lower()] = int(n.group(1))
            return out
    sys.exit("bench: --gabriel needs cl-bench's tests.lisp for run counts (next to the file, or --tests PATH)")

def clbench_entries(root):
    """The non-Gabriel defbench entries of cl-bench's tests.lisp: name, function, setup, :runs and
    the files (unmodified) that define the function's package, the one with DEFPACKAGE first."""
    for p in ("files", "tests.lisp"):
        if not os.path.exists(os.path.join(root, p)):
            sys.exit(f"bench: {root} is not a cl-bench checkout: no {p} in it (fetch cl-bench and pass its directory)")
    files = sorted(f for f in os.listdir(os.path.join(root, "files")) if f.endswith(".lisp") and f != "gabriel.lisp")
    defs, uses = {}, {}
    for f in files:
        t = open(os.path.join(root, "files", f), errors="replace").read().lower()
        for m in re.finditer(r"\(defpackage\s+[:#]*\"?([a-z0-9.\-]+)", t): defs[m.group(1)] = f
        for m in re.finditer(r"\(in-package\s+[:#]*\"?([a-z0-9.\-]+)", t): uses.setdefault(m.group(1), []).append(f)
    out, seen = [], {}
    txt = open(os.path.join(root, "tests.lisp")).read()
    for m in re.finditer(r"\(defbench\s+(\S+)(.*?)(?=\(defbench|\Z)", txt, re.S):
        f = re.search(r":function\s+'(\S+?)[\s)]", m.group(2))
        if not f or "gabriel" in f.group(1).lower(): continue
        su = re.search(r":setup\s+'(\S+?)[\s)]", m.group(2)); r = re.search(r":runs\s+(\d+)", m.group(2))
        pkg = f.group(1).split(":")[0].lower()
        if pkg not in defs: continue
        fl = [defs[pkg]] + [x for x in uses.get(pkg, []) if x != defs[pkg]]
        name = m.group(1).lower()
        if name in seen: seen[name] += 1; name = f"{name}/{seen[name]}"   # tests.lisp names clos-instantiate twice
        else: seen[name] = 1
        # cl-bench runs every entry in one image, in tests.lisp's order: an entry may need what an
        # earlier one of its package made (clos-instantiate needs clos-defclass's classes).
        prior = [(x["setup"], x["function"]) for _, _, (_, x) in out if x["function"].split(":")[0].lower() == pkg]
        out.append((name, "clbench", (root, {"function": f.group(1), "setup": su.group(1) if su else None,
                                              "runs": int(r.group(1)) if r else 1, "files": fl,
                                              "prior": prior, "with_prior": False})))
    return out

def machine_line():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} CPUs ({os.cpu_count()} nproc), {cpu}, {platform.system()} {platform.release()}"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--gabriel")
    ap.add_argument("--systems")
    ap.add_argument("--only", help="comma-separated benchmark names")
    ap.add_argument("--cl-bench", dest="clbench", help="cl-bench checkout: add every non-Gabriel entry point of its tests.lisp")
    ap.add_argument("--reps", type=int, help="timed repetitions (default 3, --quick 2)")
    ap.add_argument("--tests", help="cl-bench tests.lisp (run counts); default: next to --gabriel's file or its parent")
    ap.add_argument("--legacy", action="store_true", help="the issue-6 mode (ratios to LispVm) even with cl-bench given")
    ap.add_argument("--target", type=float, help="fixed set: CLISP's timed loop at least this many s (default 0.2, --quick 0.05)")
    ap.add_argument("--budget", type=float, help="fixed set: at most this many s per timed run (default 60, --quick 20)")
    ap.add_argument("--resume", help="fixed set: a CSV of an interrupted run; finished benchmarks are kept")
    ap.add_argument("--report", help="fixed set: only rebuild md/png from this CSV (with --lab-csv: add the Xen column)")
    ap.add_argument("--lab-csv", help="fixed set: bench/lab.py's CSV; its guest/process ratio becomes a column")
    ap.add_argument("--no-own", action="store_true", help="fixed set: leave out bench/programs")
    ap.add_argument("--slow-tests", action="store_true", help="fixed set: include tests.lisp's #+slow-tests entries")
    a = ap.parse_args()
    if a.clbench and not os.path.isdir(a.clbench):
        sys.exit(f"bench: --cl-bench {a.clbench}: no such directory (fetch cl-bench: git clone of "
                 "clasp-developers/cl-bench, or unpack an archive of it, and pass its directory)")
    if a.gabriel and not os.path.isfile(a.gabriel):
        sys.exit(f"bench: --gabriel {a.gabriel}: no such file (cl-bench's files/gabriel.lisp)")
    fixed_mode = not a.legacy and (a.report or (a.clbench and (a.gabriel or
                 os.path.isfile(os.path.join(a.clbench, "files", "gabriel.lisp")))))
    if fixed_mode:
        return fixed_main(a)
    systems = a.systems.split(",") if a.systems else (
        ["lispvm", "image", "clisp", "ecl", "sbcl"] if a.quick else ["lispvm", "image", "clisp", "ecl", "sb-eval", "sbcl"])
    ensure_peers(systems)
    notes = []
    if "image" in systems and not os.access(IMAGE, os.X_OK):
        notes.append("kernel image column skipped: artifacts/lispvm.elf missing (build/kernel.sh --with-engine)")
        systems.remove("image")
    benches = [(os.path.basename(p)[:-5], "own", os.path.join(HERE, "programs", p))
               for p in sorted(os.listdir(os.path.join(HERE, "programs"))) if p.endswith(".lisp")]
    runs = {}
    if a.gabriel:
        benches += [(e, "gabriel", os.path.abspath(a.gabriel)) for e in GABRIEL]
        runs = gabriel_runs(a.tests, a.gabriel)
        notes.append("Gabriel: cl-bench gabriel.lisp unmodified; iterations = tests.lisp :runs, scaled down per system "
                     "(by the factor in the CSV's iterations column) only where one timed run would exceed the time budget.")
    if a.clbench:
        cb = clbench_entries(os.path.abspath(a.clbench))
        benches += cb
        runs.update({b[0]: b[2][1]["runs"] for b in cb})
        notes.append("cl-bench: tests.lisp's non-Gabriel entries, files unmodified (setup called once before the loop); "
                     "iterations = :runs, scaled down per system only where one timed run would exceed the time budget.")
    if a.only:
        keep = a.only.split(","); benches = [b for b in benches if b[0] in keep]
    target = 0.15 if a.quick else 0.3      # seconds of timed loop per run
    reps = a.reps or (2 if a.quick else 3)
    timeout = 60 if a.quick else 300
    # calibration run: one iteration, also the result check
    counts, results, wrong, failed = {}, {}, set(), {}
    for b in benches:
        for s in systems:
            n1 = 1   # grow until the loop is long enough for coarse clocks (ECL ticks in ms)
            while True:
                r = run_once(s, b, n1, timeout)
                if b[1] in ("gabriel", "clbench") or not r["ok"] or r["us"] * n1 >= 20000 or n1 >= 10000: break
                n1 *= 10
            if not r["ok"] and b[1] == "clbench" and b[2][1]["prior"] and not b[2][1]["with_prior"]:
                b[2][1]["with_prior"] = True           # alone it fails: as in cl-bench, after its package's earlier entries
                r2 = run_once(s, b, n1, timeout)
                if r2["ok"]:
                    r = r2; notes.append(f"cl-bench {b[0]}: fails alone; run after the earlier entries of its package, once, untimed, as cl-bench's own order does.")
                else: b[2][1]["with_prior"] = False
            if not r["ok"]:
                failed[(s, b[0])] = r["err"]; print(f"  {b[0]:18} {s:8} FAILED {r['err'][:200]}"); continue
            results[(s, b[0])] = r["result"]
            if b[1] in ("gabriel", "clbench"):
                full = runs.get(b[0], 1)
                counts[(s, b[0])] = max(1, min(full, int(target * 1e6 / max(r["us"], 1))))
            else:
                counts[(s, b[0])] = max(1, min(100000, int(target * 1e6 / max(r["us"], 20000.0 / n1))))
        ref = results.get(("sbcl", b[0])) or results.get(("lispvm", b[0]))
        for s in systems:
            if (s, b[0]) in results and ref is not None and not same(results[(s, b[0])], ref):
                wrong.add((s, b[0])); print(f"  {b[0]:18} {s:8} WRONG {results[(s, b[0])][:80]} (expected {ref[:80]})")
        print(f"bench: calibrated {b[0]}", flush=True)
    times, rss, gc, pause = {}, {}, {}, {}
    for rep in range(reps):
        for b in benches:
            order = systems[:]; random.shuffle(order)
            for s in order:
                k = (s, b[0])
                if k not in counts or k in wrong or k in failed: continue
                r = run_once(s, b, counts[k], timeout)
                if not r["ok"]: failed[k] = r["err"]; continue
                if not same(r["result"], results[k]): wrong.add(k); continue
                times.setdefault(k, []).append(r["us"])
                if r.get("rss_kb"): rss[k] = max(rss.get(k, 0), r["rss_kb"])
                if "gc_share" in r: gc.setdefault(k, []).append(r["gc_share"])
                if "max_pause_us" in r: pause[k] = max(pause.get(k, 0), r["max_pause_us"])
        print(f"bench: repetition {rep + 1}/{reps} done", flush=True)
    med = {k: statistics.median(v) for k, v in times.items() if k not in failed}
    # report
    date = datetime.datetime.utcnow().strftime("%Y-%m-%d")
    machine = machine_line()
    lines = [f"# LispVm benchmarks {date}{' (quick)' if a.quick else ''}", "",
             f"Machine: {machine}.  Repetitions: {reps}, interleaved; median time per iteration in microseconds "
             f"(ratio = system time / LispVm time: >1 means LispVm is faster).", ""]
    hdr = "| benchmark | " + " | ".join(f"{s} µs | {s}/LispVm" if s != "lispvm" else "LispVm µs" for s in systems) + " | LispVm GC share | LispVm max GC pause µs |"
    lines += [hdr, "|" + "---|" * (hdr.count("|") - 1)]
    rows = []
    ratios = {s: [] for s in systems}
    def cell(s, b):
        k = (s, b)
        if k in wrong: return "wrong"
        if k in failed: return "failed"
        return f"{med[k]:.0f}" if k in med else "-"
    for b in benches:
        n = b[0]; cells = []
        for s in systems:
            c = cell(s, n)
            if s == "lispvm": cells.append(c); continue
            rt = ""
            if (s, n) in med and ("lispvm", n) in med and med[("lispvm", n)] > 0:
                x = med[(s, n)] / med[("lispvm", n)]; ratios[s].append(x); rt = f"{x:.2f}"
            cells += [c, rt]
        g = gc.get(("lispvm", n)); gs = f"{statistics.median(g)*100:.0f}%" if g else "-"
        ps = str(pause[("lispvm", n)]) if ("lispvm", n) in pause else "-"
        lines.append(f"| {n} | " + " | ".join(cells) + f" | {gs} | {ps} |")
        for s in systems:
            k = (s, n)
            rows.append([date, n, s, counts.get(k, ""), med.get(k, ""), "wrong" if k in wrong else ("failed" if k in failed else "ok"),
                         rss.get(k, ""), f"{statistics.median(gc[k]):.3f}" if k in gc else "", results.get(k, "")])
    geo = {s: math.exp(sum(map(math.log, v)) / len(v)) for s, v in ratios.items() if v}
    lines += ["", "Geometric mean of system/LispVm time ratios (benchmarks where both are correct): " +
              ", ".join(f"{s} {g:.2f}" for s, g in geo.items()) + "."]
    lines += ["", "Equivalently LispVm/system (the issue's goal is ≤ 1.0 vs CLISP, ≤ 0.33 vs sb-eval): " +
              ", ".join(f"vs {s} {1/g:.2f}" for s, g in geo.items()) + "."]
    lines += ["", "Peak RSS (MiB, max over runs, whole process):", "",
              "| benchmark | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for b in benches:
        lines.append(f"| {b[0]} | " + " | ".join(f"{rss[(s, b[0])]/1024:.0f}" if (s, b[0]) in rss else "-" for s in systems) + " |")
    lines += ["", "LispVm GC share = GC µs (%heap-stats delta around the timed loop) / loop µs; max GC pause = the VM's "
              "max-pause-us after the run (whole process, max over repetitions). `image` = the kernel image "
              "artifacts/lispvm.elf run as a Linux process (program on stdin); its ratio column is image/hosted (goal ≤ 1.2)."]
    for (s_, b_), e in list(failed.items()):
        if b_.startswith("fprint") and "OPEN" in e.upper():
            failed[(s_, b_)] = "not run: needs file streams (OPEN/with-open-file not in LispVm yet)"
    lines += ["", "Notes:"] + [f"- {x}" for x in notes] + [f"- {s} {b}: {e[:200]}" for (s, b), e in failed.items()]
    md = "\n".join(lines) + "\n"
    print(md)
    outdir = os.path.join(HERE, "results") if not a.quick else TMP
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.join(outdir, f"bench-{date}")
    open(stem + ".md", "w").write(md)
    with open(stem + ".csv", "w", newline="") as f:
        w = csv.writer(f); w.writerow(["# " + machine])
        w.writerow(["date", "benchmark", "system", "iterations", "median_us", "status", "peak_rss_kb", "gc_share", "result"])
        w.writerows(rows)
    if not a.quick:
        chart(stem + ".png", benches, systems, med, date, machine, notes)
    print("bench: wrote", stem + ".md", stem + ".csv", "" if a.quick else stem + ".png")
    bad = [k for k in list(wrong) + [k for k, e in failed.items() if not e.startswith("not run")] if k[0] in ("lispvm", "image")]
    if bad:
        print("bench: LispVm wrong or failed on", ", ".join(b for _, b in bad)); sys.exit(1)

def fixed_main(a):
    """Issue 19's fixed-set mode (fixed.py): every system against CLISP over cl-bench."""
    sys.modules.setdefault("bench", sys.modules[__name__])   # fixed.py's `import bench` is this module (its TMP)
    import fixed, fixedreport
    systems = a.systems.split(",") if a.systems else (
        ["image", "lispvm", "clisp", "sbcl"] if a.quick else ["image", "lispvm", "clisp", "ecl", "sb-eval", "sbcl"])
    for need in ("clisp", "sbcl"):
        if need not in systems: systems.append(need)    # the ratio base and the reference result
    a.reps = a.reps or (1 if a.quick else 5)
    a.target = a.target or (0.05 if a.quick else 0.2)
    a.budget = a.budget or (20.0 if a.quick else 60.0)
    notes = []
    if a.report:
        rows = fixed.read_csv(a.report)
        m = re.search(r"reps (\d+), target ([\d.]+) s of CLISP, budget ([\d.]+) s", open(a.report).readline())
        if m: a.reps, a.target, a.budget = int(m.group(1)), float(m.group(2)), float(m.group(3))   # the run's, not defaults
        sy = list(dict.fromkeys(r["system"] for r in rows))
        return fixedreport.write(a.report[:-4], rows, sy, a, notes, subset=False)
    if a.clbench and not a.gabriel:
        a.gabriel = os.path.join(a.clbench, "files", "gabriel.lisp")
    if not a.clbench:
        a.clbench = os.path.dirname(os.path.dirname(os.path.abspath(a.gabriel)))
    ensure_peers(systems, slurp=True)
    if "image" in systems and not os.access(IMAGE, os.X_OK):
        notes.append("kernel image column skipped: artifacts/lispvm.elf missing (build/kernel.sh --all)")
        systems.remove("image")
    if not os.path.exists("/usr/share/dict/words"):
        notes.append("slurp-lines reads /usr/share/dict/words, which is missing here: every system returns NIL "
                     "(apt-get install wamerican)")
    if a.quick: notes.append(f"quick mode (a smoke test, not figures for the issue): {a.reps} repetition(s), target "
                             f"{a.target} s, budget {a.budget} s; results in a temp dir")
    fixed.main(a, systems, notes)

def chart(path, benches, systems, med, date, machine, notes):
    try:
        import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    except ImportError:
        notes.append("no PNG: matplotlib not importable (apt-get install python3-matplotlib)"); return
    names = [b[0] for b in benches]; w = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(max(8, len(names) * 1.1), 5))
    for i, s in enumerate(systems):
        xs = [j + i * w for j, n in enumerate(names) if (s, n) in med]
        ys = [med[(s, n)] for n in names if (s, n) in med]
        ax.bar(xs, ys, w, label=s)
    ax.set_yscale("log"); ax.set_ylabel("µs per iteration (log, lower is better)")
    ax.set_xticks([j + 0.4 - w / 2 for j in range(len(names))]); ax.set_xticklabels(names, rotation=30)
    ax.set_title(f"LispVm vs peers {date}\n{machine}", fontsize=9); ax.legend(fontsize=8)
    fig.tight_layout(); fig.savefig(path, dpi=100)

if __name__ == "__main__":
    main()
