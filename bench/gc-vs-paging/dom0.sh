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
#   guest         the image as a PV domU, memory=maxmem=mem_mb (dyn: xl mem-set dyn_mb)
#   sbcl-machine / sbcl-cgroup   SBCL, --dynamic-space-size machine-sized / 7/8 of mem_mb
#   clisp         CLISP (its heap grows as needed)
# Processes run in their own cgroup v2 (memory.max = mem_mb, memory.swap.max = max) with swap
# on /dev/vdb (lab/qemu.sh); dyn lowers memory.max to dyn_mb at dyn_at_s.
set -u
B=${1:?bundle dir}; M=${2:?matrix file}; THR=${3:-none}
CG=/sys/fs/cgroup
MACHINE_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 ))
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
vmstat() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }
field() { # KEY TEXT -> value of KEY=... in the STATS line, or na
  local v; v=$(grep -o "$1=[^ ]*" <<<"$2" | tail -1 | cut -d= -f2); echo "${v:-na}"
}

setup_swap() {
  if ! grep -q '^/dev/vdb' /proc/swaps; then
    mkswap /dev/vdb >/dev/null 2>&1 && swapon /dev/vdb || { echo "@@ERROR no swap on /dev/vdb"; return 1; }
  fi
  echo "@@INFO swap $(awk '/^\/dev\/vdb/ {print $3}' /proc/swaps) KiB on /dev/vdb: $(cat /mnt/share/swap-device 2>/dev/null || echo unknown device)"
  echo "@@INFO zswap $(cat /sys/module/zswap/parameters/enabled 2>/dev/null || echo absent)"
  echo "@@INFO dom0 MemTotal ${MACHINE_MB} MiB, $(nproc) vcpus, $(uname -r)"
}

# STATUS from a run's output and exit: ok, wrong, storage-condition, oom, timeout, error.
status_of() { # OUT RC OOMKILLS
  if grep -q '^RESULT ok' "$1"; then echo ok
  elif grep -q '^RESULT wrong' "$1"; then echo wrong
  elif [ "$2" = 124 ]; then echo timeout
  elif [ "${3:-0}" != 0 ] && [ "$3" != na ]; then echo oom
  elif grep -qi 'storage-condition\|heap exhausted\|out of memory' "$1"; then echo storage-condition
  else echo error; fi
}

