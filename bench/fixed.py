"""Why: issue 19's measuring instrument. Over the fixed set (fixedset.py: cl-bench's Gabriel
entries + every tests.lisp entry) each benchmark gets ONE iteration count, chosen so CLISP's
timed loop takes >= 200 ms (on the image when CLISP fails), used by every system unless one
would exceed the per-run budget; >= 5 repetitions with the systems in a fresh random order each
time (paired), medians, ratios to CLISP, geometric means, library-bound group apart, our own
programs apart, GC pauses (max, p99) of the timed loop for the image and hosted. Every finished
benchmark is appended to the CSV at once, so a long run can be resumed (--resume CSV) and the
report is always rebuilt from the CSV alone (fixedreport.py)."""
import csv, math, os, random, statistics, sys, time
import bench, fixedset, fixedreport

FIELDS = ["benchmark", "group", "system", "iterations", "basis", "scaled", "status", "error",
          "median_us", "runs_us", "peak_rss_kb", "gc_share", "max_pause_us", "p99_pause_us",
          "minor_p99_us", "pauses", "full_gcs", "result"]

PRIMARY = ("image", "lispvm", "clisp")   # always timed --reps times: the goal's figures

def calibrate(b, systems, basis_order, target, budget, timeout, say):
    """One-iteration run per system (result check, per-system cost), then the count for the
    basis system (CLISP, or the first correct one of basis_order) so its loop takes >= target."""
    name = b[0]
    one, failed = {}, {}
    for s in systems:
        r = bench.run_once(s, b, 1, timeout)
        if not r["ok"] and b[1] == "clbench" and b[2][1]["prior"] and not b[2][1]["with_prior"]:
            b[2][1]["with_prior"] = True       # as in cl-bench: after its package's earlier entries
            r2 = bench.run_once(s, b, 1, timeout)
            if r2["ok"]: r = r2
            else: b[2][1]["with_prior"] = False
        if r["ok"]: one[s] = r
        else: failed[s] = r["err"]; say(f"  {name:22} {s:8} FAILED {r['err'][:160]}")
    ref = (one.get("sbcl") or {}).get("result")
    wrong = set()
    if ref is not None:
        for s, r in one.items():
            if not fixedset.check_result(name, r["result"], ref, bench.same):
                wrong.add(s); say(f"  {name:22} {s:8} WRONG {r['result'][:70]} (SBCL: {ref[:70]})")
    good = [s for s in basis_order if s in one and s not in wrong]
    if not good:
        return None, one, failed, wrong, ref
    basis = good[0]
    us = max(one[basis]["us"], 1)
    n = 1
    if us < target:   # grow: one confirming run at the estimate, then the final count from it
        n = math.ceil(target * 1.2 / us)
        r = bench.run_once(basis, b, n, timeout)
        if r["ok"] and r["us"] * n < target:
            n = math.ceil(target * 1.25 / max(r["us"], 1))
    return (basis, n), one, failed, wrong, ref

def run_benchmark(b, group, systems, a, say):
    """Calibrate, then a.reps paired repetitions; returns the CSV rows of this benchmark."""
    name = b[0]
    target, budget = a.target * 1e6, a.budget * 1e6
    timeout = 2 * a.budget + 90          # start-up and compile-file come on top of the loop
    basis_order = ["clisp", "image", "lispvm", "sbcl"] + systems
    cal, one, failed, wrong, ref = calibrate(b, systems, basis_order, target, budget, timeout, say)
    counts, scaled = {}, {}
    times, rss, gc, pz = {}, {}, {}, {}
    if cal:
        basis, n = cal
        for s in one:
            est = max(one[s]["us"], 1) * n
            counts[s] = n if est <= budget else max(1, int(budget / max(one[s]["us"], 1)))
            scaled[s] = "yes" if counts[s] != n else ""
            if s not in PRIMARY and one[s]["us"] > budget and s not in wrong:
                # a peer whose ONE iteration exceeds the budget (sb-eval on a library loop: minutes):
                # its check run is its only measurement, so the hour goes to the systems the goal is about
                times[s] = [one[s]["us"]]; rss[s] = one[s].get("rss_kb") or 0; scaled[s] = "1 run (over budget)"
    lost = {}
    for rep in range(a.reps if cal else 0):
        order = [s for s in systems if s in counts and s not in wrong and s not in failed and s not in lost and not
                 (s in times and scaled.get(s, "").startswith("1 run"))]
        random.shuffle(order)
        for s in order:
            r = bench.run_once(s, b, counts[s], timeout)
            if not r["ok"]:
                # e.g. a timeout on a loaded machine: the repetitions so far stand (the CSV's runs_us says
                # how many); the system is not run again for this benchmark
                lost[s] = f"repetition {rep + 1}: {r['err'][:200]}"
                say(f"  {name:22} {s:8} FAILED in repetition {rep + 1}: {r['err'][:120]}"); continue
            if not fixedset.check_result(name, r["result"], one[s]["result"], bench.same):   # as in its check run
                wrong.add(s); say(f"  {name:22} {s:8} WRONG in repetition {rep + 1}"); continue
            times.setdefault(s, []).append(r["us"])
            if r.get("rss_kb"): rss[s] = max(rss.get(s, 0), r["rss_kb"])
            if "gc_share" in r: gc.setdefault(s, []).append(r["gc_share"])
            if "loop_max_pause_us" in r:
                p = pz.setdefault(s, [0, 0, 0, 0, 0])
                for i, k in enumerate(("loop_max_pause_us", "loop_p99_pause_us", "loop_minor_p99_us")):
                    p[i] = max(p[i], r[k])            # the worst repetition's
                p[3], p[4] = p[3] + r["loop_pauses"], p[4] + r["loop_full"]
    rows = []
    for s in systems:
        st, err = "ok", ""
        if s in failed: st, err = "failed", failed[s]
        elif s in wrong: st, err = "wrong", f"result {one[s]['result'][:200]} differs from SBCL's {str(ref)[:200]}"
        elif not cal: st, err = "not-timed", "no system gave a correct result to calibrate on"
        elif s not in times and s in lost and counts.get(s) == 1 and s in one:
            times[s] = [one[s]["us"]]; err = f"timed by its check run (same count); {lost[s]}"   # st stays ok
        elif s not in times: st, err = "failed", lost.get(s, "no timed run")
        elif s in lost: err = f"{len(times[s])} of {a.reps} repetitions; {lost[s]}"
        if st == "ok" and ref is None: err = ("result not checked: SBCL gave none; " + err).rstrip("; ")
        p = pz.get(s)
        rows.append({"benchmark": name, "group": group, "system": s, "iterations": counts.get(s, ""),
                     "basis": (f"{cal[0]}" if cal else ""), "scaled": scaled.get(s, ""),
                     "status": st, "error": err.replace("\n", " ")[:300],
                     "median_us": f"{statistics.median(times[s]):.1f}" if st == "ok" else "",
                     "runs_us": " ".join(map(str, times.get(s, []))), "peak_rss_kb": rss.get(s, ""),
                     "gc_share": f"{statistics.median(gc[s]):.4f}" if s in gc else "",
                     "max_pause_us": p[0] if p else "", "p99_pause_us": p[1] if p else "",
                     "minor_p99_us": p[2] if p else "", "pauses": p[3] if p else "", "full_gcs": p[4] if p else "",
                     "result": (one[s]["result"] if s in one else "")[:300]})
    return rows

