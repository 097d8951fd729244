#!/bin/sh
# Why: one command for issue 6's lab comparison: the image as a Xen PV guest against the same
# image as a Linux process in the lab's Dom0 (same emulated CPU). The work is in lab.py (host
# side) and lab-dom0.sh (Dom0 side); this only checks what they need first.
# Usage: bench/lab.sh [--reps N] [--cl-bench DIR] [--only tak,lists] [--out DIR] [--dry-run]
#   (root; writes bench/results/lab-DATE.{md,csv}; bench.py --lab-csv merges its ratio column)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "bench/lab.sh: the Xen lab needs root (QEMU, debootstrap)" >&2; exit 1; }
[ -x "$here/../artifacts/lispvm.elf" ] ||
  { echo "bench/lab.sh: artifacts/lispvm.elf missing; build it with build/kernel.sh --all (~5-60 s)" >&2; exit 1; }
# lab/run.sh (called by lab.py) builds the lab if needed and fails clearly if it cannot start.
py=/usr/bin/python3; [ -x "$py" ] || py=python3
exec "$py" "$here/lab.py" "$@"
