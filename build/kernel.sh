#!/usr/bin/env bash
# Builds the kernel images: csc (no BCL) over our corelib + XenPv.* + LispVm.Kernel (+ extra
# source dirs), ILC (pinned NativeAOT compiler) to an object file, GNU as for the entry
# stub, GNU ld with build's linker script. Idempotent; one command.
#   build/kernel.sh                      build the echo image artifacts/lispvm-echo.elf
#   build/kernel.sh --with-engine        build the product (Lisp REPL) image artifacts/lispvm.elf
#   build/kernel.sh --all                build both (the REPL build keeps the engine kernel-safe)
#   build/kernel.sh --check-engine       compile the engine sources (Gc, Reader, Eval) against
#                                        the corelib and report what is not kernel-safe
#   LISPVM_KERNEL_EXTRA="src/A src/B"    extra source directories compiled into the image
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ILC_VERSION=10.0.12
TOOLS=$ROOT/build/.tools
OUT=$ROOT/artifacts
OBJ=$OUT/obj/kernel
MODE=image
ALSO_REPL=0
EXTRA=${LISPVM_KERNEL_EXTRA:-}
ENGINE_DIRS="src/LispVm.Gc src/LispVm.Reader src/LispVm.Eval"
for a in "$@"; do
  case "$a" in
    --check-engine) MODE=check ;;
    --with-engine) EXTRA="$EXTRA $ENGINE_DIRS" ;;
    --all) ALSO_REPL=1 ;;
    --extra=*) EXTRA="$EXTRA ${a#--extra=}" ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "kernel.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

die() { echo "kernel.sh: $*" >&2; exit 1; }
for t in dotnet as ld readelf; do
  command -v $t >/dev/null 2>&1 || die "missing tool '$t' (binutils: apt-get install binutils; .NET SDK 10 for dotnet)"
done

# csc from the installed SDK.
SDK_LINE=$(dotnet --list-sdks | grep '^10\.' | tail -1)
[ -n "$SDK_LINE" ] || die "no .NET 10 SDK found (dotnet --list-sdks)"
SDK_DIR="$(sed -E 's/^([^ ]+) \[(.*)\]$/\2/' <<<"$SDK_LINE")/$(cut -d' ' -f1 <<<"$SDK_LINE")"
CSC=$SDK_DIR/Roslyn/bincore/csc.dll
[ -f "$CSC" ] || die "csc not found at $CSC"

# Pinned ILC, restored once into build/.tools (git-ignored).
ILC=$TOOLS/packages/runtime.linux-x64.microsoft.dotnet.ilcompiler/$ILC_VERSION/tools/ilc
if [ ! -x "$ILC" ]; then
  echo "restoring ILC $ILC_VERSION into build/.tools ..."
  dotnet restore build/tools/IlcTools.csproj --packages "$TOOLS/packages" -v q -nologo >/dev/null \
    || die "dotnet restore of build/tools/IlcTools.csproj failed"
  [ -x "$ILC" ] || die "ILC not found at $ILC after restore"
fi

