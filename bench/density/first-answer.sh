#!/bin/bash
# Why: issue 20's boot figure stops at the prompt, and some start-up work (xenstore watches,
# the heap limit, *FEATURES*) runs after it, before the first input is read. This measures
# what that costs a user: for 10 sequential 16 MiB guests, (+ 1 2) is sent the moment the
# prompt appears (first answer), and (+ 2 3) 3 s later (warm answer); the difference is the
# deferred work. Dom0 side, bash builtins for polling (2 ms naps). Run from the repo:
#   sudo lab/run.sh artifacts/lispvm.elf --timeout 400 --script bench/density/first-answer.sh
set -u
cp /mnt/share/guest.elf /tmp/fa.elf
cat >/tmp/fa.cfg <<CFG
name = "fa"
type = "pv"
kernel = "/tmp/fa.elf"
memory = 16
maxmem = 16
vcpus = 1
extra = "LISPVM_BOOT_STATS=1"
on_poweroff = "destroy"
on_crash = "preserve"
CFG
rm -f /tmp/fa-nap; mkfifo /tmp/fa-nap; exec 7<>/tmp/fa-nap
nap() { read -r -t 0.002 -u 7 _; }
now_us() { REPLY=${EPOCHREALTIME/./}; }
slurp() { REPLY=$(<"$1"); }
waitfor() { # FILE REGEX LIMIT_S -> REPLY=us when seen or empty
  local t0 t; now_us; t0=$REPLY
  while :; do
    slurp "$1"; [[ $REPLY =~ $2 ]] && { now_us; return 0; }
    now_us; [ $(( REPLY - t0 )) -gt $(( $3 * 1000000 )) ] && { REPLY=""; return 1; }
    nap
  done
}
for i in $(seq 1 10); do
  xl destroy fa >/dev/null 2>&1
  xl create -q -p /tmp/fa.cfg >/dev/null 2>&1 || { echo "@@FA create failed"; continue; }
  dom=$(xl domid fa); tty=$(xenstore-read /local/domain/$dom/console/tty)
  : >/tmp/fa.out; cat $tty >/tmp/fa.out & cat=$!
  xl unpause $dom
  waitfor /tmp/fa.out $'boot ([0-9]+) ms[^\n]*\n\\* ' 30 || { echo "@@FA $i no prompt"; kill $cat; continue; }
  tp=$REPLY; [[ $(</tmp/fa.out) =~ boot\ ([0-9]+)\ ms ]]; gb=${BASH_REMATCH[1]}
  printf '(+ 1 2)\r' >$tty
  waitfor /tmp/fa.out $'\n3\r?\n' 30; ta=$REPLY
  read -r -t 3 -u 7 _
  now_us; tw0=$REPLY; printf '(+ 2 3)\r' >$tty
  waitfor /tmp/fa.out $'\n5\r?\n' 30; tw=$REPLY
  echo "@@FA guest $i boot_ms $gb first_answer_ms $(( (ta - tp) / 1000 )) warm_answer_ms $(( (tw - tw0) / 1000 ))"
  kill $cat 2>/dev/null; xl destroy $dom >/dev/null 2>&1
done
