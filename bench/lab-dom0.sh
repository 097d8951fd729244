#!/bin/bash
# Dom0 side of bench/lab.sh (run by `lab/run.sh --script`). Why: one Dom0 boot serves every
# repetition, and only Dom0 can both start the image as a PV domU (a) and exec the same
# file as a Linux process (b). Runs one at a time, never overlapping (they would share the
# emulated CPU); order (a,b) / (b,a) alternates per repetition. Both get the same program
# file and the same heap limit. Output lines for bench/lab.py: "@@RUN side bench rep",
# the image's own lines (BENCH/GCSTAT), "@@END side rc"; "@@PLAN-DONE" at the end.
S=/mnt/share
F=/tmp/files
mkdir -p $F && cd $F && busybox cpio -i --quiet <$S/files.cpio || { echo "@@FAIL cpio"; exit 1; }
cp $S/guest.elf /tmp/lispvm.elf   # the same file the domU boots; run from tmpfs, not 9p
read -r _ REPS _ HEAP <$F/plan     # "reps N heap-mb M", then "name file" lines

process() {   # (b): the image as a Linux process in Dom0, loading the file from its cwd
  printf '(load "%s")\n(quit)\n' "$2" | LISPVM_HEAP_MB=$HEAP timeout 900 /tmp/lispvm.elf
}

guest() {     # (a): the image as a PV domU; the file comes from its ramdisk store
  local ID TTY l phase=boot rc=1 i
  xl create -p $S/guest.cfg >/tmp/xl.log 2>&1 || { cat /tmp/xl.log; return 1; }
  ID=$(xl domid lab-guest); TTY=$(xenstore-read /local/domain/$ID/console/tty)
  exec 4<$TTY
  xl unpause $ID
  # Blocking reads, no polling: Dom0 stays idle while the guest is timed.
  while IFS= read -r -t 900 l <&4; do
    l=${l%$'\r'}
    case "$phase:$l" in
      boot:LispVm*) printf '(load "%s")\r' "$2" >$TTY; phase=run;;   # the banner; the prompt follows
      run:BENCH\ *) echo "$l";;
      run:GCSTAT\ *) echo "$l"; rc=0; break;;
      *\;\;\ Error*) echo "$l"; break;;
    esac
  done
  [ $rc = 0 ] && printf '(quit)\r' >$TTY
  exec 4<&-
  i=0; while xl list $ID >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.3; i=$((i+1)); done
  xl list $ID >/dev/null 2>&1 && { xl destroy $ID; rc=1; }
  return $rc
}

for rep in $(seq 1 $REPS); do
  tail -n +2 $F/plan | while read -r name file; do
    if [ $((rep % 2)) = 1 ]; then sides="guest process"; else sides="process guest"; fi
    for side in $sides; do
      echo "@@RUN $side $name $rep"
      $side "$name" "$file" </dev/null 2>&1 | grep -E '^(BENCH|GCSTAT|;; Error|@@)|rror'
      echo "@@END $side ${PIPESTATUS[0]}"
    done
  done
done
echo "@@PLAN-DONE"
