#!/bin/sh
# Why: issue 15's check that cl-bench's files/clos.lisp runs unmodified and gives SBCL's
# results, with the time per run of its eight CLOS entries (the runs of cl-bench's
# tests.lisp) in LispVm and SBCL side by side. The file itself is never in this repository.
# Usage: bench/clos/cl-bench-clos.sh PATH-TO-CL-BENCH [--quick] [--lisp CMD]
#   --quick   one run per entry instead of tests.lisp's counts
#   --lisp    the LispVm to run (default: the hosted build's lispvm; a .elf image gets the
#             program on stdin)
# Exit 1 when a result differs from SBCL's (or SBCL is missing and nothing is compared).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { sed -n '2,9p' "$0"; exit 2; }
bench=$(cd "$1" && pwd); shift
quick=0
lisp="$root/src/LispVm.Hosted/bin/Release/net10.0/lispvm"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --lisp) lisp="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$bench/files/clos.lisp" ] || { echo "$bench/files/clos.lisp: not found" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# entry runs (cl-bench tests.lisp)
cat > "$out/driver.lisp" <<LISP
(load "$bench/files/clos.lisp")
(defun %bench-entry (name fn runs)
  (let ((t0 (get-internal-real-time)) (r nil))
    (dotimes (i (if (= $quick 1) 1 runs)) (setq r (funcall fn)))
    (format t "TIME ~A ~,4F~%" name
            (/ (- (get-internal-real-time) t0) internal-time-units-per-second 1.0 (if (= $quick 1) 1 runs)))
    (format t "RESULT ~A ~A~%" name
            (let ((s (let ((*print-pretty* nil)) (prin1-to-string r))))
              (if (and (> (length s) 1) (string= (subseq s 0 2) "#<")) "#<object>" s)))))
(%bench-entry "CLOS/defclass" 'cl-bench.clos:run-defclass 2)
(%bench-entry "CLOS/defmethod" 'cl-bench.clos:run-defmethod 10)
(%bench-entry "CLOS/instantiate" 'cl-bench.clos:make-instances 4)
(%bench-entry "CLOS/simple-instantiate" 'cl-bench.clos:make-instances/simple 100)
(%bench-entry "CLOS/methodcalls" 'cl-bench.clos:methodcalls/simple 5)
(%bench-entry "CLOS/method+after" 'cl-bench.clos:methodcalls/simple+after 5)
(%bench-entry "CLOS/complex-methods" 'cl-bench.clos:methodcalls/complex 5)
(%bench-entry "eql-specialized-fib" 'cl-bench.clos:run-eql-fib 5)
(dotimes (w 5)
  (let ((x (aref cl-bench.clos::*instances* w)))
    (format t "RESULT probe-~D ~S ~S ~S~%" w (type-of x)
            (cl-bench.clos::simple-method x 3) (cl-bench.clos::complex-method x 3))))
LISP
echo "LispVm: $lisp"
case "$lisp" in   # the kernel image (a .elf run as a Linux process) reads the program on stdin
  *.elf) "$lisp" < "$out/driver.lisp" 2>&1 | sed 's/^\(\* \)*//' > "$out/lispvm.txt" || true ;;   # less the prompts
  *) "$lisp" "$out/driver.lisp" > "$out/lispvm.txt" 2>&1 || true ;;
esac
if command -v sbcl >/dev/null 2>&1; then
  sbcl --noinform --non-interactive --load "$out/driver.lisp" > "$out/sbcl.txt" 2>&1 || true
else
  echo "sbcl not installed: nothing to compare with" >&2; : > "$out/sbcl.txt"
fi
fail=0
printf '%-26s %12s %12s %8s  %s\n' entry "lispvm s/run" "sbcl s/run" ratio result
for name in $(grep '^TIME ' "$out/lispvm.txt" "$out/sbcl.txt" -h | awk '{print $2}' | awk '!seen[$0]++'); do
  tl=$(awk -v n="$name" '$1=="TIME" && $2==n {print $3}' "$out/lispvm.txt")
  ts=$(awk -v n="$name" '$1=="TIME" && $2==n {print $3}' "$out/sbcl.txt")
  rl=$(awk -v n="$name" '$1=="RESULT" && $2==n {$1="";$2=""; print}' "$out/lispvm.txt" | sed 's/[A-Z.-]*:://g')
  rs=$(awk -v n="$name" '$1=="RESULT" && $2==n {$1="";$2=""; print}' "$out/sbcl.txt" | sed 's/[A-Z.-]*:://g')
  ok=same; [ "$rl" = "$rs" ] || { ok="DIFFERS (lispvm:$rl sbcl:$rs)"; fail=1; }
  ratio=$(awk -v a="${tl:-0}" -v b="${ts:-0}" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
  printf '%-26s %12s %12s %8s  %s\n' "$name" "${tl:--}" "${ts:--}" "$ratio" "$ok"
done
for p in 0 1 2 3 4; do
  rl=$(grep "^RESULT probe-$p " "$out/lispvm.txt" | sed 's/[A-Z.-]*:://g'); rs=$(grep "^RESULT probe-$p " "$out/sbcl.txt" | sed 's/[A-Z.-]*:://g')
  if [ -n "$rl" ] && [ "$rl" = "$rs" ]; then echo "probe-$p: same ($rl)"; else echo "probe-$p: DIFFERS lispvm: $rl | sbcl: $rs"; fail=1; fi
done
grep -q '^TIME' "$out/lispvm.txt" || { echo "LispVm output:"; tail -20 "$out/lispvm.txt"; fail=1; }
exit $fail
