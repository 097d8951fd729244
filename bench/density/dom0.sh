#!/bin/bash
# Why: the Dom0 half of issue 20's density bench: in ONE Dom0 boot create N REPL guests of
# MEM MiB one after the other (xl's lock serialises creation anyway), wait for each one's
# prompt, then ask every guest `(+ 1 2)` on its own console, print boot, memory and idle-CPU
# figures, shut them all down and check they are gone. Bounded: a total time limit, per-step
# limits; a guest that fails is counted, never stops the run. Consoles are read from
# xenconsoled's per-guest logs (restarted with --log=guest if needed), input is written to
# each guest's pty. A fork costs tens of ms in this PV Dom0 under TCG: the loops below use
# bash builtins only (EPOCHREALTIME, read, printf, a fifo read -t for sleeping).
#   dom0.sh IMAGE [N] [LIMIT_S] [MEM_MB]      (defaults 100, 900, 16)
# Output: `@@` lines (PROGRESS, GUEST, FIG, ROOM, RESULT) and a last line
# `DENSITY OK ...` (exit 0) or `DENSITY FAIL ...` (exit 1).
set -u
IMG=${1:?image}; N=${2:-100}; LIMIT=${3:-900}; MEM=${4:-16}
PFX=dens                     # guest names dens001 ... (the lab's other guests never use it)
LOGDIR=/var/log/xen/console
PROMPT_LIMIT=60              # s from the end of xl create to the prompt, per guest
ANSWER_LIMIT=120             # s for all guests to answer
GONE_LIMIT=180               # s for all guests to be gone after xl shutdown (+3 s a guest past 20: set below)

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd     # the lab's devtmpfs has none: bash's <(...) needs it
now_ms() { local t=${EPOCHREALTIME/./}; REPLY=$(( t / 1000 )); }
now_ms; T0=$REPLY
elapsed() { now_ms; REPLY=$(( (REPLY - T0) / 1000 )); }
rm -f /tmp/density.fifo; mkfifo /tmp/density.fifo; exec {SLEEPFD}<>/tmp/density.fifo
snooze() { read -r -t "$1" -u $SLEEPFD _; }        # sleep without a fork
slurp() { REPLY=""; IFS= read -r -d '' REPLY <"$1" 2>/dev/null; }   # a whole file, no fork
name_of() { printf -v REPLY '%s%03d' $PFX "$1"; }
kv() { # FILE KEY: the number after "KEY:" (or "KEY :") in FILE, in REPLY
  local k v; REPLY=0
  while read -r k v _; do [ "${k%:}" = "$2" ] && { REPLY=$v; return; }; done <"$1"
}
xl_free() { # xl info's free_memory (MiB) in REPLY
  local k c v; REPLY=?
  while read -r k c v; do [ "$k" = free_memory ] && REPLY=$v; done < <(xl info 2>/dev/null)
}
median_max() { # numbers on stdin -> "median M max X" (median of the sorted list)
  sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "median - max -"; exit}
    m = (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2); print "median", m, "max", a[NR]}'
}
procs_mem() { # COMM...: "count C rss R KiB pss P KiB" over the processes with that comm
  local d c n=0 rss=0 pss=0 k v want=" $* "
  for d in /proc/[0-9]*; do
    read -r c 2>/dev/null <"$d/comm" || continue
    [[ $want == *" $c "* ]] || continue
    n=$((n + 1))
    while read -r k v _; do
      case $k in Rss:) rss=$((rss + v));; Pss:) pss=$((pss + v));; esac
    done 2>/dev/null <"$d/smaps_rollup"
  done
  REPLY="count $n rss $rss KiB pss $pss KiB"
}
dom0_avail() { kv /proc/meminfo MemAvailable; REPLY=$((REPLY / 1024)); }
fail=0
say() { echo "$@"; }

