#!/usr/bin/env bash
# Why: issue 13's "a subset without files runs in the guest": chapters of the ANSI test suite
# through the same harness and driver.lisp as run.sh, in a Xen PV guest of the lab (the suite's
# files in the guest's in-memory store from the ramdisk, the driver typed on its console),
# next to the same chapters in the image as a Linux process (run.sh --lisp), so the two
# counts can be compared. One Dom0 boot per chapter (lab/run.sh). There is no per-test
# watchdog in the guest: pick chapters that do not hang (the default ones); a chapter that
# does is stopped by the lab's timeout and its count stops there.
#
# Usage: tests/ansi/run-guest.sh [--memory MB] [--timeout S] [--out DIR] [--table FILE] PATH [CHAPTER...]
#   PATH       a checkout of pfdietz/ansi-test (never changed: the guest gets a copy)
#   CHAPTER    default: characters hash-tables cons symbols
#   --memory   guest memory, MiB (default 256)   --timeout  seconds per chapter (default 2400)
#   --out DIR  logs and table (default /tmp/ansi-guest)   --table FILE  copy the table there
# Needs root (the lab) and artifacts/lispvm.elf (build/kernel.sh --all).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mem=256 limit=2400 out=/tmp/ansi-guest table_copy="" suite="" chapters=()
while [ $# -gt 0 ]; do
  case "$1" in
    --memory) mem="$2"; shift 2 ;;
    --timeout) limit="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --table) table_copy="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "run-guest.sh: unknown option $1" >&2; exit 2 ;;
    *) if [ -z "$suite" ]; then suite="$1"; else chapters+=("$1"); fi; shift ;;
  esac
done
[ -n "$suite" ] || { echo "usage: $0 [options] PATH [CHAPTER...]" >&2; exit 2; }
suite="$(cd "$suite" && pwd)" || exit 2
[ -f "$suite/gclload1.lsp" ] || { echo "$suite: not an ansi-test checkout" >&2; exit 2; }
img="$root/artifacts/lispvm.elf"
[ -x "$img" ] || { echo "run-guest.sh: $img missing; build it with build/kernel.sh --all" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run-guest.sh: the Xen lab needs root" >&2; exit 2; }
[ ${#chapters[@]} -gt 0 ] || chapters=(characters hash-tables cons symbols)
declare -A total
while read -r name n; do case "$name" in ''|\#*) ;; *) total[$name]=$n ;; esac; done < "$here/chapters.txt"
for c in "${chapters[@]}"; do
  [ -n "${total[$c]:-}" ] || { echo "run-guest.sh: unknown chapter $c (see chapters.txt)" >&2; exit 2; }
done
mkdir -p "$out"

# The guest's files: the suite without fasls (the harness compiles into the store).
files="$out/files"
rm -rf "$files"; mkdir -p "$files"
(cd "$suite" && find . -type f ! -name '*.fasl' ! -path './.git/*' | cpio -pdm --quiet "$files") || exit 1

# Linux side first (seconds), for the comparison.
echo "run-guest.sh: the image as a Linux process: ${chapters[*]}" >&2
bash "$here/run.sh" --lisp "$img" --out "$out/linux" "$suite" "${chapters[@]}" >/dev/null 2>&1

count() { grep -a -c "^;ANSI-END [0-9]* $2 " "$1" 2>/dev/null || true; }
rows=()
for c in "${chapters[@]}"; do
  drv="$out/$c.driver.lisp"
  # Paths relative to the store (its root); comment lines would only echo.
  { printf '(defparameter cl-user::*ansi-suite* "")\n(defparameter cl-user::*ansi-chapter* "%s")\n(defparameter cl-user::*ansi-start* 0)\n' "$c"
    grep -v '^ *;' "$here/driver.lisp"; } > "$drv"
  log="$out/$c.guest.log"
  echo "run-guest.sh: $c in a $mem MiB guest (limit $limit s)" >&2
  start=$SECONDS
  timeout $((limit + 300)) "$root/lab/run.sh" "$img" --memory "$mem" --extra "debugger=off" \
    --files "$files" --timeout "$limit" < "$drv" 2>&1 | tr -d '\r' > "$log"
  secs=$((SECONDS - start))
  gp=$(count "$log" PASS); gf=$(count "$log" FAIL)
  done_mark=$(grep -a -c '^;ANSI-DONE' "$log" || true)
  lp=$(grep -a -c '^;ANSI-END [0-9]* PASS ' "$out/linux/$c.log" 2>/dev/null || echo 0)
  status=$([ "$done_mark" -ge 1 ] && echo "ran to the end" || echo "stopped early")
  echo "run-guest.sh: $c: guest $gp passed, $gf failed ($status, $secs s); Linux image $lp passed" >&2
  rows+=("| $c | $gp | $lp | ${total[$c]} | $status, $secs s |")
done

table="$out/table.md"
{
  echo "# ANSI suite chapters in the Xen guest, $(date -u +%F)"
  echo
  echo "\`tests/ansi/run-guest.sh\` at $(git -C "$root" rev-parse --short HEAD 2>/dev/null): the suite's harness"
  echo "(gclload1.lsp, rt.lsp) and tests/ansi/driver.lisp typed on the console of a $mem MiB PV guest"
  echo "in the lab (Xen 4.17 under QEMU TCG), the suite's files in the guest's in-memory store;"
  echo "next to it the same image as a Linux process (tests/ansi/run.sh --lisp artifacts/lispvm.elf)."
  echo
  echo "| chapter | guest passed | Linux image passed | suite total | guest run |"
  echo "|---|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
} > "$table"
cat "$table"
[ -n "$table_copy" ] && cp "$table" "$table_copy"
exit 0
