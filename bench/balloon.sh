#!/bin/sh
# Why: issue 12's balloon cycle as a benchmark: a guest of memory=64, maxmem=256 is grown to
# 200 MiB, fills 150 MB with large vectors, drops them and is shrunk to 48 MiB, CYCLES times
# (default 20), printing each grow/shrink time and the frames owned after each shrink (the
# same count every time = no leak). The work is in balloon-dom0.sh, run in the lab's Dom0.
# Usage: bench/balloon.sh [CYCLES]     (root; needs artifacts/lispvm.elf)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cycles=${1:-20}
[ "$(id -u)" = 0 ] || { echo "bench/balloon.sh: the Xen lab needs root" >&2; exit 1; }
img=$here/../artifacts/lispvm.elf
[ -x "$img" ] || { echo "bench/balloon.sh: $img missing; build/kernel.sh --all" >&2; exit 1; }
script=$(mktemp /tmp/balloon-dom0.XXXXXX.sh)
trap 'rm -f "$script"' EXIT
sed "s/@CYCLES@/$cycles/" "$here/balloon-dom0.sh" >"$script"
bash "$here/../lab/run.sh" "$img" --memory 64 --maxmem 256 --timeout $((120 + cycles * 240)) --script "$script"
