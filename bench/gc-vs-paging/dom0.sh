#!/bin/bash
# Why: the Dom0 half of bench/gc-vs-paging: runs a matrix of experiments one at a time on
# the lab's one emulated machine and prints one `@@ROW` CSV line per run (plus `@@TS` memory
# samples for dynamic runs and `@@PROGRESS` lines), so the host side only parses. Every run
# has a timeout and ends in a status; a failed run never stops the matrix.
#   dom0.sh BUNDLE MATRIX [THROTTLE-LABEL]
# BUNDLE (made by bundle.py) holds lispvm.elf, run-<workload>-<impl>.lisp and
# <workload>.cpio. MATRIX lines: `id arm workload mem_mb rep timeout_s [dyn_mb dyn_at_s]`.
# Arms:
#   proc-machine  the image as a process, heap sized for the machine (--heap-limit=MACHINE)
#   proc-cgroup   the image as a process, heap-policy=cgroup (follows memory.max)
#   proc-guestheap  the image as a process with --heap-limit = the heap limit the last guest
#                 run ended with (its STATS limit-mb): the guest's heap without its platform
#   guest         the image as a PV domU, memory=maxmem=mem_mb (dyn: xl mem-set dyn_mb)
#   guest-xlpoll  the same, with the harness polling `xl list` every 0.5 s (as before run 3)
#   sbcl-machine / sbcl-cgroup   SBCL, --dynamic-space-size machine-sized / its own start-up
#                 usage (measured here, ~19 MiB of core) + mem_mb: the heap the cgroup allows
#   clisp         CLISP (its heap grows as needed)
# timeout_s may be `auto`: F x (the workload's native time on the host, BUNDLE/native_ms) x
# the TCG slowdown S measured by the calibration rows (rep 101-103: proc-machine, no pressure)
# + 30 s, within [60, 400] s; F is 4, 6 for dynamic runs; 400 s until S is known. A run that
# times out took over F times its unpressured time: a result (throughput collapsed), not a
# harness fault. The fixed timeout of the first committed run cut every dynamic run.
# Processes run in their own cgroup v2 (memory.max = mem_mb, memory.swap.max = max) with swap
# on /dev/vdb (lab/qemu.sh); dyn lowers memory.max to dyn_mb at dyn_at_s.
set -u
B=${1:?bundle dir}; M=${2:?matrix file}; THR=${3:-none}
CG=/sys/fs/cgroup
MACHINE_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 ))
# Process creation is slow in a PV Dom0 under TCG (a fork costs tens of ms): the helpers
# below fork nothing and leave their answer in REPLY (or a variable), bash 5 builtins only.
now_ms() { local t=${EPOCHREALTIME/./}; REPLY=$(( t / 1000 )); }
kv_file() { # FILE KEY: the value after KEY on its line of a "key value" file (vmstat, memory.stat)
  local k v; REPLY=0
  while read -r k v _; do [ "$k" = "$2" ] && { REPLY=$v; return; }; done <"$1"
}
parse_stats() { # the workload's STATS line -> S_<key> variables (dashes as underscores)
  local kv k
  for k in wall_ms gc_ms gc_count max_pause_us p99_pause_us frames_returned frames_populated limit_mb; do
    printf -v "S_$k" na
  done
  for kv in $1; do
    case $kv in *=*) k=${kv%%=*}; k=${k//-/_}; [[ $k =~ ^[a-z0-9_]+$ ]] && printf -v "S_$k" %s "${kv#*=}";; esac
  done
}
# Half a second without a fork (`sleep` is a program): a read that times out on a FIFO
# nobody writes.
rm -f /tmp/gcvp-nap; mkfifo /tmp/gcvp-nap; exec 7<>/tmp/gcvp-nap
nap() { read -r -t 0.5 -u 7 _; }
last_line() { # FILE PREFIX: the last line of FILE starting with PREFIX, in REPLY
  local l; REPLY=""
  while IFS= read -r l || [ -n "$l" ]; do l=${l%$'\r'}; [[ $l == "$2"* ]] && REPLY=$l; done <"$1"
}

