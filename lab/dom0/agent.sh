#!/bin/sh
# Dom0 control agent for the C# LabDriver (copied to the 9p share as dom0.sh).
# Why: one Dom0 boot serves a whole test batch; the host drives it over /dev/ttyS1 with
# one request per line, "<id> <base64 of a shell script>", and reads framed replies:
# "@@BEGIN <id>", the script's output, then "@@END <id> <exit code>". The virtio-serial
# port "lab.console" carries the current guest's console (bridged by the driver's
# start-guest script; a third ISA serial would share IRQ4 with Xen's COM1). Ends on "exit".
# Each script's output goes to a file of its own that is sent between the markers once the
# script ends: a background job the script leaves running (a poller, a load generator) keeps
# writing to that file, never into the framing of a later reply.
# xenconsoled is restarted with --log=guest so every guest's console is also kept in
# /var/log/xen/console/guest-NAME.log: output printed while no one is attached (after a
# reboot, before the driver bridges the new pty) can still be read.
stty -F /dev/ttyS1 raw -echo
modprobe virtio_console 2>/dev/null
i=0   # the port appears asynchronously after modprobe
while [ ! -s /tmp/console-port ] && [ $i -lt 200 ]; do
  for d in /sys/class/virtio-ports/*; do
    [ "$(cat $d/name 2>/dev/null)" = lab.console ] && [ -c /dev/${d##*/} ] && echo /dev/${d##*/} >/tmp/console-port
  done
  [ -s /tmp/console-port ] || sleep 0.1; i=$((i+1))
done
mkdir -p /var/log/xen/console
if start-stop-daemon --stop --quiet --retry=TERM/5/KILL/2 --pidfile /run/xenconsoled.pid --name xenconsoled; then
  "$(/usr/lib/xen-common/bin/xen-dir)"/bin/xenconsoled --log=guest --log-dir=/var/log/xen/console --pid-file /run/xenconsoled.pid
fi
exec </dev/ttyS1 >/dev/ttyS1 2>&1
echo "@@AGENT-READY $(cut -d' ' -f1 /proc/uptime)"
while read -r id b64; do
  [ "$id" = exit ] && break
  [ -n "$b64" ] || continue
  echo "$b64" | base64 -d >/tmp/agent-cmd.sh
  echo "@@BEGIN $id"
  sh /tmp/agent-cmd.sh </dev/null >/tmp/agent-out.$id 2>&1
  rc=$?
  cat /tmp/agent-out.$id
  rm -f /tmp/agent-out.$id
  echo ""
  echo "@@END $id $rc"
done
