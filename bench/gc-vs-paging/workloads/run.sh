#!/bin/bash
# Why: one workload run in one Lisp, the way the GC-vs-paging harness (issue 18) runs it:
# a prologue of parameters, the implementation's glue (impl-*.lisp), common.lisp and the
# workload, as one file. Prints the run's output (RESULT and STATS lines); exit 0 when the
# workload printed "RESULT ok", 1 otherwise (wrong, crashed, killed).
#   run.sh IMPL WORKLOAD [name=value ...]
#   IMPL: image (artifacts/lispvm.elf as a Linux process), hosted (dotnet lispvm), sbcl, clisp
#   WORKLOAD: gcbench churn boyer deriv destructive
#   name=value: (defparameter *name* value), e.g. scale=0.1 live-mb=128
# Extra arguments for the Lisp itself: LISPVM_ARGS (image and hosted, e.g.
# "heap-policy=cgroup" or "--heap-limit=900"), SBCL_ARGS (e.g. "--dynamic-space-size 900MB").
# The assembled file is kept as $KEEP when that is set.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
[ $# -ge 2 ] || { sed -n 5,13p "$0" | sed 's/^# \{0,1\}//'; exit 2; }
impl=$1 workload=$2; shift 2
[ -f "$here/$workload.lisp" ] || { echo "run.sh: no workload $workload" >&2; exit 2; }
case $impl in image|hosted) glue=lispvm ;; sbcl|clisp) glue=$impl ;;
  *) echo "run.sh: unknown implementation $impl" >&2; exit 2 ;; esac
file=${KEEP:-$(mktemp /tmp/gcvp-XXXXXX.lisp)}
{
  for kv in "$@"; do echo "(defparameter *${kv%%=*}* ${kv#*=})"; done
  cat "$here/impl-$glue.lisp" "$here/common.lisp" "$here/$workload.lisp"
} > "$file"
out=$(mktemp /tmp/gcvp-XXXXXX.out)
case $impl in
  image)  echo "(load \"$file\")" | "${LISPVM_IMAGE:-$root/artifacts/lispvm.elf}" ${LISPVM_ARGS:-} debugger=off > "$out" 2>&1 ;;
  hosted) "${LISPVM_HOSTED:-$root/src/LispVm.Hosted/bin/Release/net10.0/lispvm}" ${LISPVM_ARGS:-} "$file" > "$out" 2>&1 ;;
  sbcl)   sbcl ${SBCL_ARGS:-} --script "$file" > "$out" 2>&1 ;;
  clisp)  clisp -q -C "$file" > "$out" 2>&1 ;;   # -C: compile each function as it loads
esac
rc=$?
cat "$out"
[ -n "${KEEP:-}" ] || rm -f "$file"
if grep -q '^RESULT ok' "$out"; then rm -f "$out"; exit 0; fi
rm -f "$out"
echo "run.sh: $impl $workload failed (exit $rc)" >&2
exit 1
