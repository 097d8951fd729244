#!/usr/bin/env python3
"""Why: issue 6 wants the image under Xen compared with the same image as a Linux process in
the lab's Dom0 (same emulated CPU). This writes the per-benchmark files the way bench.py does
(harness + program + one bench-run call), runs them all in ONE Dom0 boot through
`lab/run.sh --script bench/lab-dom0.sh` (guest and process alternate, never overlap), checks
that both give the same results and writes bench/results/lab-DATE.{md,csv}."""
import argparse, csv, datetime, hashlib, math, os, statistics, subprocess, sys, tempfile
import bench, fixedset

HERE, ROOT, IMAGE = bench.HERE, bench.ROOT, bench.IMAGE
# Iterations per timed run: ~0.1 s natively, so ~1-5 s under TCG (10-50x slower).
ITER = {"tak": 2, "lists": 10, "closures": 80, "floats": 9, "gcbench": 3, "hash": 70}
GUEST_MB, HEAP_MB = 256, 128   # same heap limit on both sides, so the GC works alike
# With --cl-bench: the fixed set's entries run in the lab by default. A stated subset, because
# every run boots a guest and TCG is ~20x slower: ~12 entries x 2 sides x 3 reps fit in ~30-40 min.
# One or two per family: calls, lists, structures, floats, arrays, CLOS-free OO, bignums, hashing,
# strings. Entries that read files (compiler, load-fasl, deflate-file, slurp-lines, fprint/*) are
# left out: the guest has no file system beyond its ramdisk store.
LAB_FIXED = ["run-tak", "boyer", "browse", "run-traverse", "run-fft", "run-puzzle", "richards",
             "fib", "mandelbrot/dfloat", "bignum/pari-100-10", "factorial", "hash-integers", "1d-arrays", "bench-strings"]
LAB_NATIVE_S = 0.1   # iterations per timed run: ~0.1 s for the image natively (1-5 s emulated)