# --- xenconsoled must keep a log per guest (the lab's agent already runs it that way) -------
pid=$(cat /run/xenconsoled.pid 2>/dev/null)
if ! tr '\0' ' ' <"/proc/${pid:-0}/cmdline" 2>/dev/null | grep -q -- --log=guest; then
  mkdir -p $LOGDIR
  start-stop-daemon --stop --quiet --retry=TERM/5/KILL/2 --pidfile /run/xenconsoled.pid --name xenconsoled
  "$(/usr/lib/xen-common/bin/xen-dir)"/bin/xenconsoled --log=guest --log-dir=$LOGDIR --pid-file /run/xenconsoled.pid \
    || { say "DENSITY FAIL cannot start xenconsoled --log=guest"; exit 1; }
fi
for i in $(seq 1 "$N"); do name_of "$i"; xl destroy "$REPLY" >/dev/null 2>&1; rm -f "$LOGDIR/guest-$REPLY.log"; done 2>/dev/null

# The image from Dom0's memory, not over 9p for every xl create (3 MiB, read once).
cp "$IMG" /tmp/density.elf || { say "DENSITY FAIL cannot copy $IMG"; exit 1; }
cat >/tmp/density.cfg <<EOF
name = "${PFX}000"
type = "pv"
kernel = "/tmp/density.elf"
memory = $MEM
maxmem = $MEM
vcpus = 1
extra = "LISPVM_BOOT_STATS=1"
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "preserve"
EOF

xl_free; FREE0=$REPLY
dom0_avail; AVAIL0=$REPLY
procs_mem xl; XL0=$REPLY
procs_mem xenstored oxenstored xenconsoled; DAEMONS0=$REPLY
say "@@FIG before: xl free_memory $FREE0 MiB, dom0 MemAvailable $AVAIL0 MiB, xl processes: $XL0, xenstored+xenconsoled: $DAEMONS0"
say "@@PROGRESS creating $N guests of $MEM MiB (limit ${LIMIT} s in all, ${PROMPT_LIMIT} s per guest to its prompt)"

# --- create and boot, one at a time ---------------------------------------------------------
declare -a CREATE AFTER PROMPT GBOOT OKBOOT
booted=0 created=0
for i in $(seq 1 "$N"); do
  elapsed; if [ $REPLY -ge $LIMIT ]; then say "@@PROGRESS time limit reached after $created guests"; fail=1; break; fi
  name_of "$i"; nm=$REPLY; log=$LOGDIR/guest-$nm.log
  now_ms; t0=$REPLY
  # No -p + xl unpause: a second xl process costs seconds on a loaded host, and the issue's
  # figure is xl create -> prompt. The guest runs from the end of xl create.
  if ! xl create -q /tmp/density.cfg "name=\"$nm\"" >/tmp/density-create.log 2>&1; then
    say "@@GUEST $nm create-failed: $(tr '\n' ' ' </tmp/density-create.log)"; fail=1
    xl_free; say "@@PROGRESS xl free_memory now $REPLY MiB; stopping creation"; break
  fi
  now_ms; t1=$REPLY; CREATE[$i]=$((t1 - t0)); created=$i
  st=timeout
  while :; do
    slurp "$log"
    if [[ $REPLY =~ boot\ ([0-9]+)\ ms ]] && [[ $REPLY == *$'\n* '* ]]; then
      now_ms; PROMPT[$i]=$((REPLY - t0)); AFTER[$i]=$((REPLY - t1)); GBOOT[$i]=${BASH_REMATCH[1]}; st=ok; break
    fi
    now_ms; [ $((REPLY - t1)) -ge $((PROMPT_LIMIT * 1000)) ] && break
    snooze 0.05
  done
  if [ $st = ok ]; then
    OKBOOT[$i]=1; booted=$((booted + 1))
    say "@@GUEST $nm create_ms ${CREATE[$i]} create_to_prompt_ms ${PROMPT[$i]} after_create_ms ${AFTER[$i]} guest_boot_ms ${GBOOT[$i]}"
    # The guest's own phases (LISPVM_BOOT_STATS=1 on its extra= line), first 10 guests only.
    [ "$i" -le 10 ] && slurp "$log"
    if [ "$i" -le 10 ] && [[ $REPLY =~ phases\ \(us\):\ ([^$'\r\n']*) ]]; then say "@@PHASES $nm ${BASH_REMATCH[1]}"; fi
  else
    fail=1
    slurp "$log"; say "@@GUEST $nm create_ms ${CREATE[$i]} no-prompt ${PROMPT_LIMIT} s after xl create; console: $(printf %s "$REPLY" | tr -d '\r' | tail -3 | tr '\n' '|')"
  fi
  if [ $((i % 10)) = 0 ]; then elapsed; say "@@PROGRESS $i of $N created, $booted at their prompt (elapsed $REPLY s)"; fi
