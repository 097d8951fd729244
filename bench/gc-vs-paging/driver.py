#!/usr/bin/env python3
"""Why: the host half of bench/gc-vs-paging (issue 18). It states the run matrix, builds the
bundle (bundle.py), boots the lab once per swap-device setting (lab/run.sh --script: one
emulated machine, one run at a time), streams progress, and keeps every row it gets, so a
failed run or boot still leaves the others' results. Then CSV, plots (plot.py) and tables.

Calibration: the same image runs a CPU-bound workload natively here and as a Dom0 process
with no memory pressure; the ratio is TCG's slowdown S. The swap drive is then throttled to
a reference device scaled by S (REF_IOPS/S, REF_BPS/S), so paging costs what it would cost
a CPU S times faster, and the process arms run again on the throttled drive.
"""
import argparse, base64, datetime, io, os, statistics, subprocess, sys, tarfile, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import bundle  # noqa: E402

# The reference device for the throttled runs: a SATA SSD under 4 KiB random I/O.
REF_DEVICE = "SATA SSD, 4 KiB random: 20,000 IOPS, 200 MB/s"
REF_IOPS, REF_BPS = 20000, 200_000_000
GUEST_EXTRA_MB = bundle.GUEST_EXTRA_MB
CAL_WORKLOAD = "boyer"       # CPU-bound, small live set: the calibration
COLUMNS = ("id,throttle,arm,workload,mem_mb,dyn_mb,rep,status,wall_ms,work_ms,gc_ms,gc_count,max_pause_us,"
           "p99_pause_us,majflt,pswpin,pswpout,oom_kill,frames_returned,frames_populated,result").split(",")
PROC_ARMS = ("proc-machine", "proc-cgroup", "sbcl-machine", "sbcl-cgroup", "clisp")
ALL_ARMS = ("proc-machine", "proc-cgroup", "guest", "sbcl-machine", "sbcl-cgroup", "clisp")


def say(*a):
    print(*a, flush=True)


SWEPT = ("churn", "gcbench")             # live data to press on: every level
SMALL = ("boyer", "deriv", "destructive")  # small live sets: allocation rate, one level (3x)
CORE_ARMS = ("proc-machine", "proc-cgroup", "guest")   # the comparison the experiment is for
PEER_LEVELS = (1.5, 3)                   # SBCL and CLISP on the swept workloads: for context
PAGING_ARMS = ("proc-machine", "proc-cgroup", "sbcl-machine")  # what the throttled boot reruns


def matrix_full(levels, reps, timeout, throttled):
    """Rows of `id arm workload mem rep timeout [dyn dynat]`. Unthrottled: the core arms at
    every level for the swept workloads, the peers at PEER_LEVELS; every arm at 3x for the
    small ones; `reps` repeats of the core arms at the 2x and 3x levels of churn; a dynamic
    run per world for churn and gcbench at 4x -> 2x (at `auto`: a third of the workload's
    expected time, so the memory shrinks while it runs); calibration runs first. Throttled: the
    arms that page, below 3x. `timeout` 0 is `auto` (dom0.sh scales it by the slowdown).
    Sized so the whole command takes under an hour on an idle 2-core machine (about 100 runs
    of 10-40 s under TCG)."""
    rows, n = [], 0
    to = "auto" if timeout == 0 else str(timeout)
    def add(arm, w, mem, rep, dyn=None, at=None):
        nonlocal n
        n += 1
        extra = "" if dyn is None else " %d %s" % (dyn, at)
        rows.append("%s%d %s %s %d %d %s%s" % ("t" if throttled else "u", n, arm, w, mem, rep, to, extra))
    if not throttled:
        for r in range(1, 4):
            add("proc-machine", CAL_WORKLOAD, 900, 100 + r)     # calibration: no pressure
    for w in SWEPT + SMALL:
        l = bundle.live_mb("full", w)
        for k in (levels if w in SWEPT else (3,)):
            if throttled:
                arms = PAGING_ARMS if (k < 3 and w in SWEPT) else ()
            elif w in SMALL:
                arms = ALL_ARMS
            else:
                arms = ALL_ARMS if k in PEER_LEVELS else CORE_ARMS
            for arm in arms:
                mem = int(round(k * l)) + (GUEST_EXTRA_MB if arm == "guest" else 0)
                add(arm, w, mem, 1)
                if not throttled and w == "churn" and k in (2, 3) and arm in CORE_ARMS:
                    for r in range(2, reps + 1):
                        add(arm, w, mem, r)
        if not throttled and w in SWEPT:
            for arm in CORE_ARMS:
                g = GUEST_EXTRA_MB if arm == "guest" else 0
                add(arm, w, 4 * l + g, 1, 2 * l + g, "auto")
    return "# id arm workload mem_mb rep timeout_s [dyn_mb dyn_at_s]\n" + "\n".join(rows) + "\n"