# The check mode keeps its own intermediates so it never disturbs a normal build.
[ "$MODE" = check ] && OBJ=$OUT/obj/kernel-check
mkdir -p "$OBJ"
# Sources of one directory: every .cs except build output and hosted-only files
# (convention: a `Hosted/` subfolder holds code that needs the BCL).
sources_of() {
  find "$1" -name '*.cs' -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/Hosted/*' | sort
}
# The Lisp boot sources (src/LispVm.Eval/lisp/*.lisp) as string literals, the same file
# LispVm.Eval.csproj generates for the hosted build (BootSources.Names / .Texts).
gen_boot_sources() { # output-file
  local out=$1 f
  {
    printf '// Generated from src/LispVm.Eval/lisp/*.lisp by build/kernel.sh. Do not edit.\n'
    printf 'namespace LispVm.Eval;\npublic static class BootSources\n{\n'
    printf '    public static readonly string[] Names = {\n'
    for f in $(ls src/LispVm.Eval/lisp/*.lisp 2>/dev/null | LC_ALL=C sort); do printf '        "%s",\n' "$(basename "$f")"; done
    printf '    };\n    public static readonly string[] Texts = {\n'
    for f in $(ls src/LispVm.Eval/lisp/*.lisp 2>/dev/null | LC_ALL=C sort); do
      printf '        @"'; sed 's/"/""/g' "$f"; printf '",\n'
    done
    printf '    };\n}\n'
  } > "$out"
}
# Files of a source directory plus what the build generates for it.
dir_sources() { # dir
  sources_of "$1"
  if [ "$1" = src/LispVm.Eval ] && [ -d src/LispVm.Eval/lisp ]; then
    gen_boot_sources "$OBJ/BootSources.g.cs"
    echo "$OBJ/BootSources.g.cs"
  fi
}
CSC_FLAGS=(-noconfig -nostdlib -unsafe -optimize -deterministic -langversion:latest
  -runtimemetadataversion:v4.0.30319 -target:library -nologo -warn:0 -nowarn:CS8500)

status=0
OK_DIRS=""
if [ "$MODE" = check ]; then
  # Each engine project separately, with corelib (+ its in-repo dependencies), so the
  # report says which project is not kernel-safe.
  for d in $ENGINE_DIRS; do
    [ -d "$d" ] || continue
    srcs=$(sources_of "$d")
    [ -n "$srcs" ] || { echo "== $d: no sources yet"; continue; }
    deps=""
    case "$d" in
      src/LispVm.Reader) deps="src/LispVm.Gc" ;;
      src/LispVm.Eval) deps="src/LispVm.Gc src/LispVm.Reader src/LispVm.Net" ;;
    esac
    all=$(for x in src/LispVm.Corelib $deps $d; do dir_sources "$x"; done)
    log=$OBJ/check-$(basename "$d").log
    if dotnet exec "$CSC" "${CSC_FLAGS[@]}" -out:"$OBJ/check.dll" $all > "$log" 2>&1; then
      echo "== $d: compiles against the corelib"
      OK_DIRS="$OK_DIRS $deps $d"
    else
      n=$(grep -c ': error ' "$log" || true)
      echo "== $d: $n errors (first 40; full log $log)"
      grep ': error ' "$log" | sed "s|$ROOT/||" | head -40
      status=1
    fi
  done
fi

# build_image EXTRA_DIRS OUTPUT: csc -> ilc -> as -> ld.
build_image() {
  local extra=$1 out=$2 src_dirs defines all
  src_dirs="src/LispVm.Corelib src/XenPv.Shim src/XenPv.Console src/XenPv.Xenbus src/XenPv.Netfront src/LispVm.Net src/LispVm.Kernel $extra"
  all=$(for d in $src_dirs; do [ -d "$d" ] || die "no source directory $d"; dir_sources "$d"; done)
  defines="-define:LISPVM_KERNEL"
  [ -n "${extra// /}" ] && defines="-define:LISPVM_KERNEL;LISPVM_ENGINE"
  echo "csc: $(wc -l <<<"$all") files from $src_dirs"
  dotnet exec "$CSC" "${CSC_FLAGS[@]}" $defines -out:"$OBJ/LispVmKernel.dll" $all > "$OBJ/csc.log" 2>&1 \
    || { grep -E 'error' "$OBJ/csc.log" | sed "s|$ROOT/||" | head -60; die "csc failed (log $OBJ/csc.log)"; }

  echo "ilc $ILC_VERSION"
  "$ILC" "$OBJ/LispVmKernel.dll" -o "$OBJ/kernel.o" --systemmodule:LispVmKernel --nativelib --Ot \
    --targetos:linux --targetarch:x64 --instruction-set:x86-64 > "$OBJ/ilc.log" 2>&1 \
    || { grep -v '^   at ' "$OBJ/ilc.log" | head -40; die "ilc failed (log $OBJ/ilc.log)"; }

  as --64 -o "$OBJ/entry.o" src/LispVm.Kernel/Asm/entry.S || die "as failed"
  link_image "$out" "${extra// /}" ""
}

# link_image OUTPUT ENGINE HEAP_IMAGE: ld; the REPL image also gets the heap-image blob
# (lispvm_heap_image / lispvm_heap_image_size; empty when HEAP_IMAGE is "").
link_image() {
  local out=$1 engine=$2 img=$3 objs="$OBJ/entry.o $OBJ/kernel.o"
  if [ -n "$engine" ]; then
    {
      echo '        .section .rodata.lispvm_heap_image,"a"'
      echo '        .balign 4096'
      echo 'lispvm_heap_image_data:'
      [ -n "$img" ] && echo "        .incbin \"$img\""
      echo 'lispvm_heap_image_end:'
      echo '        .text'
      echo '        .globl lispvm_heap_image, lispvm_heap_image_size'
      echo 'lispvm_heap_image:'
      echo '        lea lispvm_heap_image_data(%rip), %rax'
      echo '        ret'
      echo 'lispvm_heap_image_size:'
      echo '        lea lispvm_heap_image_end(%rip), %rax'
      echo '        lea lispvm_heap_image_data(%rip), %rdx'
      echo '        sub %rdx, %rax'
      echo '        ret'
      echo '        .section .note.GNU-stack,"",@progbits'
    } > "$OBJ/heapimage.S"
    as --64 -o "$OBJ/heapimage.o" "$OBJ/heapimage.S" || die "as failed (heap image)"
    objs="$objs $OBJ/heapimage.o"
  fi
  ld -static -nostdlib --no-dynamic-linker -z noexecstack -z max-page-size=4096 --no-warn-rwx-segments \
    -T src/LispVm.Kernel/Asm/kernel.ld -o "$out" $objs \
    2> "$OBJ/ld.log" || { head -40 "$OBJ/ld.log"; die "ld failed (log $OBJ/ld.log)"; }
}

# The REPL image compiles the Lisp library when it first runs (as a Linux process, with
# LISPVM_DUMP_IMAGE=1) and the heap image it writes is linked back in, so guests map the
# library instead of compiling it at boot. LISPVM_NO_HEAP_IMAGE=1 skips this.
add_heap_image() {
  local out=$1 img="$OBJ/heap.img" t0 t1
  [ "${LISPVM_NO_HEAP_IMAGE:-0}" = 1 ] && { echo "heap image: skipped (LISPVM_NO_HEAP_IMAGE=1)"; return 0; }
  t0=$(date +%s%N)
  if ! LISPVM_DUMP_IMAGE=1 "$out" > "$img" 2> "$OBJ/heap-image.log" </dev/null; then
    echo "kernel.sh: warning: heap image not made (log $OBJ/heap-image.log): the library compiles at boot" >&2
    head -c 300 "$img" >&2; return 0
  fi
  if [ "$(head -c 8 "$img")" != "LVPLIMG1" ]; then
    echo "kernel.sh: warning: heap image output is not an image: the library compiles at boot" >&2
    head -c 300 "$img" >&2; echo >&2; return 0
  fi
  t1=$(date +%s%N)
  link_image "$out" engine "$img"
  echo "heap image: $(stat -c %s "$img") bytes, made in $(( (t1 - t0) / 1000000 )) ms, linked into $(basename "$out")"
}

if [ "$MODE" = check ]; then
  # The projects that compile also go through ILC and the linker (ILC compiles only what the
  # kernel reaches, so this catches missing runtime helpers as the kernel uses more).
  OK_DIRS=$(tr ' ' '\n' <<<"$OK_DIRS" | awk 'NF && !seen[$0]++' | tr '\n' ' ')
  if [ -n "${OK_DIRS// /}" ]; then
    ( build_image "$OK_DIRS" "$OBJ/engine-check.elf" ) > "$OBJ/engine-image.log" 2>&1 \
      && echo "== image with $OK_DIRS: links" \
      || { tail -20 "$OBJ/engine-image.log"; echo "== image with $OK_DIRS: FAILS"; status=1; }
  fi
  exit $status
fi

# build_and_report EXTRA_DIRS NAME: the product image with the engine (the Lisp REPL) is
# lispvm.elf, the foundation echo image (no extra dirs) is lispvm-echo.elf, each with its
# own intermediates so one run can build both (--all); issue 3's tests run the echo image.
build_and_report() {
  local extra=$1 name=$2 size
  build_image "$extra" "$OUT/$name"
  [ -n "${extra// /}" ] && add_heap_image "$OUT/$name"
  size=$(stat -c %s "$OUT/$name")
  echo "artifacts/$name: $size bytes ($((size / 1024)) KiB)"
  # The echo kernel must stay below 1 MiB; with the engine the Lisp sources (UTF-16 string
  # literals) dominate, so there it is only a warning.
  if [ "$size" -ge 1048576 ]; then
    [ -z "${extra// /}" ] && die "image is not below 1 MiB"
    echo "kernel.sh: warning: image with the engine is $((size / 1024)) KiB (>= 1 MiB)" >&2
  fi
  return 0
}

if [ -n "${EXTRA// /}" ]; then
  OBJ=$OUT/obj/kernel-repl; mkdir -p "$OBJ"
  build_and_report "$EXTRA" lispvm.elf
else
  build_and_report "" lispvm-echo.elf
  if [ "$ALSO_REPL" = 1 ]; then
    OBJ=$OUT/obj/kernel-repl; mkdir -p "$OBJ"
    build_and_report "$ENGINE_DIRS" lispvm.elf
  fi
fi