done
elapsed; CREATE_S=$REPLY
say "@@PROGRESS $created created, $booted booted in $CREATE_S s"

# --- who is who: domid and pty of every guest (one xl list, one xenstore-read each) ---------
declare -A DOMID
while read -r nm id _; do [[ $nm == $PFX[0-9]* ]] && DOMID[$nm]=$id; done < <(xl list 2>/dev/null)

# --- every guest answers (+ 1 2) on its own console -----------------------------------------
say "@@PROGRESS asking every guest (+ 1 2)"
declare -a TTY
for i in $(seq 1 "$created"); do
  name_of "$i"; id=${DOMID[$REPLY]:-}
  [ -n "$id" ] && TTY[$i]=$(xenstore-read /local/domain/$id/console/tty 2>/dev/null)
done
now_ms; ta=$REPLY
for i in $(seq 1 "$created"); do
  [ -n "${TTY[$i]:-}" ] && printf '(+ 1 2)\r' >"${TTY[$i]}"
done
declare -a ANS
answered=0
while :; do
  for i in $(seq 1 "$created"); do
    [ -n "${ANS[$i]:-}" ] && continue
    name_of "$i"; slurp "$LOGDIR/guest-$REPLY.log"
    if [[ $REPLY == *$'(+ 1 2)\r\n3\r\n'* ]]; then now_ms; ANS[$i]=$((REPLY - ta)); answered=$((answered + 1)); fi
  done
  now_ms; [ $answered -ge "$created" ] || [ $((REPLY - ta)) -ge $((ANSWER_LIMIT * 1000)) ] && break
  snooze 0.2
done
now_ms; say "@@RESULT answered $answered of $N with 3 (all within $((REPLY - ta)) ms of sending)"
[ "$answered" = "$N" ] || fail=1
for i in $(seq 1 "$created"); do
  [ -n "${ANS[$i]:-}" ] && continue
  name_of "$i"; nm=$REPLY; slurp "$LOGDIR/guest-$nm.log"
  say "@@GUEST $nm no-answer (domid ${DOMID[$nm]:-?}, tty ${TTY[$i]:-?}); console: $(printf %s "$REPLY" | tr -d '\r' | tail -3 | tr '\n' '|')"
done