def self_extracting(bundle_dir, label):
    """A bash script for lab/run.sh --script carrying the bundle (tar.gz, base64) with it.
    Unpacked on Dom0's disk (/var/tmp), not in tmpfs, so it takes no RAM from the runs."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        t.add(bundle_dir, arcname="gcvp")
    b64 = base64.b64encode(buf.getvalue()).decode()
    return ("#!/bin/bash\nset -u\nrm -rf /var/tmp/gcvp && mkdir -p /var/tmp\n"
            "base64 -d <<'EOF' | tar xz -C /var/tmp || exit 1\n%s\nEOF\n"
            "exec bash /var/tmp/gcvp/dom0.sh /var/tmp/gcvp /var/tmp/gcvp/matrix %s\n" % (b64, label))


def lab_run(bundle_dir, label, throttle, timeout_s, log):
    """One lab boot: yields the lines Dom0 prints (progress is echoed as it comes)."""
    script = tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False)
    script.write(self_extracting(bundle_dir, label)); script.close()
    env = dict(os.environ)
    if throttle:
        env["LISPVM_LAB_SWAP_THROTTLE"] = throttle
    else:
        env.pop("LISPVM_LAB_SWAP_THROTTLE", None)
    cmd = ["bash", os.path.join(ROOT, "lab", "run.sh"), os.path.join(bundle_dir, "lispvm.elf"),
           "--script", script.name, "--timeout", str(timeout_s)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                         errors="replace")
    lines = []
    for line in p.stdout:
        line = line.rstrip("\r\n")
        log.write(line + "\n"); log.flush()
        lines.append(line)
        if line.startswith("@@PROGRESS") or line.startswith("@@INFO") or line.startswith("@@DONE"):
            say("  [%s] %s" % (label, line.split(" ", 1)[1]))
        elif line.startswith("@@ROW"):
            f = line[6:].split(",")
            # The host's load at the end of each run: another job on the host slows the
            # emulated machine unevenly (the guest arm most: run 3's finding), so it is kept.
            load = os.getloadavg()[0]
            log.write("@@HOSTLOAD %s %.2f\n" % (f[0], load))
            lines.append("@@HOSTLOAD %s %.2f" % (f[0], load))
            say("    -> %s %s %s MiB: %s %s ms (host load %.1f)" % (f[2], f[3], f[4], f[7], f[8], load))
        elif line.startswith("lab/run.sh:"):
            say("  " + line)
    rc = p.wait()
    os.unlink(script.name)
    return rc, lines


def rows_of(lines):
    rows = []
    for line in lines:
        if line.startswith("@@ROW "):
            vals = line[6:].split(",", len(COLUMNS) - 1)
            vals += [""] * (len(COLUMNS) - len(vals))
            rows.append(dict(zip(COLUMNS, vals)))
    return rows


def native_ms(bundle_dir, workload, reps=1):
    """A workload natively (the same image as a process, no cgroup): median wall ms."""
    src = os.path.join(bundle_dir, "run-%s-lispvm.lisp" % workload)
    times = []
    for _ in range(reps):
        t0 = time.monotonic()
        out = subprocess.run([os.path.join(bundle_dir, "lispvm.elf"), "debugger=off"], input='(load "%s")\n' % src,
                             capture_output=True, text=True, errors="replace", timeout=600).stdout
        if "RESULT ok" not in out:
            sys.exit("driver: the %s workload failed natively:\n%s" % (workload, out[-800:]))
        times.append((time.monotonic() - t0) * 1000)
    return statistics.median(times)


def host_calibration(bundle_dir):
    """The CPU-bound calibration workload natively (median of 3), and every workload once:
    written to the bundle's native_ms, from which dom0.sh scales each run's timeout."""
    cal = native_ms(bundle_dir, CAL_WORKLOAD, 3)
    with open(os.path.join(bundle_dir, "native_ms"), "w") as f:
        f.write("cal %d\n" % cal)
        for w in bundle.SIZES["full"]:
            f.write("%s %d\n" % (w, cal if w == CAL_WORKLOAD else native_ms(bundle_dir, w)))
    return cal


def write_csv(path, rows):
    with open(path, "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(r.get(c, "") for c in COLUMNS) + "\n")


def write_ts(path, lines):
    with open(path, "w") as f:
        f.write("id,t_ms,mem_kib,swap_kib,event\n")
        for line in lines:
            if line.startswith("@@TS "):
                p = line.split()
                if len(p) >= 5 and p[3] == "mem-set":
                    f.write("%s,%s,,,mem-set %s\n" % (p[1], p[2], p[4]))
                elif len(p) >= 5:
                    f.write("%s,%s,%s,%s,\n" % (p[1], p[2], p[3], p[4]))


EXPLAIN = (("churn", 2), ("boyer", 3), ("deriv", 3))   # guests under 64 MiB: one nursery size
EXPLAIN_ARMS = ("guest", "proc-guestheap", "proc-cgroup", "guest-xlpoll")


def matrix_explain(reps):
    """Why is the guest slower without paging? For each point: the guest, then the image as a
    process with the guest's own heap limit (proc-guestheap: dom0.sh takes it from the guest
    run just before), then proc-cgroup, then the guest with the harness polling `xl list`
    every 0.5 s as the first full runs did (guest-xlpoll), interleaved `reps` times. All these
    guests are under 64 MiB, so guest and process get the same 2 MiB nursery
    (KernelLisp.NurseryFor)."""
    rows, n = [], 0
    for w, k in EXPLAIN:
        l = bundle.live_mb("full", w)
        for r in range(1, reps + 1):
            for arm in EXPLAIN_ARMS:
                n += 1
                # proc-guestheap gets the guest's whole M as memory.max: it must not page.
                mem = int(round(k * l)) + (GUEST_EXTRA_MB if arm != "proc-cgroup" else 0)
                rows.append("x%d %s %s %d %d 180" % (n, arm, w, mem, r))
    return "# id arm workload mem_mb rep timeout_s\n" + "\n".join(rows) + "\n"


def explain(args):
    """--explain: the guest against the same image with the guest's heap (see matrix_explain);
    rows to gc-vs-paging-STAMP-explain.csv, the whole STATS lines in its log."""
    stamp = (args.stamp or datetime.date.today().isoformat()) + "-explain"
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        b = os.path.join(d, "gcvp")
        m = matrix_explain(args.reps)
        bundle.build(b, args.image, "full", m)
        n = m.count("\nx")
        say("gc-vs-paging --explain: %d runs (%s; %d repeats)" % (
            n, ", ".join("%s %gx" % p for p in EXPLAIN), args.reps))
        with open(os.path.join(args.out, "gc-vs-paging-%s.log" % stamp), "w") as log:
            rc, lines = lab_run(b, "explain", None, 120 + n * 200, log)
    rows = rows_of(lines)
    write_csv(os.path.join(args.out, "gc-vs-paging-%s.csv" % stamp), rows)
    say("gc-vs-paging --explain: %d of %d rows (lab rc %d)" % (len(rows), n, rc))
    subprocess.run([sys.executable, os.path.join(HERE, "report.py"), "--explain", args.out, stamp])
    return 0 if rc == 0 and len(rows) == n else 1


def quick(args):
    """CI's check, standalone: every arm completes with a right result."""
    with tempfile.TemporaryDirectory() as d:
        b = os.path.join(d, "gcvp")
        bundle.build(b, args.image, "quick", bundle.quick_matrix())
        with open(os.path.join(d, "lab.log"), "w") as log:
            rc, lines = lab_run(b, "quick", None, 600, log)
    rows = rows_of(lines)
    bad = [r for r in rows if r["status"] != "ok"]
    for r in rows:
        say("%-12s %-6s %4s MiB%-8s %-18s %8s ms  gc %s ms, max pause %s us" % (
            r["arm"], r["workload"], r["mem_mb"], (" ->" + r["dyn_mb"]) if r["dyn_mb"] else "",
            r["status"], r["wall_ms"], r["gc_ms"], r["max_pause_us"]))
    n = bundle.quick_matrix().count("\nq")
    if rc != 0 or len(rows) != n or bad:
        say("gc-vs-paging --quick: FAILED (lab rc %d, %d of %d rows, %d not ok)" % (rc, len(rows), n, len(bad)))
        return 1
    say("gc-vs-paging --quick: all %d runs completed with right results" % n)
    return 0