def main():
    ap = argparse.ArgumentParser(description="LispVm: Xen PV guest vs Linux process in the lab's Dom0")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", help="comma-separated benchmark names (default: " + ",".join(ITER) + ")")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--cl-bench", dest="clbench", help="cl-bench checkout: run the fixed set's entries "
                    "(default the subset LAB_FIXED; --only any) instead of bench/programs")
    ap.add_argument("--dry-run", action="store_true", help="write the files and the plan, print them, start no lab")
    a = ap.parse_args()
    files = tempfile.mkdtemp(prefix="lispvm-labbench-")
    bench.TMP = files
    if a.clbench:
        fixed, _ = fixedset.entries(os.path.abspath(a.clbench), bench)
        byname = {b[0]: b for b in fixed}
        names = a.only.split(",") if a.only else LAB_FIXED
    else:
        byname = {n: (n, "own", os.path.join(HERE, "programs", n + ".lisp")) for n in ITER}
        names = a.only.split(",") if a.only else list(ITER)
    for n in names:
        if n not in byname: sys.exit(f"bench/lab: unknown benchmark {n} (have {', '.join(byname)})")
    if a.clbench:   # counts from one native run of the image here (the same file, so the same work)
        for n in names:
            r = bench.run_once("image", byname[n], 1, 600)
            if not r["ok"]: sys.exit(f"bench/lab: {n} fails in the image natively: {r['err'][:200]}")
            ITER[n] = max(1, round(LAB_NATIVE_S * 1e6 / max(r["us"], 1)))
            print(f"bench/lab: {n}: {r['us']} µs natively, {ITER[n]} iterations per run", flush=True)
    plan = [f"reps {a.reps} heap-mb {HEAP_MB}"]
    for n in names:
        f = bench.make_file("image", byname[n], ITER[n])
        plan.append(f"{n.replace('/', '_')} {os.path.basename(f)}")
    # Only the program files and the plan go to Dom0 (busybox cpio there makes no directories:
    # bench.py's per-system copy of cl-bench's misc/ and the native runs' .time files stay here).
    import shutil
    keep = {os.path.basename(l.split(" ", 1)[1]) for l in plan[1:]} | {"plan"}
    for x in os.listdir(files):
        if x not in keep:
            (shutil.rmtree if os.path.isdir(os.path.join(files, x)) else os.remove)(os.path.join(files, x))
    unslash = {n.replace("/", "_"): n for n in names}   # plan lines are "name file": no slash in names for Dom0
    open(os.path.join(files, "plan"), "w").write("\n".join(plan) + "\n")

    if a.dry_run:
        print(f"bench/lab: dry run, files in {files}; plan:\n" + "\n".join(plan)); return
    total = 2 * a.reps * len(names)
    timeout = 300 + total * 200
    cmd = [os.path.join(ROOT, "lab/run.sh"), IMAGE, "--script", os.path.join(HERE, "lab-dom0.sh"),
           "--files", files, "--memory", str(GUEST_MB), "--extra", f"LISPVM_HEAP_MB={HEAP_MB}", "--timeout", str(timeout)]
    print(f"bench/lab: {len(names)} benchmarks x {a.reps} reps x (Xen guest, Dom0 process) = {total} runs; "
          f"booting Dom0 under QEMU TCG (25-70 s)...", flush=True)
    times, gc, results, failed = {}, {}, {}, {}
    cur, got, done, runs = None, None, False, 0
    load0 = os.getloadavg()[0]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, errors="replace")
    for line in p.stdout:
        w = line.rstrip("\r\n").split(" ", 3)
        if w[0] == "@@RUN":
            cur, got = (w[1], unslash.get(w[2], w[2])), None
        elif w[0] == "BENCH" and cur and len(w) == 4:
            got = int(w[2])
            times.setdefault(cur, []).append(got)
            results.setdefault(cur, []).append(w[3].strip())
        elif w[0] == "GCSTAT" and cur and got:
            gc.setdefault(cur, []).append(int(w[1]) / (got * ITER[cur[1]]))
        elif w[0] == "@@END" and cur:
            runs += 1
            if got is None or w[2] != "0":
                failed[cur] = f"exit {w[2]}" + ("" if got is not None else ", no BENCH line")
            print(f"bench/lab: [{runs}/{total}] {cur[1]:9} {cur[0]:8} " + (f"{got} µs" if got is not None else "FAILED"), flush=True)
            cur = None
        elif w[0] == "@@PLAN-DONE":
            done = True
        elif w[0].startswith(";;") or w[0].startswith("@@FAIL") or "rror" in line:
            print("bench/lab: " + line.rstrip(), flush=True)
    rc = p.wait()
    if not done:
        sys.exit(f"bench/lab: the lab run did not finish (lab/run.sh exit {rc}; 1 lab failure, 3 timeout)")

    wrong = set()
    for n in names:
        allr = results.get(("guest", n), []) + results.get(("process", n), [])
        if allr and not all(bench.same(r, allr[0]) for r in allr): wrong.add(n)
    write_report(a, names, times, gc, results, failed, wrong, (load0, os.getloadavg()[0]))
    bad = [n for n in names if n in wrong or ("guest", n) in failed or ("process", n) in failed]
    if bad: sys.exit("bench/lab: wrong or failed: " + ", ".join(bad))