run_process() { # id arm workload mem rep timeout dyn dynat
  local id=$1 arm=$2 w=$3 mem=$4 to=$6 dyn=$7 dynat=$8 cmd impl
  case $arm in
    proc-machine) impl=lispvm; cmd="$B/lispvm.elf --heap-limit=$(( MACHINE_MB * 7 / 8 )) debugger=off";;
    proc-cgroup)  impl=lispvm; cmd="$B/lispvm.elf heap-policy=cgroup debugger=off";;
    sbcl-machine) impl=sbcl;   cmd="sbcl --dynamic-space-size $(( MACHINE_MB * 7 / 8 ))MB --script";;
    sbcl-cgroup)  impl=sbcl;   cmd="sbcl --dynamic-space-size $(( mem * 7 / 8 ))MB --script";;
    clisp)        impl=clisp;  cmd="clisp -q -norc -C";;
  esac
  local src="$B/run-$w-$impl.lisp" out=/tmp/gcvp-out cg=$CG/gcvp-$id
  [ -f "$src" ] || { echo "@@ROW $id,$THR,$arm,$w,$mem,$dyn,$5,error-no-workload,,,,,,,,,,,,,"; return; }
  rmdir $cg 2>/dev/null; mkdir $cg || { echo "@@ROW $id,$THR,$arm,$w,$mem,$dyn,$5,error-cgroup,,,,,,,,,,,,,"; return; }
  echo $(( mem * 1048576 )) >$cg/memory.max
  echo max >$cg/memory.swap.max
  sync; echo 3 >/proc/sys/vm/drop_caches
  local in0 out0 t0 rc pid sampler=""
  in0=$(vmstat pswpin); out0=$(vmstat pswpout); t0=$(now_ms)
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
        echo "@@TS $id $(( $(now_ms) - t0 )) $(( $(cat $cg/memory.current 2>/dev/null || echo 0) / 1024 )) $(( $(cat $cg/memory.swap.current 2>/dev/null || echo 0) / 1024 ))"
        if [ $s = 0 ] && [ $(( $(now_ms) - t0 )) -ge $(( dynat * 1000 )) ]; then
          echo $(( dyn * 1048576 )) >$cg/memory.max; s=1; echo "@@TS $id $(( $(now_ms) - t0 )) mem-set $dyn"
        fi
        sleep 0.5
      done ) & sampler=$!
  fi
  wait $pid; rc=$?
  [ -n "$sampler" ] && wait $sampler
  local wall=$(( $(now_ms) - t0 ))
  # timeout -s KILL makes a killed run 137; tell it from an OOM kill by the time taken.
  [ $rc = 137 ] && [ $wall -ge $(( to * 1000 - 500 )) ] && rc=124
  local oom maj stats st
  oom=$(awk '$1 == "oom_kill" {print $2}' $cg/memory.events)
  maj=$(awk '$1 == "pgmajfault" {print $2}' $cg/memory.stat)
  stats=$(grep '^STATS' $out | tail -1)
  st=$(status_of $out $rc $oom)
  echo "@@ROW $id,$THR,$arm,$w,$mem,$dyn,$5,$st,$wall,$(field wall-ms "$stats"),$(field gc-ms "$stats"),$(field gc-count "$stats"),$(field max-pause-us "$stats"),$(field p99-pause-us "$stats"),$maj,$(( $(vmstat pswpin) - in0 )),$(( $(vmstat pswpout) - out0 )),$oom,,,$(grep '^RESULT' $out | tail -1 | tr ', ' ';_')"
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
on_crash = "destroy"
EOF
  xl destroy gcvp-guest >/dev/null 2>&1
  xl create -p $cfg >/tmp/gcvp-create.log 2>&1 || {
    echo "@@ROW $id,$THR,guest,$w,$mem,$dyn,$5,error-create,,,,,,,,,,,,,"; sed "s/^/@@LOG $id /" /tmp/gcvp-create.log; return; }
  local dom tty cat t0 st=error wall sampler=""
  dom=$(xl domid gcvp-guest); tty=$(xenstore-read /local/domain/$dom/console/tty)
  : >$out; cat $tty >$out & cat=$!
  t0=$(now_ms); xl unpause $dom
  # Wait for the prompt, then load the workload from the ramdisk; it ends with (quit).
  local sent=0 s=0
  while :; do
    local line; line=$(xl list $dom 2>/dev/null | tail -n +2)
    [ -z "$line" ] && break
    if [ $sent = 0 ] && tr -d '\r' <$out | grep -q '^\* '; then printf '(load "run.lisp")\r(quit)\r' >$tty; sent=1; fi
    local el=$(( $(now_ms) - t0 ))
    if [ -n "$dyn" ]; then
      echo "@@TS $id $el $(( $(echo "$line" | awk '{print $3}') * 1024 )) 0"
      [ $s = 0 ] && [ $el -ge $(( dynat * 1000 )) ] && { xl mem-set $dom $dyn; s=1; echo "@@TS $id $el mem-set $dyn"; }
    fi
    [ $el -ge $(( to * 1000 )) ] && { st=timeout; xl destroy $dom; break; }
    sleep 0.5
  done
  wall=$(( $(now_ms) - t0 ))
  sleep 0.3; kill $cat 2>/dev/null
  tr -d '\r' <$out >$out.txt
  local stats; stats=$(grep '^STATS' $out.txt | tail -1)
  [ $st = timeout ] || st=$(status_of $out.txt 0 0)
  echo "@@ROW $id,$THR,guest,$w,$mem,$dyn,$5,$st,$wall,$(field wall-ms "$stats"),$(field gc-ms "$stats"),$(field gc-count "$stats"),$(field max-pause-us "$stats"),$(field p99-pause-us "$stats"),0,0,0,0,$(field frames-returned "$stats"),$(field frames-populated "$stats"),$(grep '^RESULT' $out.txt | tail -1 | tr ', ' ';_')"
  [ $st = ok ] || tail -5 $out.txt | sed "s/^/@@LOG $id /"
}

setup_swap || exit 1
n=$(grep -c '^[^#]' "$M"); i=0; T0=$(now_ms)
echo "@@COLUMNS id,throttle,arm,workload,mem_mb,dyn_mb,rep,status,wall_ms,work_ms,gc_ms,gc_count,max_pause_us,p99_pause_us,majflt,pswpin,pswpout,oom_kill,frames_returned,frames_populated,result"
while read -r id arm w mem rep to dyn dynat <&3; do
  case "$id" in ''|'#'*) continue;; esac
  i=$((i + 1))
  el=$(( ($(now_ms) - T0) / 1000 ))
  eta=$([ $i -gt 1 ] && echo $(( el * (n - i + 1) / (i - 1) )) || echo "?")
  echo "@@PROGRESS run $i of $n: $arm $w ${mem} MiB${dyn:+ -> $dyn MiB at ${dynat} s} rep $rep (elapsed ${el} s, ETA ${eta} s)"
  case $arm in
    guest) run_guest "$id" "$arm" "$w" "$mem" "$rep" "$to" "${dyn:-}" "${dynat:-}";;
    proc-*|sbcl-*|clisp) run_process "$id" "$arm" "$w" "$mem" "$rep" "$to" "${dyn:-}" "${dynat:-}";;
    *) echo "@@ROW $id,$THR,$arm,$w,$mem,${dyn:-},$rep,error-unknown-arm,,,,,,,,,,,,,";;
  esac
done 3<"$M"
echo "@@DONE $n runs in $(( ($(now_ms) - T0) / 1000 )) s"