declare -A NATIVE=()
[ -f "$B/native_ms" ] && while read -r k v; do NATIVE[$k]=$v; done <"$B/native_ms"
CAL=()            # the calibration rows' wall times (ms)
SLOW10=${NATIVE[slow10]:-}   # the TCG slowdown x 10, once the calibration rows are done (the
                             # throttled boot gets the first boot's from native_ms)
auto_timeout() { # WORKLOAD DYN -> REPLY (s)
  local nat=${NATIVE[$1]:-} f=4
  [ -n "$2" ] && f=6
  if [ -z "$SLOW10" ] || [ -z "$nat" ]; then REPLY=400; return; fi
  REPLY=$(( nat * SLOW10 * f / 10000 + 30 ))
  [ $REPLY -lt 60 ] && REPLY=60; [ $REPLY -gt 400 ] && REPLY=400
}
auto_dynat() { # WORKLOAD -> REPLY (s): a third of its expected time here, at least 1 s
  local nat=${NATIVE[$1]:-}
  if [ -z "$SLOW10" ] || [ -z "$nat" ]; then REPLY=8; return; fi
  REPLY=$(( nat * SLOW10 / 30000 )); [ $REPLY -lt 1 ] && REPLY=1
}
note_calibration() { # REP STATUS WALL: after the last calibration row, the slowdown
  case $1 in 10[1-9]) ;; *) return;; esac
  [ "$2" = ok ] && CAL+=("$3")
  local host=${NATIVE[cal]:-}
  [ ${#CAL[@]} -ge 3 ] && [ -n "$host" ] && [ -z "$SLOW10" ] || return
  local sorted; sorted=($(printf '%s\n' "${CAL[@]}" | sort -n))
  SLOW10=$(( sorted[1] * 10 / host ))
  echo "@@INFO slowdown $(( SLOW10 / 10 )).$(( SLOW10 % 10 )) (calibration ${CAL[*]} ms here, $host ms on the host): auto timeouts from now on"
}

setup_swap() {
  if ! grep -q '^/dev/vdb' /proc/swaps; then
    mkswap /dev/vdb >/dev/null 2>&1 && swapon /dev/vdb || { echo "@@ERROR no swap on /dev/vdb"; return 1; }
  fi
  echo "@@INFO swap $(awk '/^\/dev\/vdb/ {print $3}' /proc/swaps) KiB on /dev/vdb: $(cat /mnt/share/swap-device 2>/dev/null || echo unknown device)"
  echo "@@INFO zswap $(cat /sys/module/zswap/parameters/enabled 2>/dev/null || echo absent)"
  echo "@@INFO dom0 MemTotal ${MACHINE_MB} MiB, $(nproc) vcpus, $(uname -r)"
  # SBCL's core alone fills ~19 MiB of its dynamic space: a space sized from memory.max
  # without it exhausts before the workload starts (every sbcl-cgroup run of the first run).
  SBCL_BASE_MB=$(sbcl --noinform --non-interactive --no-userinit --no-sysinit \
    --eval '(progn (princ (ceiling (sb-kernel:dynamic-usage) 1048576)) (terpri))' 2>/dev/null | tail -1)
  [[ $SBCL_BASE_MB =~ ^[0-9]+$ ]] || SBCL_BASE_MB=32
  echo "@@INFO sbcl base ${SBCL_BASE_MB} MiB of dynamic space after start-up"
}

# STATUS from a run's output and exit: ok, wrong, storage-condition, oom, timeout, error.
status_of() { # OUT RC OOMKILLS -> REPLY
  last_line "$1" "RESULT "
  case $REPLY in
    "RESULT ok"*) REPLY=ok; return;;
    "RESULT wrong"*) REPLY=wrong; return;;
  esac
  if [ "$2" = 124 ]; then REPLY=timeout
  elif [ "${3:-0}" != 0 ]; then REPLY=oom
  elif grep -qi 'storage-condition\|heap exhausted\|out of memory' "$1"; then REPLY=storage-condition
  else REPLY=error; fi
}

