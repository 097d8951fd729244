"""Why: the fixed-set run's report (md + PNG) is built from its CSV rows alone, so a resumed or
merged run (--resume, --report CSV, --lab-csv) gives the same report as an uninterrupted one.
Ratios are to CLISP; where CLISP fails, to SBCL (said so). Issue 19's figures: geometric means
image/CLISP and hosted/CLISP over the fixed set, the library-bound group apart, the entries
above 1.0 and 1.2, max and p99 GC pause per benchmark, peak RSS."""
import csv, math, os, statistics
import bench, fixedset

LABEL = {"lispvm": "hosted", "image": "image", "clisp": "CLISP", "ecl": "ECL", "sb-eval": "sb-eval",
         "sbcl": "SBCL", "image-base": "image-base"}

def geo(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None

def fmt(x, d=2):
    return "-" if x is None else f"{x:.{d}f}"

def load_lab(path):
    """bench/lab.py's CSV: benchmark -> guest/process ratio (str) and status."""
    if not path: return {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(x for x in f if not x.lstrip('"').startswith("#")))   # lab.py's csv module quotes it
    return {r["benchmark"]: (r["ratio_guest_process"] or r["status"]) for r in rows}

def write(stem, rows, systems, a, notes, subset=False):
    R = {(r["benchmark"], r["system"]): r for r in rows}
    names = list(dict.fromkeys(r["benchmark"] for r in rows))
    group = {r["benchmark"]: r["group"] for r in rows}
    med = {k: float(r["median_us"]) for k, r in R.items() if r["status"] == "ok" and r["median_us"]}
    lab = load_lab(getattr(a, "lab_csv", None))
    def ratio(s, n):
        """(system time / CLISP's, "clisp") or, where CLISP has no correct time, / SBCL's."""
        if s == "clisp" or (n, s) not in med or med[(n, s)] <= 0: return None, None   # 0: below the system's clock tick
        if R.get((n, "clisp"), {}).get("status") == "ok":
            return (med[(n, s)] / med[(n, "clisp")], "clisp") if (n, "clisp") in med else (None, None)
        if s != "sbcl" and med.get((n, "sbcl")): return med[(n, s)] / med[(n, "sbcl")], "sbcl"
        return None, None
    others = [s for s in systems if s != "clisp"]
    fixed = [n for n in names if group[n] != "own"]
    own = [n for n in names if group[n] == "own"]
    date = stem.rsplit("bench-", 1)[-1]
    L = [f"# LispVm against CLISP over cl-bench's fixed set, {date}" + (" (quick)" if a.quick else ""), "",
         f"Machine: {bench.machine_line()}.", "",
         f"Method (bench/run.sh, fixed-set mode): the fixed set is cl-bench's Gabriel entries and every entry "
         f"point of its tests.lisp, files unmodified. Per benchmark ONE iteration count, chosen so CLISP's "
         f"timed loop (compile-file'd) takes >= {a.target * 1000:.0f} ms (where CLISP fails: the image's loop; "
         f"the `basis` column), used by every system unless one run would exceed {a.budget:.0f} s (then fewer, "
         f"`scaled` in the CSV; a peer — ECL, sb-eval, SBCL — whose single iteration exceeds it is timed once, by its check run). {a.reps} repetitions; in each, the systems run one after another in a fresh "
         f"random order (paired). Median µs per iteration, timed inside each system by bench/harness.lisp. "
         f"Ratio = system / CLISP (< 1: faster than CLISP); where CLISP fails, system / SBCL, marked `S`. "
         f"Results are checked against SBCL native. Pauses: the image's and hosted's GC pauses during the "
         f"timed loop (GC-STATS after GC-STATS-RESET: the engine's pause histogram, percentiles within 12.5%), max and p99 of the worst repetition, in ms; `no GC`: no collection in the loop.", ""]
    if subset:
        L += ["**Subset** (`--only`): the means below are over these entries only, not the fixed set.", ""]
    # --- summary
    L += ["## Summary", ""]
    ng = sum(1 for n in fixed if n in bench.GABRIEL)
    L.append(f"- Fixed set{' (this subset)' if subset else ''}: {len(fixed)} entries, {ng} Gabriel + {len(fixed) - ng} "
             f"other tests.lisp entries; {sum(1 for n in fixed if group[n].startswith('library'))} library-bound.")
    for s in others:
        allr = [ratio(s, n) for n in fixed]
        cl = [(n, x) for n, (x, ref) in zip(fixed, allr) if ref == "clisp" and n not in fixedset.NOT_IN_MEANS]
        if not cl: continue
        lib = [x for n, x in cl if group[n].startswith("library")]
        core = [x for n, x in cl if not group[n].startswith("library")]
        goal = {"image": " (goal ≤ 0.5)", "lispvm": " (goal ≤ 0.6)"}.get(s, "")
        L.append(f"- **{LABEL[s]}/CLISP** geometric mean **{fmt(geo([x for _, x in cl]))}**{goal} over {len(cl)} entries "
                 f"correct in both; library-bound group {fmt(geo(lib))} ({len(lib)}), the rest {fmt(geo(core))} ({len(core)}).")
        if s in ("image", "lispvm"):
            o1 = sorted([(x, n) for n, x in cl if x > 1.0], reverse=True)
            o12 = [(x, n) for x, n in o1 if x > 1.2]
            L.append(f"  - above 1.0: {len(o1)}" + (": " + ", ".join(f"{n} {x:.2f}" for x, n in o1) if o1 else "") + "; "
                     f"above 1.2: {len(o12)}" + (": " + ", ".join(n for _, n in o12) if o12 else "") + ".")
            sb = [(n, x) for n, (x, ref) in zip(fixed, allr) if ref == "sbcl"]
            if sb:
                L.append("  - where CLISP fails (compared with SBCL, result checked): " +
                         ", ".join(f"{n} {LABEL[s]}/SBCL {x:.2f}" for n, x in sb) + ".")
            bad = [n for n in fixed if R.get((n, s), {}).get("status") in ("failed", "wrong", "not-timed")]
            if bad:
                L.append(f"  - {LABEL[s]} failed or wrong ({len(bad)} of {len(fixed)}): " +
                         ", ".join(f"{n} ({R[(n, s)]['status']})" for n in bad) + " — reasons under Notes.")
    if lab:
        lx = [float(v) for n, v in lab.items() if n in group and v.replace(".", "", 1).isdigit()]
        L.append(f"- **Xen guest / Dom0 process** (bench/lab.py, the image under QEMU TCG): geometric mean "
                 f"**{fmt(geo(lx))}** over the {len(lx)} entries run in the lab.")
    cfail = [n for n in fixed if R.get((n, "clisp"), {}).get("status") not in ("ok", None)]
    if cfail: L.append(f"- CLISP fails or is wrong on: {', '.join(cfail)}.")
    L.append("")
    # --- tables
    def table(ns, title):
        hdr = (["benchmark", "group", "iterations (basis)", "CLISP µs"] +
               [f"{LABEL[s]} µs | {LABEL[s]}/CLISP" for s in others] +
               [f"{LABEL[s]} pause max / p99 ms" for s in ("image", "lispvm") if s in systems] +
               (["Xen guest / Dom0 process"] if lab else []))
        out = [f"## {title}", "", "| " + " | ".join(hdr) + " |"]
        out.append("|" + "---|" * len(" | ".join(hdr).split(" | ")))
        for n in ns:
            def cell(s):
                r = R.get((n, s))
                if not r: return "-"
                if r["status"] != "ok": return r["status"]
                return f"{float(r['median_us']):.0f}" if float(r["median_us"]) > 0 else "< tick"
            cnt = next((R[(n, s)]["iterations"] for s in systems if (n, s) in R and R[(n, s)]["iterations"]), "")
            basis = next((R[(n, s)]["basis"] for s in systems if (n, s) in R and R[(n, s)]["basis"]), "")
            cells = [n + (" †" if n in fixedset.NOT_IN_MEANS else ""), group[n].replace("library-", "lib: "), f"{cnt} ({LABEL.get(basis, basis)})" if cnt else "-", cell("clisp")]
            for s in others:
                x, ref = ratio(s, n)
                sc = " (scaled)" if R.get((n, s), {}).get("scaled") else ""
                cells.append(f"{cell(s)}{sc} | " + ("" if x is None else f"{x:.2f}" + (" S" if ref == "sbcl" else "")))
            for s in ("image", "lispvm"):
                if s not in systems: continue
                r = R.get((n, s), {})
                if r.get("max_pause_us") in (None, "") or r.get("status") != "ok": cells.append("-")
                elif int(r["pauses"] or 0) == 0: cells.append("no GC")
                else: cells.append(f"{int(r['max_pause_us']) / 1000:.1f} / {int(r['p99_pause_us']) / 1000:.1f}")
            if lab: cells.append(lab.get(n, "-"))
            out.append("| " + " | ".join(cells) + " |")
        return out + [""]
    L += table(fixed, "The fixed set")
    if own: L += table(own, "Our own programs (bench/programs; not in the means)")
    # --- memory
    L += ["## Peak RSS (MiB, VmHWM of the whole process, max over repetitions)", "",
          "| benchmark | " + " | ".join(LABEL[s] for s in systems) + " | image - CLISP |", "|---|" + "---|" * (len(systems) + 1)]
    for n in names:
        kb = {s: int(R[(n, s)]["peak_rss_kb"]) for s in systems if (n, s) in R and R[(n, s)]["peak_rss_kb"]}
        d = f"{(kb['image'] - kb['clisp']) / 1024:+.1f}" if "image" in kb and "clisp" in kb else "-"
        L.append(f"| {n} | " + " | ".join(f"{kb[s] / 1024:.1f}" if s in kb else "-" for s in systems) + f" | {d} |")
    L += ["", "## Notes", "",
          f"- Library-bound group ({fixedset.LIBRARY_REASON}): " +
          "; ".join(f"{fam}: {', '.join(ns)}" for fam, ns in fixedset.LIBRARY_BOUND.items()) + ".",
          "- † not in the means: " + "; ".join(f"{n}: {why}" for n, why in fixedset.NOT_IN_MEANS.items()) + ".",
          "- Results checked only for being non-NIL: " + "; ".join(f"{n} ({why})" for n, why in fixedset.CHECK_NON_NIL.items()) + "; "
          "for their range: " + "; ".join(f"{n} ({r[2]})" for n, r in fixedset.CHECK_RANGE.items()) + "; where SBCL's result is an "
          "unreadable object (#<...>: clos-defclass, clos-defmethod), by its type (the first word).",
          "- `hosted` = `dotnet lispvm.dll FILE`; `image` = artifacts/lispvm.elf as a Linux process (file on stdin); "
          "CLISP after compile-file; ECL loads source (bytecode); sb-eval = SBCL's interpreter; SBCL native compiles."]
    if lab:
        L.append(f"- Xen guest / Dom0 process: bench/lab.py's ratio (same image under QEMU TCG, {os.path.basename(a.lab_csv)}); "
                 "only entries run in the lab have one.")
    L += [f"- {x}" for x in notes]
    for n in names:
        for s in systems:
            r = R.get((n, s))
            if r and r["status"] != "ok": L.append(f"- {n} {LABEL[s]}: {r['status']}: {r['error'][:240]}")
            elif r and r["error"]: L.append(f"- {n} {LABEL[s]}: {r['error'][:240]}")
            elif r and r["scaled"].startswith("1 run"): L.append(f"- {n} {LABEL[s]}: one iteration exceeds the budget: timed once (its check run)")
            elif r and r["scaled"]: L.append(f"- {n} {LABEL[s]}: {r['iterations']} iterations (scaled to the budget)")
    md = "\n".join(L) + "\n"
    open(stem + ".md", "w").write(md)
    print(md)
    chart(stem + ".png", fixed + own, systems, R, ratio, date, notes)
    print("bench: wrote", stem + ".md", stem + ".csv", stem + ".png")

def chart(path, names, systems, R, ratio, date, notes):
    try:
        import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    except ImportError:
        notes.append("no PNG: matplotlib not importable (apt-get install python3-matplotlib)"); return
    others = [s for s in systems if s != "clisp"]
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(max(10, len(names) * 0.32), 10), sharex=True)
    w = 0.8 / max(1, len(others))
    for i, s in enumerate(others):
        pts = [(j, ratio(s, n)[0]) for j, n in enumerate(names)]
        pts = [(j, x) for j, x in pts if x]
        ax.bar([j + i * w for j, _ in pts], [x for _, x in pts], w, label=LABEL[s])
    for y, c in ((0.5, "green"), (1.0, "black"), (1.2, "red")): ax.axhline(y, color=c, lw=0.7, ls="--")
    ax.set_yscale("log"); ax.set_ylabel("time / CLISP's (log; < 1 faster)")
    ax.set_title(f"LispVm vs CLISP over cl-bench's fixed set, {date} (where CLISP fails: / SBCL)", fontsize=9)
    ax.legend(fontsize=7, ncol=len(others))
    for i, s in enumerate(("image", "lispvm")):
        if s not in systems: continue
        xs, mx, p99 = [], [], []
        for j, n in enumerate(names):
            r = R.get((n, s))
            if r and r["status"] == "ok" and r.get("max_pause_us") not in (None, "") and int(r["pauses"] or 0) > 0:
                xs.append(j + i * 0.4); mx.append(max(int(r["max_pause_us"]), 1) / 1000); p99.append(max(int(r["p99_pause_us"]), 1) / 1000)
        bx.bar(xs, mx, 0.4, label=f"{LABEL[s]} max pause", alpha=0.6)
        bx.plot(xs, p99, "v", label=f"{LABEL[s]} p99 pause")
    bx.set_yscale("log"); bx.set_ylabel("GC pause in the timed loop, ms (log; none: no GC)")
    bx.legend(fontsize=7, ncol=4)
    bx.set_xticks(range(len(names))); bx.set_xticklabels(names, rotation=90, fontsize=7)
    fig.tight_layout(); fig.savefig(path, dpi=90)