def full(args):
    stamp = args.stamp or datetime.date.today().isoformat()
    out = args.out
    os.makedirs(out, exist_ok=True)
    levels = [float(x) for x in args.levels.split(",")]
    t_start = time.monotonic()
    all_rows, all_lines = [], []
    with tempfile.TemporaryDirectory() as d:
        b = os.path.join(d, "gcvp")
        m_u = matrix_full(levels, args.reps, args.timeout, False)
        bundle.build(b, args.image, "full", m_u)
        n_u = m_u.count("\nu")
        say("gc-vs-paging: %d unthrottled runs (%s at levels %s x live; %s at 3x; %d repeats at 2x/3x of churn)" % (
            n_u, ", ".join(SWEPT), args.levels, ", ".join(SMALL), args.reps))
        host_ms = host_calibration(b)
        say("calibration: the CPU-bound workload natively here: %.0f ms (median of 3)" % host_ms)
        log = open(os.path.join(out, "gc-vs-paging-%s.log" % stamp), "w")
        per_run = args.timeout or 400
        rc, lines = lab_run(b, "none", None, 120 + n_u * (per_run + 15), log)
        all_lines += lines
        rows = rows_of(lines)
        all_rows += rows
        cal = [int(r["wall_ms"]) for r in rows if r["rep"].startswith("10") and r["status"] == "ok"]
        slowdown = statistics.median(cal) / host_ms if cal else None
        meta = {"host_cal_ms": "%.0f" % host_ms, "lab_cal_ms": ",".join(map(str, cal)),
                "slowdown": "%.1f" % slowdown if slowdown else "na", "ref_device": REF_DEVICE}
        if slowdown and not args.no_throttle:
            iops, bps = max(1, int(REF_IOPS / slowdown)), max(4096, int(REF_BPS / slowdown))
            thr = "iops-total=%d,bps-total=%d" % (iops, bps)
            meta["throttle"] = thr
            say("calibration: TCG slowdown %.1fx; throttled swap drive: %s" % (slowdown, thr))
            with open(os.path.join(b, "native_ms"), "a") as f:   # auto timeouts from the first boot's slowdown
                f.write("slow10 %d\n" % int(slowdown * 10))
            m_t = matrix_full(levels, args.reps, args.timeout, True)
            with open(os.path.join(b, "matrix"), "w") as f:
                f.write(m_t)
            n_t = m_t.count("\nt")
            say("gc-vs-paging: %d throttled runs" % n_t)
            rc2, lines2 = lab_run(b, "ssd-scaled", thr, 120 + n_t * (per_run + 15), log)
            all_lines += lines2
            all_rows += rows_of(lines2)
        log.close()
    loads = [float(l.split()[2]) for l in all_lines if l.startswith("@@HOSTLOAD ")]
    if loads:
        meta["host_load"] = "1-min load average of the host at the end of each run: median %.2f, max %.2f" % (
            statistics.median(loads), max(loads))
    csv = os.path.join(out, "gc-vs-paging-%s.csv" % stamp)
    write_csv(csv, all_rows)
    write_ts(os.path.join(out, "gc-vs-paging-%s-timeseries.csv" % stamp), all_lines)
    with open(os.path.join(out, "gc-vs-paging-%s-meta.txt" % stamp), "w") as f:
        for k, v in meta.items():
            f.write("%s=%s\n" % (k, v))
        for line in all_lines:
            if line.startswith("@@INFO"):
                f.write("info=%s\n" % line[7:])
    say("gc-vs-paging: %d rows in %s (%.0f min)" % (len(all_rows), csv, (time.monotonic() - t_start) / 60))
    subprocess.run([sys.executable, os.path.join(HERE, "report.py"), out, stamp])
    return 0