row() { # the CSV row of a finished run: ID ARM W MEM DYN REP STATUS WALL MAJ IN OUT OOM OUTFILE
  local stats result
  last_line "${13}" "STATS "; parse_stats "$REPLY"
  [ -n "$REPLY" ] && echo "@@STATS $1 ${REPLY#STATS }"   # the whole line, for the log (heap limit, minor/full)
  # The heap limit a guest ended with, for a proc-guestheap run after it (--explain).
  [ "$2" = guest ] && [[ ${S_limit_mb:-} =~ ^[0-9]+ ]] && GUEST_LIMIT_MB=${BASH_REMATCH[0]}
  last_line "${13}" "RESULT "; result=${REPLY//,/;}; result=${result// /_}
  echo "@@ROW $1,$THR,$2,$3,$4,$5,$6,$7,$8,$S_wall_ms,$S_gc_ms,$S_gc_count,$S_max_pause_us,$S_p99_pause_us,$9,${10},${11},${12},${S_frames_returned/na/},${S_frames_populated/na/},$result"
  note_calibration "$6" "$7" "$8"
}

run_process() { # id arm workload mem rep timeout dyn dynat
  local id=$1 arm=$2 w=$3 mem=$4 to=$6 dyn=$7 dynat=$8 cmd impl
  case $arm in
    proc-machine) impl=lispvm; cmd="$B/lispvm.elf --heap-limit=$(( MACHINE_MB * 7 / 8 )) debugger=off";;
    proc-cgroup)  impl=lispvm; cmd="$B/lispvm.elf heap-policy=cgroup debugger=off";;
    proc-guestheap) impl=lispvm; cmd="$B/lispvm.elf --heap-limit=${GUEST_LIMIT_MB:-$mem} debugger=off";;
    sbcl-machine) impl=sbcl;   cmd="sbcl --dynamic-space-size $(( MACHINE_MB * 7 / 8 ))MB --script";;
    sbcl-cgroup)  impl=sbcl;   cmd="sbcl --dynamic-space-size $(( SBCL_BASE_MB + mem ))MB --script";;
    clisp)        impl=clisp;  cmd="clisp -q -norc -C";;
  esac
  local src="$B/run-$w-$impl.lisp" out=/tmp/gcvp-out cg=$CG/gcvp-$id
  [ -f "$src" ] || { echo "@@ROW $id,$THR,$arm,$w,$mem,$dyn,$5,error-no-workload,,,,,,,,,,,,,"; return; }
  rmdir $cg 2>/dev/null; mkdir $cg || { echo "@@ROW $id,$THR,$arm,$w,$mem,$dyn,$5,error-cgroup,,,,,,,,,,,,,"; return; }
  echo $(( mem * 1048576 )) >$cg/memory.max
  echo max >$cg/memory.swap.max
  sync; echo 3 >/proc/sys/vm/drop_caches
  local in0 out0 t0 rc pid sampler=""
  kv_file /proc/vmstat pswpin; in0=$REPLY; kv_file /proc/vmstat pswpout; out0=$REPLY
  now_ms; t0=$REPLY
  # The child enters the cgroup before it execs, so every page it touches is charged there.
  # SBCL and CLISP take the file as an argument; LispVm loads it from its REPL (as the guest does).
  if [ $impl = lispvm ]; then
    echo "(load \"$src\")" | bash -c "echo \$\$ >$cg/cgroup.procs && exec timeout -s KILL $to $cmd" >$out 2>&1 &
  else
    bash -c "echo \$\$ >$cg/cgroup.procs && exec timeout -s KILL $to $cmd $src" </dev/null >$out 2>&1 &
  fi
  pid=$!
  if [ -n "$dyn" ]; then
    ( s=0; while kill -0 $pid 2>/dev/null; do
        now_ms; el=$(( REPLY - t0 ))
        read -r cur <$cg/memory.current; read -r sw <$cg/memory.swap.current
        echo "@@TS $id $el $(( cur / 1024 )) $(( sw / 1024 ))"
        if [ $s = 0 ] && [ $el -ge $(( dynat * 1000 )) ]; then
          echo $(( dyn * 1048576 )) >$cg/memory.max; s=1; echo "@@TS $id $el mem-set $dyn"
        fi
        sleep 0.5
      done ) & sampler=$!
  fi
  wait $pid; rc=$?
  [ -n "$sampler" ] && wait $sampler
  now_ms; local wall=$(( REPLY - t0 ))
  # timeout -s KILL makes a killed run 137; tell it from an OOM kill by the time taken.
  [ $rc = 137 ] && [ $wall -ge $(( to * 1000 - 500 )) ] && rc=124
  local oom maj
  kv_file $cg/memory.events oom_kill; oom=$REPLY
  kv_file $cg/memory.stat pgmajfault; maj=$REPLY
  status_of $out $rc $oom; local st=$REPLY
  kv_file /proc/vmstat pswpin; local din=$(( REPLY - in0 ))
  kv_file /proc/vmstat pswpout; local dout=$(( REPLY - out0 ))
  row "$id" "$arm" "$w" "$mem" "$dyn" "$5" "$st" "$wall" "$maj" "$din" "$dout" "$oom" $out
  [ $st = ok ] || { echo "@@LOG $id rc=$rc"; tail -5 $out | sed "s/^/@@LOG $id /"; }
  rmdir $cg 2>/dev/null
}

