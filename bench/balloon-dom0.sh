#!/bin/bash
# Why: the Dom0 half of bench/balloon.sh (run by lab/run.sh --script): one guest
# (memory=64, maxmem=256), N cycles of `xl mem-set 200` -> build 150 MB of live strings ->
# drop them -> `xl mem-set 48`, timing each grow and shrink from Dom0 (xl list) and reading
# the frames the guest owns from (room)'s Balloon line after every shrink. Prints one line
# per cycle and a verdict: frames owned must come back to the same count (no leak).
# The guest's console is its xenconsoled pty: read by a cat in the background, written
# with printf (raw pty: the guest echoes and ends lines with CR LF).
set -u
N=${BALLOON_CYCLES:-20}
OUT=/tmp/balloon-console
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
mem() { xl list "$ID" 2>/dev/null | awk 'NR==2 {print $3}'; }
# wait_for REGEX SECONDS: until the console (since the mark) matches.
MARK=0
wait_for() {
  local end=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -le "$end" ]; do
    tail -c +$((MARK + 1)) "$OUT" | tr -d '\r' | grep -Eq "$1" && { MARK=$(stat -c %s "$OUT"); return 0; }
    sleep 0.2
  done
  echo "balloon: no /$1/ on the guest console within $2 s; console tail:"; tail -c 600 "$OUT" | tr -d '\r'; exit 1
}
send() { MARK=$(stat -c %s "$OUT"); printf '%s\r' "$1" > "$TTY"; }
wait_mem() { # PRED-EXPR SECONDS -> prints elapsed ms
  local t0; t0=$(now_ms)
  while :; do
    local m; m=$(mem)
    if [ -n "$m" ] && [ "$m" $1 ]; then echo $(( $(now_ms) - t0 )); return 0; fi
    [ $(( $(now_ms) - t0 )) -gt $(( $2 * 1000 )) ] && { echo "timeout (xl list $m MiB)"; return 1; }
    sleep 0.3
  done
}

sed -i 's/^memory = .*/memory = 64/; s/^maxmem = .*/maxmem = 256/' /mnt/share/guest.cfg
xl create -p /mnt/share/guest.cfg >/tmp/create.log 2>&1 || { cat /tmp/create.log; exit 1; }
ID=$(xl domid lab-guest)
TTY=$(xenstore-read /local/domain/$ID/console/tty)
: > "$OUT"; cat "$TTY" > "$OUT" & CAT=$!
trap 'kill $CAT 2>/dev/null; xl destroy $ID 2>/dev/null' EXIT
xl unpause "$ID"
wait_for '^\* ' 120
send "(defvar *big* nil)"; wait_for '^\* ' 30
send "(defun fill-mib (n) (setq *big* nil) (dotimes (i n (length *big*)) (push (make-string 1048576 :initial-element (code-char (+ 65 (mod i 26)))) *big*)))"; wait_for '^\* ' 30
echo "cycle  grow-ms  fill-ms  shrink-ms  xl-list-MiB  frames-owned  returned  populated"
first=""; worst=0
for i in $(seq 1 "$N"); do
  xl mem-set "$ID" 200
  grow=$(wait_mem "-ge 190" 60) || { echo "cycle $i: grow $grow"; exit 1; }
  t0=$(now_ms); send "(fill-mib 143)"; wait_for '^143$' 300; fill=$(( $(now_ms) - t0 ))
  send "(progn (setq *big* nil) 0)"; wait_for '^0$' 60
  xl mem-set "$ID" 48
  shrink=$(wait_mem "-le 49" 60) || { echo "cycle $i: shrink $shrink"; exit 1; }
  send "(room)"; wait_for 'populated so far' 30
  line=$(tail -c 4000 "$OUT" | tr -d '\r' | grep 'Balloon:' | tail -1)
  owned=$(sed -E 's/.*owns ([0-9,]+) frames.*/\1/' <<<"$line" | tr -d ,)
  ret=$(sed -E 's/.*; ([0-9,]+) returned.*/\1/' <<<"$line" | tr -d ,)
  pop=$(sed -E 's/.*, ([0-9,]+) populated.*/\1/' <<<"$line" | tr -d ,)
  printf '%5d  %7s  %7s  %9s  %11s  %12s  %8s  %9s\n' "$i" "$grow" "$fill" "$shrink" "$(mem)" "$owned" "$ret" "$pop"
  [ -n "$first" ] || first=$owned
  d=$(( owned > first ? owned - first : first - owned )); [ $d -gt $worst ] && worst=$d
done
echo "frames owned after each shrink: first $first, largest difference $worst frames"
[ "$worst" -le 16 ] && echo "balloon: no leak over $N cycles" || { echo "balloon: LEAK: frames owned drift by $worst"; exit 1; }
