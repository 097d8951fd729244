#!/bin/bash
# Starts the lab machine: QEMU (TCG) with Xen, the Dom0 kernel and disk, the 9p share and
# a swap drive; the caller adds its serial ports. Usage: lab/qemu.sh SHARE [QEMU ARGS...]
# Why one file: lab/run.sh and the C# LabDriver boot the same machine, so the machine is
# written down once (it execs QEMU: the caller's PID is QEMU's).
#
# The swap drive (/dev/vdb in Dom0) is for the GC-vs-paging experiments (bench/gc-vs-paging):
# a sparse raw file of its own per boot, SHARE.swap (the caller deletes it with SHARE), so
# two labs never share it; cache=none (O_DIRECT) so Dom0's paging is not served from the
# host's page cache (writeback, said in `swap-cache`, where the filesystem refuses O_DIRECT).
# Nothing in Dom0 uses it until a script runs mkswap/swapon on it. Environment:
#   LISPVM_LAB_SWAP_MB        size in MiB (default 2048; sparse, so it costs what is written)
#   LISPVM_LAB_SWAP_THROTTLE  QEMU throttling for it, e.g. "iops-total=150,bps-total=20000000"
#                             (default none): models a slower device under TCG's slow CPU
set -uo pipefail
CACHE="${LISPVM_LAB_CACHE:-/var/cache/lispvm-lab}"
SHARE="${1:?usage: lab/qemu.sh SHARE [QEMU ARGS...]}"; shift
SWAP="$SHARE.swap"
SWAP_MB="${LISPVM_LAB_SWAP_MB:-2048}"
case "$SWAP_MB" in ''|*[!0-9]*) echo "lab/qemu.sh: LISPVM_LAB_SWAP_MB must be a number of MiB" >&2; exit 1;; esac
rm -f "$SWAP" && truncate -s "${SWAP_MB}M" "$SWAP" || { echo "lab/qemu.sh: cannot create $SWAP" >&2; exit 1; }
CACHEMODE=none
python3 -c 'import os,sys; os.close(os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT))' "$SWAP" 2>/dev/null \
  || CACHEMODE=writeback
THROTTLE=""
if [ -n "${LISPVM_LAB_SWAP_THROTTLE:-}" ]; then
  for kv in ${LISPVM_LAB_SWAP_THROTTLE//,/ }; do
    case "$kv" in
      iops-total=[0-9]*|bps-total=[0-9]*|iops-total-max=[0-9]*|bps-total-max=[0-9]*) THROTTLE="$THROTTLE,throttling.$kv";;
      *) echo "lab/qemu.sh: LISPVM_LAB_SWAP_THROTTLE: '$kv' is not iops-total=N, bps-total=N or their -max" >&2; exit 1;;
    esac
  done
fi
# What the Dom0 side reports as the device model (bench/gc-vs-paging reads it from the share).
echo "virtio-blk raw sparse ${SWAP_MB} MiB cache=$CACHEMODE throttle=${LISPVM_LAB_SWAP_THROTTLE:-none}" >"$SHARE/swap-device"

# Xen's lazy FPU switch (CR0.TS, #NM) is not safe under QEMU 7.2 TCG: with LispVm guests
# computing with doubles, Dom0 processes ran on another domain's XMM registers (python's
# bytes compare failed, sha256sum lied, xl aborted or corrupted malloc, bash segfaulted).
# spec-ctrl=eager-fpu makes Xen save and restore the FPU state at every vCPU switch;
# XenFpuIsolationTests is the reproducer (it failed on its first iteration without it).
# The AVX family stays off (an earlier, wrong suspect): with eager FPU the reproducer passes
# with plain -cpu max too, but the lab has no need of QEMU's youngest SIMD emulation.
CPU=${LISPVM_LAB_CPU:-max,avx=off,avx2=off,fma=off,f16c=off,vaes=off,vpclmulqdq=off}
exec qemu-system-x86_64 -accel tcg,thread=multi -cpu "$CPU" -m 3072 -smp 2 -no-reboot \
  -display none -monitor none \
  -kernel "$CACHE/xen" \
  -append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 smap=0 smep=0 spec-ctrl=eager-fpu loglvl=all guest_loglvl=all" \
  -initrd "$CACHE/vmlinuz root=/dev/vda rw console=hvc0 earlyprintk=xen quiet,$CACHE/initrd.img" \
  -drive "file=$CACHE/dom0.ext4,format=raw,if=virtio,snapshot=on" \
  -drive "file=$SWAP,format=raw,if=virtio,cache=$CACHEMODE$THROTTLE" \
  -virtfs "local,path=$SHARE,mount_tag=share,security_model=none" \
  -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0 \
  -serial "file:$SHARE/com1.log" \
  "$@"