def read_csv(path):
    if not path or not os.path.exists(path): return []
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(x for x in f if not x.lstrip('"').startswith("#"))]

def main(a, systems, notes):
    root = os.path.abspath(a.clbench)
    benches, slow = fixedset.entries(root, bench, a.slow_tests)
    if slow: notes.append(f"Left out (behind `#+slow-tests` in tests.lisp, as cl-bench does; --slow-tests adds): {', '.join(slow)}.")
    groups = {b[0]: "library-" + fixedset.LIBRARY[b[0]] if b[0] in fixedset.LIBRARY else "core" for b in benches}
    own = [] if a.no_own else [(p[:-5], "own", os.path.join(bench.HERE, "programs", p))
                               for p in sorted(os.listdir(os.path.join(bench.HERE, "programs"))) if p.endswith(".lisp")]
    for b in own: groups[b[0]] = "own"
    allb = benches + own
    if a.only:
        keep = a.only.split(",")
        unknown = [k for k in keep if k not in {b[0] for b in allb}]
        if unknown: sys.exit(f"bench: unknown benchmark(s) {', '.join(unknown)}")
        allb = [b for b in allb if b[0] in keep]
    date = time.strftime("%Y-%m-%d", time.gmtime())
    outdir = bench.TMP if a.quick else os.path.join(bench.HERE, "results")
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.join(outdir, f"bench-{date}")
    path = a.resume or stem + ".csv"
    done = read_csv(a.resume)
    have = {(r["benchmark"], r["system"]) for r in done}
    todo = [b for b in allb if not all((b[0], s) in have for s in systems)]
    done = [r for r in done if r["benchmark"] not in {b[0] for b in todo}]
    with open(path, "w", newline="") as f:
        f.write(f"# {bench.machine_line()}; reps {a.reps}, target {a.target} s of CLISP, budget {a.budget} s per run\n")
        w = csv.DictWriter(f, FIELDS); w.writeheader(); w.writerows(done)
    if a.resume: print(f"bench: resuming {path}: {len(allb) - len(todo)} benchmarks done, {len(todo)} to go", flush=True)
    t0 = time.time()
    say = lambda m: print(m, flush=True)
    for i, b in enumerate(todo):
        t1 = time.time()
        rows = run_benchmark(b, groups[b[0]], systems, a, say)
        with open(path, "a", newline="") as f:
            csv.DictWriter(f, FIELDS).writerows(rows)
        done += rows
        el = time.time() - t0
        eta = el / (i + 1) * (len(todo) - i - 1)
        st = " ".join(f"{r['system']}={r['median_us'] or r['status']}" for r in rows)
        say(f"bench: [{i + 1}/{len(todo)}] {b[0]} in {time.time() - t1:.0f} s ({st}); "
            f"elapsed {el / 60:.1f} min, ETA {eta / 60:.1f} min (at {time.strftime('%H:%M', time.localtime(time.time() + eta))})")
    fixedreport.write(stem if not a.resume else a.resume[:-4], done, systems, a, notes, subset=bool(a.only))
    bad = [r for r in done if r["system"] in ("image", "lispvm") and r["status"] in ("wrong",)]
    if bad:
        print("bench: LispVm wrong on", ", ".join(sorted({r["benchmark"] for r in bad}))); sys.exit(1)
