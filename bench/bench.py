#!/usr/bin/env python3
"""Why: issue 6 wants LispVm timed side by side with CLISP, ECL, sb-eval and SBCL in one run.
Each system runs the same generated file (harness + program + one bench-run call); the time
per iteration is measured inside the system, results are checked against SBCL native, and
the median over interleaved repetitions is reported with ratios, peak RSS and LispVm's GC share."""
import argparse, csv, datetime, math, os, platform, random, re, shutil, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DLL = os.path.join(ROOT, "src/LispVm.Hosted/bin/Release/net10.0/lispvm.dll")
IMAGE = os.path.join(ROOT, "artifacts/lispvm.elf")
TMP = tempfile.mkdtemp(prefix="lispvm-bench-")
GABRIEL = "boyer browse dderiv-run deriv-run run-destructive run-div2-test1 run-div2-test2 run-fft run-frpoly/fixnum run-frpoly/bignum run-frpoly/float run-puzzle run-tak run-ctak run-trtak run-takl run-stak run-traverse run-triangle".split()

def cmd(system, f):
    if system == "lispvm":
        return ["dotnet", DLL, f]
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
    else:
        body += open(path).read() + '\n(in-package "CL-USER")\n'
        call = f'(bench-run "{name}" {n} (function cl-bench.gabriel::{name.upper()}))'
    if system == "lispvm":
        call = f"(time {call})"   # prints GC seconds; costs one call around the whole loop
    body += call + "\n"
    f = os.path.join(TMP, f"{system}-{name.replace('/', '_')}.lisp")
    open(f, "w").write(body)
    return f

def run_once(system, bench, n, timeout):
    f = make_file(system, bench, n)
    tf = f + ".time"
    try:
        p = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%M"] + cmd(system, f),
                           capture_output=True, text=True, timeout=timeout)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return {"ok": False, "err": "timeout"}
    m = re.search(r"^BENCH (\S+) (\d+) (.*)$", out, re.M)
    if not m:
        return {"ok": False, "err": "no result: " + out.strip()[-300:]}
    r = {"ok": True, "us": int(m.group(2)), "result": m.group(3).strip()}
    try: r["rss_kb"] = int(open(tf).read().strip().splitlines()[-1])
    except Exception: r["rss_kb"] = None
    g = re.search(r"([\d.]+) seconds of GC time", out)
    t = re.search(r"([\d.]+) seconds of real time", out)
    if g and t and float(t.group(1)) > 0:
        r["gc_share"] = float(g.group(1)) / float(t.group(1))
    return r

def norm(s):
    return re.findall(r"[-+]?\d+\.\d*(?:[eEdD][-+]?\d+)?|[-+]?\d+|[^\s()\d]+", s)

def same(a, b):
    ta, tb = norm(a.lower()), norm(b.lower())
    if len(ta) != len(tb): return False
    for x, y in zip(ta, tb):
        if x == y: continue
        try:
            fx, fy = float(re.sub("[dD]", "e", x)), float(re.sub("[dD]", "e", y))
        except ValueError:
            return False
        if abs(fx - fy) > 1e-9 * max(abs(fx), abs(fy), 1e-300): return False
    return True

def ensure_peers(systems):
    need = {"clisp": "clisp", "ecl": "ecl", "sb-eval": "sbcl", "sbcl": "sbcl"}
    pkgs = sorted({need[s] for s in systems if s in need and not shutil.which(need[s])})
    if not shutil.which("/usr/bin/time") or not os.path.exists("/usr/bin/time"): pkgs.append("time")
    if not pkgs: return
    if os.geteuid() != 0:
        sys.exit(f"bench: missing {' '.join(pkgs)}; run as root or: apt-get install {' '.join(pkgs)}")
    print("bench: installing", *pkgs)
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq"] + pkgs, check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--gabriel")
    ap.add_argument("--systems")
    ap.add_argument("--only", help="comma-separated benchmark names")
    a = ap.parse_args()
    systems = a.systems.split(",") if a.systems else (
        ["lispvm", "clisp", "ecl", "sbcl"] if a.quick else ["lispvm", "clisp", "ecl", "sb-eval", "sbcl"])
    ensure_peers(systems)
    notes = []
    notes.append("LispVm kernel image (artifacts/lispvm.elf) as a Linux process: skipped, it prints its banner and does not load a file yet.")
    benches = [(os.path.basename(p)[:-5], "own", os.path.join(HERE, "programs", p))
               for p in sorted(os.listdir(os.path.join(HERE, "programs"))) if p.endswith(".lisp")]
    if a.gabriel:
        benches += [(e, "gabriel", os.path.abspath(a.gabriel)) for e in GABRIEL]
    if a.only:
        keep = a.only.split(","); benches = [b for b in benches if b[0] in keep]
    target = 0.15 if a.quick else 0.8      # seconds of timed loop per run
    reps = 2 if a.quick else 5
    timeout = 60 if a.quick else 300
    # calibration run: one iteration, also the result check
    counts, results, wrong, failed = {}, {}, set(), {}
    for b in benches:
        for s in systems:
            n1 = 1   # grow until the loop is long enough for coarse clocks (ECL ticks in ms)
            while True:
                r = run_once(s, b, n1, timeout)
                if not r["ok"] or r["us"] * n1 >= 20000 or n1 >= 10000: break
                n1 *= 10
            if not r["ok"]:
                failed[(s, b[0])] = r["err"]; print(f"  {b[0]:14} {s:8} FAILED {r['err'][:200]}"); continue
            results[(s, b[0])] = r["result"]
            counts[(s, b[0])] = max(1, min(100000, int(target * 1e6 / max(r["us"], 20000.0 / n1))))
        ref = results.get(("sbcl", b[0])) or results.get(("lispvm", b[0]))
        for s in systems:
            if (s, b[0]) in results and ref is not None and not same(results[(s, b[0])], ref):
                wrong.add((s, b[0])); print(f"  {b[0]:14} {s:8} WRONG {results[(s, b[0])][:80]} (expected {ref[:80]})")
    times, rss, gc = {}, {}, {}
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
        print(f"bench: repetition {rep + 1}/{reps} done", flush=True)
    med = {k: statistics.median(v) for k, v in times.items() if k not in failed}
    # report
    date = datetime.datetime.utcnow().strftime("%Y-%m-%d")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    machine = f"{os.cpu_count()} CPUs ({os.cpu_count()} nproc), {cpu}, {platform.system()} {platform.release()}"
    lines = [f"# LispVm benchmarks {date}{' (quick)' if a.quick else ''}", "",
             f"Machine: {machine}.  Repetitions: {reps}, interleaved; median time per iteration in microseconds "
             f"(ratio = system time / LispVm time: >1 means LispVm is faster).", ""]
    hdr = "| benchmark | " + " | ".join(f"{s} µs | {s}/LispVm" if s != "lispvm" else "LispVm µs" for s in systems) + " | LispVm GC share |"
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
        lines.append(f"| {n} | " + " | ".join(cells) + f" | {gs} |")
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
    lines += ["", "LispVm GC share = GC seconds / real seconds reported by LispVm's TIME around the timed loop; max GC pause is not exposed by the VM yet."]
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
    bad = [k for k in list(wrong) + list(failed) if k[0] == "lispvm"]
    if bad:
        print("bench: LispVm wrong or failed on", ", ".join(b for _, b in bad)); sys.exit(1)

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
