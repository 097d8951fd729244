#!/bin/bash
# Boots IMAGE as a Xen PV domU inside the cached lab (Xen + Debian Dom0 under QEMU TCG)
# and joins the guest console to this command's stdin/stdout, so it works in a pipe:
#   printf 'hello\nhalt\n' | lab/run.sh artifacts/lispvm.elf
# Why this shape: Dom0 reaches the image and its scripts over a 9p share; the console goes
# guest pty -> socat -> Dom0 ttyS1 -> QEMU unix socket -> here. Exit: 0 guest gone,
# 2 guest crashed (xl dmesg + xenctx printed on stderr), 3 timeout, 1 lab failure.
set -uo pipefail

usage() {
  echo "usage: lab/run.sh IMAGE [--memory MB] [--maxmem MB] [--extra STR] [--timeout S] [--dom0 SCRIPT] [--files DIR] [--script SCRIPT] [--on-reboot destroy|restart]" >&2
  echo "  --on-reboot sets the cfg's on_reboot (default destroy; restart: xl reboot starts it again)." >&2
  echo "  --files DIR packs DIR's files (cpio newc) as the guest's ramdisk: its in-memory file store." >&2
  echo "  --script SCRIPT runs SCRIPT (bash) in Dom0 instead of starting the guest: it finds IMAGE as" >&2
  echo "  guest.elf, guest.cfg and files.cpio in /mnt/share; its output is our stdout; exit 0 iff it exits 0." >&2
  echo "  --dom0 SCRIPT runs in Dom0 (bash, \$DOMID set) while the guest runs; its output is" >&2
  echo "  printed on stderr at the end. LAB_VERBOSE=1 streams the Xen/Dom0 console to stderr." >&2
  exit 1
}
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${LISPVM_LAB_CACHE:-/var/cache/lispvm-lab}"
IMAGE="" MEM=32 MAXMEM="" EXTRA="" TIMEOUT=120 DOM0="" FILES="" SCRIPT="" ONREBOOT=destroy
while [ $# -gt 0 ]; do
  case "$1" in
    --memory) MEM="$2"; shift 2;;
    --maxmem) MAXMEM="$2"; shift 2;;
    --extra) EXTRA="$2"; shift 2;;
    --timeout) TIMEOUT="$2"; shift 2;;
    --dom0) DOM0="$2"; shift 2;;
    --files) FILES="$2"; shift 2;;
    --script) SCRIPT="$2"; shift 2;;
    --on-reboot) ONREBOOT="$2"; shift 2;;
    -h|--help) usage;;
    -*) echo "lab/run.sh: unknown option $1" >&2; usage;;
    *) [ -z "$IMAGE" ] || usage; IMAGE="$1"; shift;;
  esac
done
[ -n "$IMAGE" ] || usage
case "$ONREBOOT" in destroy|restart|preserve|rename-restart) ;; *) echo "lab/run.sh: --on-reboot takes destroy, restart, preserve or rename-restart" >&2; exit 1;; esac
[ -f "$IMAGE" ] || { echo "lab/run.sh: no such image: $IMAGE" >&2; exit 1; }
[ -z "$DOM0" ] || [ -f "$DOM0" ] || { echo "lab/run.sh: no such script: $DOM0" >&2; exit 1; }
[ -z "$SCRIPT" ] || [ -f "$SCRIPT" ] || { echo "lab/run.sh: no such script: $SCRIPT" >&2; exit 1; }
[ -z "$FILES" ] || [ -d "$FILES" ] || { echo "lab/run.sh: --files: no such directory: $FILES" >&2; exit 1; }
MAXMEM="${MAXMEM:-$MEM}"

"$LAB_DIR/build.sh" >&2 || exit 1

