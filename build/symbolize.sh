#!/usr/bin/env bash
# Annotates a panic report with symbol names: every 0x... address inside the image gets
# "<symbol+offset>" appended, using the image's own symbol table (nm). The kernel prints raw
# addresses because it carries no symbol names at run time.
#   artifacts/lispvm.elf < input | build/symbolize.sh [IMAGE]   (reads the report on stdin)
set -euo pipefail
IMAGE=${1:-"$(dirname "$0")/../artifacts/lispvm.elf"}
[ -f "$IMAGE" ] || { echo "symbolize.sh: no image $IMAGE (run build/kernel.sh)" >&2; exit 1; }
command -v nm >/dev/null || { echo "symbolize.sh: nm not found (apt-get install binutils)" >&2; exit 1; }
ADDR=() NAME=()
while read -r a t s; do
  case "$t" in t|T|w|W) ADDR+=($((16#$a))); NAME+=("$s") ;; esac
done < <(nm -n "$IMAGE")
lookup() { # address -> "symbol+0xoff" or nothing
  local a=$1 lo=0 hi=$((${#ADDR[@]} - 1)) mid
  [ "$hi" -ge 0 ] && [ "$a" -ge "${ADDR[0]}" ] || return 0
  while [ "$lo" -lt "$hi" ]; do
    mid=$(((lo + hi + 1) / 2))
    if [ "${ADDR[$mid]}" -le "$a" ]; then lo=$mid; else hi=$((mid - 1)); fi
  done
  [ $((a - ADDR[lo])) -le 65536 ] && printf '%s+0x%x' "${NAME[$lo]}" $((a - ADDR[lo]))
  return 0
}
while IFS= read -r line; do
  out=$line
  for w in $(grep -oE '0x[0-9a-f]{16}' <<<"$line" || true); do
    a=$((w))
    if [ "$a" -ge $((0x400000)) ] && [ "$a" -lt $((0x1000000)) ]; then
      s=$(lookup "$a"); [ -n "$s" ] && out="$out  <$s>"
    fi
  done
  printf '%s\n' "$out"
done
