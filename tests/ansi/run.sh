#!/usr/bin/env bash
# Why: runs the ANSI CL test suite (pfdietz/ansi-test, pinned at 6e3f7000) through its own
# harness (gclload1.lsp + rt.lsp, as doit.lsp does) chapter by chapter, each chapter in
# its own LispVm process, with a per-test time limit (a watchdog sends SIGINT: the test
# ends with interactive-interrupt and counts as failed) and a per-chapter timeout. When
# a process dies, the chapter goes on in a new process after the test that was running.
# Writes a per-chapter pass/total table (Markdown). The denominator is the suite's whole
# count per chapter (chapters.txt): a test not defined, hung or crashed counts as failed.
#
# Usage: tests/ansi/run.sh [options] PATH [CHAPTER...]
#   PATH            a checkout of pfdietz/ansi-test (its files are never changed here,
#                   except the .fasl files its harness writes, as with any implementation)
#   --lisp CMD      the LispVm to run (default: the hosted build's lispvm); the image
#                   works too: --lisp artifacts/lispvm.elf
#   --test-limit S  seconds per test (default 10)
#   --chapter-limit S  seconds per chapter process (default 900)
#   --out DIR       logs and the table (default /tmp/ansi-results)
#   --table FILE    also copy the table to FILE
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lisp="$root/src/LispVm.Hosted/bin/Release/net10.0/lispvm"
test_limit=10
chapter_limit=900
out=/tmp/ansi-results
table_copy=""
suite=""
chapters=()
while [ $# -gt 0 ]; do
  case "$1" in
    --lisp) lisp="$2"; shift 2 ;;
    --test-limit) test_limit="$2"; shift 2 ;;
    --chapter-limit) chapter_limit="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --table) table_copy="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) if [ -z "$suite" ]; then suite="$1"; else chapters+=("$1"); fi; shift ;;
  esac
done
[ -n "$suite" ] || { echo "usage: $0 [options] PATH [CHAPTER...]" >&2; exit 2; }
suite="$(cd "$suite" && pwd)" || exit 2
[ -f "$suite/gclload1.lsp" ] && [ -f "$suite/rt.lsp" ] || { echo "$suite: not an ansi-test checkout" >&2; exit 2; }
case "$lisp" in /*) ;; *) lisp="$PWD/$lisp" ;; esac   # the chapters run in the suite dir
[ -x "$lisp" ] || { echo "$lisp: not executable (build first)" >&2; exit 2; }
mkdir -p "$out"

# chapter -> suite total
declare -A total
order=()
while read -r name n; do
  case "$name" in ''|\#*) continue ;; esac
  total[$name]=$n; order+=("$name")
done < "$here/chapters.txt"
[ ${#chapters[@]} -gt 0 ] || chapters=("${order[@]}")

# Runs one process from test index $2; appends to $log. Returns when the process ends.
run_process() {
  local chapter="$1" start="$2" log="$3"
  local drv="$out/$chapter.start$start.lisp"
  {
    printf '(defparameter cl-user::*ansi-suite* "%s/")\n' "$suite"
    printf '(defparameter cl-user::*ansi-chapter* "%s")\n' "$chapter"
    printf '(defparameter cl-user::*ansi-start* %d)\n' "$start"
    cat "$here/driver.lisp"
  } > "$drv"
  # Both builds read the forms from stdin (the REPL without prompts), in the suite dir.
  # Not through LOAD: its CONTINUE restart (skip a form) would be visible to the tests.
  ( cd "$suite" && exec timeout -s KILL "$chapter_limit" "$lisp" < "$drv" >> "$log" 2>&1 ) &
  local pid=$!
  # Watchdog: SIGINT when the same test has been running for test_limit seconds.
  local last="" since=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    local cur
    cur="$(grep -a '^;ANSI-\(BEGIN\|END\)' "$log" | tail -1)"
    if [ "$cur" != "$last" ]; then last="$cur"; since=$SECONDS
    elif [[ "$cur" == ";ANSI-BEGIN"* ]] && [ $((SECONDS - since)) -ge "$test_limit" ]; then
      # $pid is `timeout` (the subshell exec'd it); the lisp is its child
      pkill -INT -P "$pid" 2>/dev/null || true
      since=$SECONDS
    fi
  done
  wait "$pid" 2>/dev/null
}

results="$out/results.md"
{
  echo "| chapter | passed | defined | suite total | pass rate |"
  echo "|---|---:|---:|---:|---:|"
} > "$results.rows"
sum_pass=0; sum_total=0; sum_defined=0
n=${#chapters[@]}; i=0
for chapter in "${chapters[@]}"; do
  i=$((i + 1))
  log="$out/$chapter.log"; : > "$log"
  start=0; restarts=0
  # ENSURE-DIRECTORIES-EXIST.8 creates sandbox/scratch/foo.txt and asserts at its start
  # that it is not there: the suite's own makefile removes it between runs.
  [ "$chapter" = files ] && rm -rf "$suite/sandbox/scratch"
  printf '[%d/%d] %s ... ' "$i" "$n" "$chapter"
  t0=$SECONDS
  while :; do
    run_process "$chapter" "$start" "$log"
    grep -aq '^;ANSI-DONE' "$log" && break
    # The process died or timed out: go on after the test that was running.
    lastbegin="$(grep -a '^;ANSI-BEGIN' "$log" | tail -1 | awk '{print $2}')"
    [ -n "$lastbegin" ] || break                   # died before the tests started
    restarts=$((restarts + 1))
    [ "$restarts" -le 20 ] || break
    echo ";ANSI-END $lastbegin CRASH" >> "$log"
    start=$((lastbegin + 1))
  done
  pass="$(grep -a '^;ANSI-END [0-9]* PASS' "$log" | awk '{print $2}' | sort -u | wc -l)"
  defined="$(grep -a '^;ANSI-DEFINED' "$log" | head -1 | awk '{print $2}')"; defined=${defined:-0}
  tot=${total[$chapter]:-$defined}
  note=""
  grep -aq '^;ANSI-DONE' "$log" || note=" (process did not finish)"
  [ "$restarts" -gt 0 ] && note="$note ($restarts restarts)"
  echo "$pass/$tot (${defined} defined, $((SECONDS - t0)) s)$note"
  pct="$(awk -v p="$pass" -v t="$tot" 'BEGIN { printf "%.1f%%", (t ? 100 * p / t : 0) }')"
  echo "| $chapter$note | $pass | $defined | $tot | $pct |" >> "$results.rows"
  sum_pass=$((sum_pass + pass)); sum_total=$((sum_total + tot)); sum_defined=$((sum_defined + defined))
done
pct="$(awk -v p="$sum_pass" -v t="$sum_total" 'BEGIN { printf "%.1f%%", (t ? 100 * p / t : 0) }')"
{
  echo "ANSI test suite (pfdietz/ansi-test $(git -C "$suite" rev-parse --short HEAD 2>/dev/null || echo 6e3f7000)), $(date -u +%Y-%m-%d), $(basename "$lisp"), per-test limit ${test_limit} s"
  echo
  cat "$results.rows"
  echo "| **total** | **$sum_pass** | $sum_defined | **$sum_total** | **$pct** |"
} > "$results"
rm -f "$results.rows"
echo "total: $sum_pass/$sum_total ($pct)"
[ -n "$table_copy" ] && cp "$results" "$table_copy"
exit 0