# --- (room) of a sample: the first and the last guest ---------------------------------------
for i in 1 "$created"; do
  [ -n "${TTY[$i]:-}" ] || continue
  name_of "$i"; nm=$REPLY; log=$LOGDIR/guest-$nm.log
  slurp "$log"; before=${#REPLY}
  printf '(room)\r' >"${TTY[$i]}"
  for _ in $(seq 1 50); do slurp "$log"; [[ ${REPLY:$before} == *$'\n* '* ]] && break; snooze 0.1; done
  printf '%s' "${REPLY:$before}" | tr -d '\r' | grep -v '^\* *$' | sed "s/^/@@ROOM $nm: /"
done

# --- memory and idle CPU with every guest up -------------------------------------------------
xl_free; FREE1=$REPLY
dom0_avail; AVAIL1=$REPLY
procs_mem xl; XL1=$REPLY
procs_mem xenstored oxenstored xenconsoled; DAEMONS1=$REPLY
say "@@FIG after: xl free_memory $FREE1 MiB, dom0 MemAvailable $AVAIL1 MiB, xl processes: $XL1, xenstored+xenconsoled: $DAEMONS1"
if [ "$created" -gt 0 ] && [ "$FREE0" != ? ] && [ "$FREE1" != ? ]; then
  used=$((FREE0 - FREE1))
  say "@@FIG xen memory: $used MiB for $created guests = $((used * 1024 / created)) KiB per guest (memory=$MEM MiB: $(( (used * 1024 / created) - MEM * 1024 )) KiB of Xen overhead each)"
  say "@@FIG dom0 memory: MemAvailable fell $((AVAIL0 - AVAIL1)) MiB = $(( (AVAIL0 - AVAIL1) * 1024 / created )) KiB per guest"
fi
xl list 2>/dev/null | awk -v p="^$PFX" '$1 ~ p {n++; m+=$3} END {printf "@@FIG xl list: %d guests, %d MiB in all\n", n, m}'
# CPU time Xen charged to the guests over 10 s of idling (xl list's Time(s) column).
cpu_sum() { REPLY=$(xl list 2>/dev/null | awk -v p="^$PFX" '$1 ~ p {s+=$6} END {printf "%.1f", s}'); }
cpu_sum; c0=$REPLY; now_ms; w0=$REPLY
read -r _ u0 n0 s0 i0 _ </proc/stat
snooze 20
cpu_sum; c1=$REPLY; now_ms; w1=$REPLY
read -r _ u1 n1 s1 i1 _ </proc/stat
say "@@FIG idle: the $created guests at their prompt used $(awk -v a=$c0 -v b=$c1 'BEGIN{printf "%.2f", b-a}') s of CPU in $(( (w1 - w0) / 1000 )) s of wall time (xl list Time(s): $c0 -> $c1); dom0 busy $(( (u1 + n1 + s1 - u0 - n0 - s0) )) of $(( (u1 + n1 + s1 + i1 - u0 - n0 - s0 - i0) )) jiffies"

# --- shut everything down and check it is gone ----------------------------------------------
# `xl shutdown` of a PV guest writes "poweroff" to its control/shutdown; one xl process costs
# ~7 s here under load (concurrent ones were seen to abort), so the first guest gets the real
# xl shutdown and the others the same request in one xenstore-write (one fork for all).
say "@@PROGRESS shutting down all $created guests (xl shutdown ${PFX}001, control/shutdown=poweroff for the rest)"
now_ms; ts=$REPLY
keys=()
for i in $(seq 1 "$created"); do
  name_of "$i"; id=${DOMID[$REPLY]:-}
  [ "$i" = 1 ] && { xl shutdown "$REPLY" >/dev/null 2>&1 || say "@@PROGRESS xl shutdown $REPLY failed"; continue; }
  [ -n "$id" ] && keys+=("/local/domain/$id/control/shutdown" poweroff)
done
[ ${#keys[@]} -gt 0 ] && { xenstore-write "${keys[@]}" || say "@@PROGRESS xenstore-write failed"; }
# A guest that powered off is in state 's' until its xl monitor destroys it (on_poweroff).
# Their monitors destroy them one at a time (xl's lock; 1-3 s each under TCG). Once every
# guest left has been in that state and none went for STUCK_S, their monitors are taken to be
# gone (CI saw one xl die with "malloc(): unsorted double linked list corrupted", a lab
# fault since fixed in lab/qemu.sh, eager FPU): we destroy them ourselves and say so below.
STUCK_S=30
[ "$created" -gt 20 ] && GONE_LIMIT=$((GONE_LIMIT + 3 * (created - 20)))
left=-1 stuck=0 stuck_since=0 reaped="" last_left=-1
while :; do
  read -r left stuck < <(xl list 2>/dev/null | awk -v p="^$PFX" '$1 ~ p {n++; if ($5 ~ /s/) s++} END {print n+0, s+0}')
  now_ms
  [ "$left" != "$last_left" ] && { stuck_since=0; last_left=$left; }    # progress: the monitors work
  if [ "$left" != 0 ] && [ "$left" = "$stuck" ]; then
    [ $stuck_since = 0 ] && stuck_since=$REPLY
    if [ $((REPLY - stuck_since)) -ge $((STUCK_S * 1000)) ]; then
      reaped=$(xl list 2>/dev/null | awk -v p="^$PFX" '$1 ~ p && $5 ~ /s/ {printf "%s ", $1}')
      for nm in $reaped; do xl destroy "$nm" >/dev/null 2>&1; done
      say "@@RESULT shut down, and no xl monitor destroyed any of them for ${STUCK_S} s; destroyed here: $reaped"
      continue
    fi
  else
    stuck_since=0
  fi
  [ "$left" = 0 ] || [ $((REPLY - ts)) -ge $((GONE_LIMIT * 1000)) ] && break
  snooze 1
done
now_ms; gone_ms=$((REPLY - ts))
powered=0
for i in $(seq 1 "$created"); do
  name_of "$i"; slurp "$LOGDIR/guest-$REPLY.log"; [[ $REPLY == *"xl shutdown: powering off"* ]] && powered=$((powered + 1))
done
if [ "$left" = 0 ]; then
  say "@@RESULT all $created gone after xl shutdown in $gone_ms ms ($powered said 'xl shutdown: powering off')${reaped:+; destroyed here after their monitors stalled: $reaped}"
  # A guest we destroyed must have powered off itself: otherwise it is a failure.
  [ -n "$reaped" ] && [ "$powered" != "$created" ] && fail=1
else
  say "@@RESULT $left of $created still there after $gone_ms ms:"; xl list | sed 's/^/@@RESULT   /'
  fail=1
  # Why each one stayed: the request as xenstore holds it now, its console's last lines, and
  # where its vCPU is (xenctx).
  while read -r nm id _; do
    [[ $nm == $PFX[0-9]* ]] || continue
    say "@@STUCK $nm domid $id control/shutdown='$(xenstore-read /local/domain/$id/control/shutdown 2>&1)'"
    slurp "$LOGDIR/guest-$nm.log"; printf '%s' "$REPLY" | tr -d '\r' | tail -4 | sed "s/^/@@STUCK $nm console: /"
    "$(/usr/lib/xen-common/bin/xen-dir)"/bin/xenctx "$id" 2>&1 | head -12 | sed "s/^/@@STUCK $nm xenctx: /"
  done < <(xl list 2>/dev/null)
  for i in $(seq 1 "$created"); do name_of "$i"; xl destroy "$REPLY" >/dev/null 2>&1; done
fi
snooze 2
xl_free; FREE2=$REPLY; procs_mem xl; XL2=$REPLY
say "@@FIG gone: xl free_memory $FREE2 MiB (before $FREE0), xl processes: $XL2"

# --- summary ----------------------------------------------------------------------------------
figs() { local i; for i in $(seq 1 "$created"); do eval "v=\${$1[$i]:-}"; [ -n "$v" ] && echo "$v"; done | median_max; }
say "@@FIG create_ms (the xl create command) $(figs CREATE)"
say "@@FIG create_to_prompt_ms (xl create started -> prompt in the log) $(figs PROMPT)"
say "@@FIG after_create_ms (xl create returned -> prompt in the log) $(figs AFTER)"
say "@@FIG guest_boot_ms (the guest's own banner figure) $(figs GBOOT)"
first10() { local i; for i in $(seq 1 $((created < 10 ? created : 10))); do [ -n "${GBOOT[$i]:-}" ] && echo "${GBOOT[$i]}"; done | median_max; }
say "@@FIG guest_boot_ms of the first 10 sequential boots $(first10)"
say "@@FIG answer_ms ((+ 1 2) sent to all -> 3 seen) $(figs ANS)"
elapsed
if [ $fail = 0 ]; then
  say "DENSITY OK $N guests of $MEM MiB: $answered answered (+ 1 2) = 3, all gone after; $REPLY s in all"; exit 0
else
  say "DENSITY FAIL $created created, $booted booted, $answered of $N answered, $left left; $REPLY s in all"; exit 1
fi