SHARE="$(mktemp -d /tmp/lispvm-lab.XXXXXX)"
QEMU_PID="" WATCH_PID="" OUT_PID="" IN_PID="" TAIL_PID=""
cleanup() {
  for p in $IN_PID $OUT_PID $WATCH_PID $TAIL_PID $QEMU_PID; do kill "$p" 2>/dev/null; done
  rm -f "$SHARE.swap"
  [ -n "${LAB_KEEP:-}" ] && echo "lab/run.sh: kept $SHARE" >&2 || rm -rf "$SHARE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp "$IMAGE" "$SHARE/guest.elf"
if [ -n "$SCRIPT" ]; then
  # A Dom0 session of the caller's own (bench/lab.sh): ttyS1 is its stdout, its exit code comes back.
  cp "$SCRIPT" "$SHARE/script.sh"
  cat >"$SHARE/dom0.sh" <<'EOF'
exec 3<>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo
echo "@@LAB-GUEST-READY script" >/dev/ttyS1
bash /mnt/share/script.sh </dev/null >/dev/ttyS1 2>&1
echo $? >/mnt/share/script-rc
sync
EOF
else
  cp "$LAB_DIR/dom0/run-guest.sh" "$SHARE/dom0.sh"
fi
[ -n "$DOM0" ] && cp "$DOM0" "$SHARE/extra-dom0.sh"
cat >"$SHARE/guest.cfg" <<EOF
name = "lab-guest"
type = "pv"
kernel = "/mnt/share/guest.elf"
memory = $MEM
maxmem = $MAXMEM
vcpus = 1
extra = "$EXTRA"
on_poweroff = "destroy"
on_reboot = "$ONREBOOT"
on_crash = "preserve"
EOF
# --files: the directory's regular files, paths relative to it, as a cpio newc ramdisk.
if [ -n "$FILES" ]; then
  command -v cpio >/dev/null || { echo "lab/run.sh: --files needs cpio (apt-get install cpio)" >&2; exit 1; }
  (cd "$FILES" && find . -type f | LC_ALL=C sort | cpio -o -H newc --quiet) >"$SHARE/files.cpio" || exit 1
  echo 'ramdisk = "/mnt/share/files.cpio"' >>"$SHARE/guest.cfg"
fi

T0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - T0) / 1000000 )); }
"$LAB_DIR/qemu.sh" "$SHARE" \
  -serial "unix:$SHARE/ttyS1.sock,server=on,wait=on" \
  >"$SHARE/qemu.log" 2>&1 &
QEMU_PID=$!
# sleep must not hold our stdout/stderr open after the watcher is killed
(sleep "$TIMEOUT" </dev/null >/dev/null 2>&1; echo "lab/run.sh: timeout after ${TIMEOUT}s" >&2; touch "$SHARE/timeout"; kill $QEMU_PID) &
WATCH_PID=$!
if [ -n "${LAB_VERBOSE:-}" ]; then
  (while [ ! -f "$SHARE/com1.log" ]; do sleep 0.1; done; exec tail -f "$SHARE/com1.log" >&2) & TAIL_PID=$!
fi
while [ ! -S "$SHARE/ttyS1.sock" ]; do
  kill -0 $QEMU_PID 2>/dev/null || { cat "$SHARE/qemu.log" >&2; exit 1; }
  sleep 0.05
done
coproc CONS { socat - "UNIX-CONNECT:$SHARE/ttyS1.sock"; }
# Plain fds: bash does not pass coproc fds to background children.
exec {CONS_OUT}<&"${CONS[0]}" {CONS_IN}>&"${CONS[1]}"

# Wait for Dom0 to have the guest created and its console bridged before sending input.
ready=""
while IFS= read -r line <&$CONS_OUT; do
  case "$line" in
    *@@LAB-GUEST-READY*) ready=1; break;;
    *@@LAB-FAILED*) break;;
  esac
done
if [ -z "$ready" ]; then
  echo "lab/run.sh: Dom0 did not start the guest; Xen/Dom0 console:" >&2
  tail -40 "$SHARE/com1.log" >&2; [ -f "$SHARE/timeout" ] && exit 3 || exit 1
fi
echo "lab/run.sh: guest started, Dom0 ready after $(ms) ms" >&2
cat <&$CONS_OUT & OUT_PID=$!
exec {STDIN}<&0   # background jobs would otherwise get /dev/null as stdin
cat <&$STDIN >&$CONS_IN & IN_PID=$!

wait $QEMU_PID; QEMU_PID=""
sleep 0.2
kill $IN_PID 2>/dev/null; IN_PID=""
wait $OUT_PID 2>/dev/null; OUT_PID=""
echo "lab/run.sh: QEMU exited after $(ms) ms" >&2
if [ -f "$SHARE/extra-dom0.log" ]; then echo "=== --dom0 script output ===" >&2; cat "$SHARE/extra-dom0.log" >&2; fi
if [ -n "$SCRIPT" ]; then
  rc="$(cat "$SHARE/script-rc" 2>/dev/null)"
  [ "$rc" = 0 ] && exit 0
  [ -f "$SHARE/timeout" ] && exit 3
  echo "lab/run.sh: Dom0 script ended with '${rc:-no exit code}'; Xen/Dom0 console:" >&2; tail -40 "$SHARE/com1.log" >&2; exit 1
fi
state="$(cat "$SHARE/guest-state" 2>/dev/null)"
case "$state" in
  gone) exit 0;;
  crashed) echo "lab/run.sh: guest crashed" >&2; cat "$SHARE/crash.txt" >&2; exit 2;;
  *) [ -f "$SHARE/timeout" ] && exit 3
     echo "lab/run.sh: no guest state; Xen/Dom0 console:" >&2; tail -40 "$SHARE/com1.log" >&2; exit 1;;
esac
