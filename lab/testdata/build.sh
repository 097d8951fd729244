#!/bin/sh
# Assembles lab/testdata/pvecho.S into a tiny Xen PV ELF (default /tmp/pvecho.elf).
# Why: a self-test guest for lab/run.sh and the LabDriver that needs no .NET build.
set -e
out="${1:-/tmp/pvecho.elf}"
d="$(dirname "$0")"
as --64 -o "$out.o" "$d/pvecho.S"
ld -m elf_x86_64 -static -nostdlib -Ttext=0x401000 -e _start -z max-page-size=0x1000 \
   -o "$out" "$out.o"
rm -f "$out.o"
echo "$out"