def main():
    ap = argparse.ArgumentParser(description="GC-vs-paging experiments in the Xen lab (issue 18).")
    ap.add_argument("--quick", action="store_true", help="every arm once, small (< 5 min): the CI check")
    ap.add_argument("--image", default=os.path.join(ROOT, "artifacts", "lispvm.elf"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--levels", default="1,1.5,2,3,4", help="memory levels, multiples of the live size")
    ap.add_argument("--reps", type=int, default=3, help="repeats at the 2x and 3x levels (churn)")
    ap.add_argument("--timeout", type=int, default=0,
                    help="seconds per run; 0 (default): auto, 4x (6x dynamic) the workload's native time "
                         "times the measured TCG slowdown, + 30 s, within 60-400 s")
    ap.add_argument("--stamp", help="the results' file name stamp (default: today's date)")
    ap.add_argument("--no-throttle", action="store_true", help="skip the throttled-swap boot")
    ap.add_argument("--explain", action="store_true",
                    help="the guest vs the same image as a process with the guest's heap limit (one lab boot)")
    a = ap.parse_args()
    if not os.path.isfile(a.image):
        sys.exit("gc-vs-paging: %s missing; build it with build/kernel.sh --all" % a.image)
    sys.exit(quick(a) if a.quick else explain(a) if a.explain else full(a))


if __name__ == "__main__":
    main()