run_guest() { # id arm workload mem rep timeout dyn dynat
  local id=$1 w=$3 mem=$4 to=$6 dyn=$7 dynat=$8 out=/tmp/gcvp-out cfg=/tmp/gcvp-guest.cfg
  cat >$cfg <<EOF
name = "gcvp-guest"
type = "pv"
kernel = "$B/lispvm.elf"
ramdisk = "$B/$w.cpio"
memory = $mem
maxmem = $mem
vcpus = 1
extra = "debugger=off"
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "preserve"
EOF
  xl destroy gcvp-guest >/dev/null 2>&1
  xl create -p $cfg >/tmp/gcvp-create.log 2>&1 || {
    echo "@@ROW $id,$THR,guest,$w,$mem,$dyn,$5,error-create,,,,,,,,,,,,,"; sed "s/^/@@LOG $id /" /tmp/gcvp-create.log; return; }
  local dom tty cat t0 st=error wall
  dom=$(xl domid gcvp-guest); tty=$(xenstore-read /local/domain/$dom/console/tty)
  : >$out; cat $tty >$out & cat=$!
  now_ms; t0=$REPLY; xl unpause $dom
  # Wait for the prompt, then load the workload from the ramdisk and quit (after an error too).
  local sent=0 s=0 line el tick=0 every=10
  # `xl list` is a fork and exec of libxl in a PV Dom0 under TCG: tens to hundreds of ms of
  # Dom0 CPU, page-table updates and TLB flushes on every emulated CPU, the guest's included.
  # Polled every 0.5 s it slowed the guest's workload itself (see --explain and its arm
  # guest-xlpoll, which keeps that old way). So the loop reads the console file (bash
  # builtins) every 0.5 s and asks xl every 5 s, for a crash; a dynamic run still needs its
  # memory every 0.5 s.
  { [ -n "$dyn" ] || [ "$2" = guest-xlpoll ]; } && every=1
  while :; do
    if [ $(( tick % every )) = 0 ] || ! kill -0 $cat 2>/dev/null; then
      # Every xl call is bounded: run 63 of the second full run hung for good in this loop.
      line=$(timeout 30 xl list $dom 2>/dev/null) || break
      line=${line#*$'\n'}
      [ -n "$line" ] || break
    fi
    tick=$(( tick + 1 ))
    # A crashed guest is kept (on_crash=preserve) long enough to log what Xen saw.
    local g=($line)
    if [[ ${g[4]} == *c* ]]; then
      st=crashed
      timeout 20 xl dmesg 2>/dev/null | tail -15 | sed "s/^/@@LOG $id xl-dmesg /"
      timeout 60 xl destroy $dom; break
    fi
    if [ $sent = 0 ]; then
      last_line $out "* "
      [ -n "$REPLY" ] && { printf '(load "run.lisp")\r(quit)\r' >$tty; sent=1; }
    elif [ $every != 1 ]; then
      last_line $out "STATS "; [ -n "$REPLY" ] && every=1   # done: now watch it go
    fi
    now_ms; el=$(( REPLY - t0 ))
    if [ -n "$dyn" ]; then
      local f=($line)
      echo "@@TS $id $el $(( ${f[2]} * 1024 )) 0"
      [ $s = 0 ] && [ $el -ge $(( dynat * 1000 )) ] && { timeout 60 xl mem-set $dom $dyn; s=1; echo "@@TS $id $el mem-set $dyn"; }
    fi
    [ $el -ge $(( to * 1000 )) ] && { st=timeout; timeout 60 xl destroy $dom; break; }
    nap
  done
  now_ms; wall=$(( REPLY - t0 ))
  sleep 0.3; kill $cat 2>/dev/null
  [ $st = timeout ] || [ $st = crashed ] || { status_of $out 0 0; st=$REPLY; }
  row "$id" "$2" "$w" "$mem" "$dyn" "$5" "$st" "$wall" 0 0 0 0 $out
  [ $st = ok ] || tail -5 $out | tr -d '\r' | sed "s/^/@@LOG $id /"
}

setup_swap || exit 1
n=$(grep -c '^[^#]' "$M"); i=0; now_ms; T0=$REPLY
echo "@@COLUMNS id,throttle,arm,workload,mem_mb,dyn_mb,rep,status,wall_ms,work_ms,gc_ms,gc_count,max_pause_us,p99_pause_us,majflt,pswpin,pswpout,oom_kill,frames_returned,frames_populated,result"
while read -r id arm w mem rep to dyn dynat <&3; do
  case "$id" in ''|'#'*) continue;; esac
  i=$((i + 1))
  [ "$to" = auto ] && { auto_timeout "$w" "${dyn:-}"; to=$REPLY; }
  [ "${dynat:-}" = auto ] && { auto_dynat "$w"; dynat=$REPLY; }
  now_ms; el=$(( (REPLY - T0) / 1000 ))
  if [ $i -gt 1 ]; then eta=$(( el * (n - i + 1) / (i - 1) )); else eta="?"; fi
  echo "@@PROGRESS run $i of $n: $arm $w ${mem} MiB${dyn:+ -> $dyn MiB at ${dynat} s} rep $rep, timeout ${to} s (elapsed ${el} s, ETA ${eta} s)"
  case $arm in
    guest|guest-xlpoll) run_guest "$id" "$arm" "$w" "$mem" "$rep" "$to" "${dyn:-}" "${dynat:-}";;
    proc-*|sbcl-*|clisp) run_process "$id" "$arm" "$w" "$mem" "$rep" "$to" "${dyn:-}" "${dynat:-}";;
    *) echo "@@ROW $id,$THR,$arm,$w,$mem,${dyn:-},$rep,error-unknown-arm,,,,,,,,,,,,,";;
  esac
done 3<"$M"
now_ms; echo "@@DONE $n runs in $(( (REPLY - T0) / 1000 )) s"