def write_report(a, names, times, gc, results, failed, wrong, load):
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    machine = bench.machine_line()
    kver = open("/var/cache/lispvm-lab/kver").read().strip() if os.path.exists("/var/cache/lispvm-lab/kver") else "?"
    sha = hashlib.sha256(open(IMAGE, "rb").read()).hexdigest()[:12]
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [f"# LispVm in the Xen lab: PV guest vs Linux process in Dom0, {date}", "",
             f"Machine: {machine}; host load average {load[0]:.1f} at start, {load[1]:.1f} at end "
             f"(QEMU uses about one core; the rest is other work on the machine).", "",
             f"Lab: Xen 4.17 + Debian Dom0 (Linux {kver}, 2 vCPUs) under QEMU TCG (`-cpu max`, 2 emulated CPUs). "
             f"The same file `artifacts/lispvm.elf` (sha256 {sha}…) runs (a) as a PV domU (1 vCPU, {GUEST_MB} MiB, program "
             f"loaded from its ramdisk store) and (b) as a static Linux process in Dom0 (program loaded from tmpfs); both "
             f"with `LISPVM_HEAP_MB={HEAP_MB}`. {a.reps} repetitions per side in one Dom0 boot, (a) and (b) alternating and "
             f"never overlapping. Median µs per iteration, measured inside Lisp by `bench/harness.lisp`; "
             f"ratio = guest / process (>1: the guest is slower); spread = slowest / fastest run of a side.", "",
             "| benchmark | iterations | Xen guest µs | Dom0 process µs | guest/process | spread guest, process | guest GC share | process GC share |",
             "|---|---|---|---|---|---|---|---|"]
    rows, ratios = [], []
    def cell(k):
        if k[1] in wrong: return "wrong"
        if k in failed: return "failed"
        return f"{med[k]:.0f}" if k in med else "-"
    for n in names:
        g, pr = ("guest", n), ("process", n)
        rt = ""
        if n not in wrong and g in med and pr in med and g not in failed and pr not in failed and med[pr] > 0:
            x = med[g] / med[pr]; ratios.append(x); rt = f"{x:.2f}"
        gs = lambda k: f"{statistics.median(gc[k]) * 100:.0f}%" if k in gc else "-"
        sp = lambda k: f"{max(times[k]) / min(times[k]):.2f}" if min(times.get(k, [0])) > 0 else "-"
        lines.append(f"| {n} | {ITER[n]} | {cell(g)} | {cell(pr)} | {rt} | {sp(g)}, {sp(pr)} | {gs(g)} | {gs(pr)} |")
        rows.append([date, n, ITER[n], cell(g), cell(pr), rt, "wrong" if n in wrong else ("failed" if g in failed or pr in failed else "ok"),
                     " ".join(map(str, times.get(g, []))), " ".join(map(str, times.get(pr, []))),
                     (results.get(g) or results.get(pr) or [""])[0]])
    if ratios:
        lines += ["", f"Geometric mean guest/process: {math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}."]
    lines += ["", "**All times are emulated** (QEMU TCG, no KVM: the host has no nested VMX). Every guest instruction is "
              "translated by QEMU, roughly 10-50x slower than hardware and not uniformly so: memory accesses go "
              "through QEMU's soft TLB, page-table updates and hypercalls (Xen PV MMU operations, event channels, "
              "timers) and floating point are comparatively expensive, plain integer code comparatively cheap. The Xen "
              "clock runs at real time, so these µs include the emulation slowdown. Absolute numbers say nothing "
              "about real hardware; only the guest/process ratio within this run means something (same emulated "
              "CPU, same image, same program, same heap limit), and even it reflects emulated costs of the two "
              "platforms (Xen PV frames and hypercalls vs Linux mmap and syscalls), not hardware ones. "
              "GC share = GC µs (`%heap-stats` delta around the timed loop) / loop µs."]
    notes = [f"- {k[0]} {k[1]}: {e}" for k, e in failed.items()] + [f"- {n}: results differ between guest and process" for n in sorted(wrong)]
    if notes: lines += ["", "Notes:"] + notes
    md = "\n".join(lines) + "\n"
    print(md)
    os.makedirs(a.out, exist_ok=True)
    stem = os.path.join(a.out, f"lab-{date}")
    open(stem + ".md", "w").write(md)
    with open(stem + ".csv", "w", newline="") as f:
        w = csv.writer(f); w.writerow(["# " + machine + "; all times emulated (QEMU TCG)"])
        w.writerow(["date", "benchmark", "iterations", "xen_guest_us", "dom0_process_us", "ratio_guest_process",
                    "status", "guest_runs_us", "process_runs_us", "result"])
        w.writerows(rows)
    print("bench/lab: wrote", stem + ".md", stem + ".csv")

if __name__ == "__main__":
    main()
