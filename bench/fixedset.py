"""Why: issue 19's goal is stated over a FIXED set — cl-bench's Gabriel entries plus every other
entry point of its tests.lisp — so which entries belong to it, which form the library-bound
group and how an entry's result is checked are defined here, once, for bench.py's fixed-set
mode (fixed.py), pair.py and lab.py."""
import os, re

# The library-bound group: entries whose time is mostly in the implementation's library
# (written in C in CLISP), not in compiled Lisp code. Reported apart AND kept in the
# whole-set mean. One reason per family.
LIBRARY_BOUND = {
    # bignum and ratio arithmetic: CLISP's is C/assembly (its "arilev" digit loops)
    "bignum": ["bignum/elem-100-1000", "bignum/elem-1000-100", "bignum/elem-10000-1",
               "bignum/pari-100-10", "bignum/pari-200-5", "bignum/pari-1000-1",
               "pi-decimal/small", "pi-decimal/big", "pi-atan", "pi-ratios",
               "fib-ratio", "factorial", "run-frpoly/bignum", "crc40"],
    # strings, bit vectors and sequence functions: FILL/REPLACE/SEARCH/NSTRING-UPCASE/BIT-XOR/
    # FIND/POSITION and string output streams are C in CLISP
    "strings": ["bench-strings", "fill-strings/adjust", "string-concat", "search-sequence", "bitvectors"],
    # hash tables: GETHASH/SXHASH are C in CLISP
    "hashing": ["hash-strings", "hash-integers"],
    # streams and the printer: READ-LINE, PRINT/PPRINT are C in CLISP
    "streams": ["slurp-lines", "fprint/ugly", "fprint/pretty"],
}
LIBRARY = {n: fam for fam, ns in LIBRARY_BOUND.items() for n in ns}
LIBRARY_REASON = ("library-bound: the time is mostly in the implementation's library, C in CLISP "
                  "(bignums/ratios, strings/sequences/bit vectors, hash tables, streams/printer)")

# How a result is checked against SBCL's, where printing it and comparing is wrong:
# COMPILE-FILE returns the fasl's pathname (.fas in CLISP, .fasl in SBCL, ...) and LOAD
# returns T or the truename, both implementation-specific. These must only be non-NIL.
CHECK_NON_NIL = {"compiler": "the fasl's pathname is implementation-specific",
                 "load-fasl": "LOAD's true value is implementation-specific (T or a pathname)"}

# Entries timed and shown but kept out of the geometric means, because LispVm does not yet do
# the work the entry measures (issue 19: "measured once those land"). Review when it does.
NOT_IN_MEANS = {"compiler": "LispVm's COMPILE-FILE is interim: it copies the source text "
                            "(src/LispVm.Eval/lisp/76-files.lisp), so its time is not a compiler's"}

# Results that no other implementation can reproduce, checked for their range instead:
# run-mrg32k3a returns 3 x the last of a million (RANDOM 1d0) (gen-ran), and RANDOM's
# sequence is implementation-specific, so it must be a float in [0, 3).
CHECK_RANGE = {"mrg32k3a": (0.0, 3.0, "RANDOM's sequence is implementation-specific (gen-ran calls "
                                      "(random 1d0)): a float in [0, 3)")}

# tests.lisp entries behind a feature cl-bench leaves off by default (`#+slow-tests`):
# listed in the fixed set only with --slow-tests.
def slow_entries(tests_text):
    return {m.group(1).lower() for m in re.finditer(r"#\+slow-tests\s*\(defbench\s+(\S+)", tests_text)}

def check_result(name, got, ref, same):
    """True when `got` (printed result) is correct against SBCL's `ref`."""
    if name in CHECK_NON_NIL:
        return got.strip().upper() not in ("NIL", "")
    if name in CHECK_RANGE:
        lo, hi, _ = CHECK_RANGE[name]
        try: return lo <= float(re.sub("[dD]", "e", got.strip())) < hi
        except ValueError: return False
    if ref.startswith("#<"):
        # an unreadable object (clos-defclass/-defmethod return a method): its printed form is
        # implementation-specific (identity, qualifiers, package prefixes), so compare its type
        word = lambda x: re.sub(r"^[^\s:>]*::?", "", (x[2:].split() or [""])[0]).upper()
        return got.startswith("#<") and word(got) == word(ref)
    return same(got, ref)

def entries(root, bench, slow=False):
    """The fixed set for a cl-bench checkout: (name, kind, path) tuples as bench.make_file takes
    them, Gabriel first (tests.lisp's :runs are not used: every entry is scaled to CLISP's time)."""
    gab = os.path.join(root, "files", "gabriel.lisp")
    tests = os.path.join(root, "tests.lisp")
    for p, what in ((root, "directory"), (gab, "files/gabriel.lisp"), (tests, "tests.lisp")):
        if not os.path.exists(p):
            raise SystemExit(f"bench: cl-bench {what} not found at {p}: fetch cl-bench "
                             "(git clone of clasp-developers/cl-bench, or an archive of it) and pass its directory")
    out = [(e, "gabriel", gab) for e in bench.GABRIEL]
    skip = set() if slow else slow_entries(open(tests).read())
    out += [b for b in bench.clbench_entries(root) if b[0] not in skip]
    return out, sorted(skip)
