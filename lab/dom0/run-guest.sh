#!/bin/sh
# Dom0 side of lab/run.sh (copied to the 9p share as dom0.sh). Why: boots one guest and
# joins its xenconsoled pty to /dev/ttyS1, which QEMU connects to run.sh's stdin/stdout.
# A ready line tells the host when input may flow; on a crash it saves `xl dmesg` and the
# guest registers (xenctx) to the share for run.sh to print. Ends when the domain is gone.
S=/mnt/share
log() { echo "LAB: $*"; }
exec 3<>/dev/ttyS1   # keep the port open: input that arrives before socat is buffered, not dropped
stty -F /dev/ttyS1 raw -echo
xl create -p $S/guest.cfg >$S/xl-create.log 2>&1 || { cat $S/xl-create.log; echo "@@LAB-FAILED xl create" >/dev/ttyS1; exit 1; }
ID=$(xl domid lab-guest)
TTY=$(xenstore-read /local/domain/$ID/console/tty)
log "guest domid $ID console $TTY"
socat /dev/ttyS1,raw,echo=0 $TTY,raw,echo=0 &
BRIDGE=$!
i=0   # wait until socat holds both ends (under load it can take seconds)
while [ $(ls -l /proc/$BRIDGE/fd 2>/dev/null | grep -c -e ttyS1 -e "$TTY") -lt 2 ] && [ $i -lt 100 ]; do
  sleep 0.1; i=$((i+1))
done
[ -f $S/extra-dom0.sh ] && DOMID=$ID bash $S/extra-dom0.sh >$S/extra-dom0.log 2>&1 &
echo "@@LAB-GUEST-READY $ID" >/dev/ttyS1
xl unpause $ID
state=gone
while :; do
  line=$(xl list $ID 2>/dev/null | tail -n +2)
  [ -z "$line" ] && break
  st=$(echo "$line" | awk '{print $5}')
  case "$st" in *c*) state=crashed; break;; esac
  sleep 0.2
done
log "guest $ID $state"
sleep 0.5
if [ $state = crashed ]; then
  XENCTX=$(ls /usr/lib/xen-*/bin/xenctx /usr/lib/xen/bin/xenctx 2>/dev/null | head -1)
  { echo "=== xl dmesg (all-zero stack lines dropped) ==="
    xl dmesg | grep -v '^(XEN)    \(0000000000000000 \?\)*$' | tail -60
    echo "=== xenctx $ID (guest registers and stack) ==="
    $XENCTX -a $ID 0 2>&1
    echo "=== xl list ==="; xl list; } >$S/crash.txt 2>&1
  xl destroy $ID
fi
kill $BRIDGE 2>/dev/null
wait $BRIDGE 2>/dev/null
echo "$state" >$S/guest-state
sync
