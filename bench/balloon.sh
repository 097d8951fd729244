#!/bin/sh
# Why: issue 12's balloon soak in one command: the REPL image as a Xen guest (memory=64,
# maxmem=256) driven through N cycles of xl mem-set 200 / 150 MB live / drop / mem-set 48,
# printing each grow, fill and shrink time and the frames owned after each shrink; fails if
# frames owned drift (a leak). Usage: sudo bench/balloon.sh [CYCLES]   (default 20; root)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "bench/balloon.sh: the Xen lab needs root (QEMU)" >&2; exit 1; }
img="$here/../artifacts/lispvm.elf"
[ -x "$img" ] || { echo "bench/balloon.sh: $img missing; build it with build/kernel.sh --with-engine" >&2; exit 1; }
n=${1:-20}
case "$n" in ''|*[!0-9]*) echo "bench/balloon.sh: CYCLES must be a number" >&2; exit 2;; esac
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
{ echo "BALLOON_CYCLES=$n"; cat "$here/balloon-dom0.sh"; } > "$tmp"
exec bash "$here/../lab/run.sh" "$img" --memory 64 --maxmem 256 --timeout $((120 + n * 120)) --script "$tmp"
