#!/bin/bash
# Dom0 side of bench/balloon.sh (run by `lab/run.sh --script`). Why: issue 12's balloon
# cycle, repeated: mem-set 200 -> 150 MB of live vectors -> drop them -> mem-set 48, with the
# time each grow and shrink took (from the mem-set until `xl list` shows the domain there)
# and the frames the guest says it owns after each shrink (they must not creep: no leak).
# A small vector kept alive the whole time must keep its checksum.
# CYCLES is substituted by bench/balloon.sh. Output: "cycle N grow S shrink S owned F ...".
S=/mnt/share
CYCLES=@CYCLES@
xl create -p $S/guest.cfg >/tmp/xl.log 2>&1 || { cat /tmp/xl.log; exit 1; }
ID=$(xl domid lab-guest); TTY=$(xenstore-read /local/domain/$ID/console/tty)
exec 4<$TTY
xl unpause $ID

send() { printf '%s\r' "$1" >$TTY; }
# Reads guest lines until one equals $1 (or contains it with $2 = sub); prints the line.
expect() {
  local l
  while IFS= read -r -t 300 l <&4; do
    l=${l%$'\r'}
    case "$l" in *"Balloon: "*|*"Heap exhausted"*|PANIC*) echo "  guest: $l" >&2;; esac
    if [ "${2:-}" = sub ]; then case "$l" in *"$1"*) echo "$l"; return 0;; esac
    elif [ "$l" = "$1" ]; then return 0; fi
  done
  echo "timeout waiting for '$1'" >&2; return 1
}
mib() { xl list $ID 2>/dev/null | awk 'NR==2 {print $3}'; }
now() { date +%s.%N; }
# Polls `xl list` until the domain's MiB satisfies "$1 $2" (-ge/-le); fails at 60 s.
waitmem() {
  local t0=$(now) m
  while :; do
    m=$(mib); [ -n "$m" ] && [ "$m" "$1" "$2" ] && break
    [ "$(awk "BEGIN { print ($(now) - $t0 > 60) }")" = 1 ] && { echo "no convergence: $m MiB, wanted $1 $2" >&2; return 1; }
    sleep 0.2
  done
  awk "BEGIN { printf \"%.2f\", $(now) - $t0 }"
}
fail() { echo "FAIL: $*"; xl destroy $ID 2>/dev/null; exit 1; }

expect "LispVm" sub >/dev/null || fail "no banner"
send "(defparameter *keep* (make-array 100000 :initial-element 7))"; expect "*KEEP*" || fail keep
echo "start: $(mib) MiB"
for c in $(seq 1 $CYCLES); do
  xl mem-set lab-guest 200
  grow=$(waitmem -ge 190) || fail "grow, cycle $c"
  send "(defparameter *big* (let ((l nil)) (dotimes (i 143) (push (make-array 131072 :initial-element i) l)) l))"
  expect "*BIG*" || fail "150 MB of vectors, cycle $c"
  send "(progn (setq *big* nil) (reduce (function +) *keep*))"
  expect "700000" || fail "checksum, cycle $c"
  xl mem-set lab-guest 48
  shrink=$(waitmem -le 49) || fail "shrink, cycle $c"
  send "(room)"
  line=$(expect "Balloon: " sub) || fail "room, cycle $c"
  owned=$(echo "$line" | sed -n 's/.*owns \([0-9,]*\) frames.*/\1/p')
  echo "cycle $c grow ${grow}s shrink ${shrink}s owned $owned xl $(mib) MiB :: ${line%$'\r'}"
done
send "(+ 40 2)"; expect "42" || fail "REPL after the cycles"
send "(quit)"
i=0; while xl list $ID >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.3; i=$((i+1)); done
xl list $ID >/dev/null 2>&1 && xl destroy $ID
echo "done: $CYCLES cycles"
