#!/usr/bin/env bash
# Runs every LispVm test: unit tests (.NET), the kernel image as a Linux process, the GC-stress
# pass, issue 6's quick benchmark (a correctness check of LispVm's results; times only reported),
# and — with --lab or LISPVM_LAB=1 (CI sets it) — the Xen lab end-to-end tests.
# Installs what it needs (apt packages, NuGet restore) so a clean clone passes as root.
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
LAB=${LISPVM_LAB:-0}
[ "${CI:-}" = "true" ] && LAB=1
for a in "$@"; do
  case "$a" in
    --lab) LAB=1 ;;
    --no-lab) LAB=0 ;;
    -h|--help) echo "usage: ./test.sh [--lab|--no-lab]"; exit 0 ;;
    *) echo "test.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
export LISPVM_LAB=$LAB DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

PASSED=0; FAILED=0; SKIPPED=0
LOG=$ROOT/artifacts/test-logs; mkdir -p "$LOG"
step() { printf '\n=== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
fail_step() { echo "FAILED: $*"; FAILED=$((FAILED + 1)); }

# 1. Host tools the build needs.
step "host packages"
need=()
# ping and ip: the Linux-mode network test (tests/Image.Tests/LinuxNetTests.cs) runs them in
# a network namespace it creates; python3 drives its UDP echo.
for t in as:binutils ld:binutils readelf:binutils gcc:gcc ping:iputils-ping ip:iproute2 python3:python3; do
  command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  else echo "missing tools (${need[*]}); run as root or install them" >&2; fi
fi

# Debian's Xen public headers: the ABI differential test compiles against them.
bash tests/XenPv.Tests/install-xen-headers.sh || echo "warning: Xen headers missing; the header differential test will skip"

# 2. .NET build of the whole solution.
step "dotnet build"
if ! dotnet build LispVm.sln -c Release -v q -nologo > "$LOG/build.log" 2>&1; then
  tail -40 "$LOG/build.log"; fail_step "dotnet build"
fi

# 3. The kernel image.
step "kernel image"
# --all: the echo image (artifacts/lispvm-echo.elf) and the product REPL image (lispvm.elf), whose
# build compiles Gc/Reader/Eval against our corelib: the check that the engine stays kernel-safe.
if ! bash build/kernel.sh --all > "$LOG/kernel.log" 2>&1; then
  tail -40 "$LOG/kernel.log"; fail_step "build/kernel.sh --all"
else
  tail -3 "$LOG/kernel.log"
fi

# 4. The lab (cached under /var/cache/lispvm-lab; instant when warm).
if [ "$LAB" = 1 ]; then
  step "Xen lab"
  if ! bash lab/build.sh > "$LOG/lab.log" 2>&1; then
    tail -40 "$LOG/lab.log"; fail_step "lab/build.sh"
  else
    tail -3 "$LOG/lab.log"
  fi
fi

# 5. xunit projects. Each run writes a TRX file; its <Counters> are summed.
run_tests() { # name project [dotnet test args...]
  local name=$1 proj=$2; shift 2
  step "tests: $name"
  rm -f "$LOG/$name.trx"
  # A test that hangs is killed after 10 minutes of silence and counts as a failure.
  timeout 1500 dotnet test "$proj" -c Release --no-build -v q -nologo "$@" --blame-hang-timeout 10m \
      --logger "console;verbosity=normal" --logger "trx;LogFileName=$LOG/$name.trx" \
      > "$LOG/$name.log" 2>&1
  local rc=$?
  grep -E '^\s*(Failed|Skipped) ' "$LOG/$name.log" | head -40
  # Why each failed (the error message, up to its stack trace; 5 failures, 30 lines each): a
  # CI run's printout is often all there is to read afterwards.
  awk '/^[ \t]*Failed /{n++; if (n > 5) exit; p=1; k=0; print "  why: " $0; next}
       p && /Stack Trace:/{p=0} p && k < 30 {print "    " $0; k++}' "$LOG/$name.log"
  local counters; counters=$(grep -o '<Counters [^>]*>' "$LOG/$name.trx" 2>/dev/null | head -1)
  if [ -z "$counters" ]; then
    tail -30 "$LOG/$name.log"; fail_step "$name: no test results (rc=$rc)"; return
  fi
  local total p f
  total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
  p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  local s=$((total - p - f))
  echo "$name: $p passed, $f failed, $s skipped"
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + s))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then fail_step "$name: dotnet test exited $rc"; fi
}
# GC stress (LISPVM_GC_STRESS) runs inside LispVm.Tests: the transcripts and the Gc tests
# run a second time with a minor collection on every allocation.
run_tests xenpv tests/XenPv.Tests/XenPv.Tests.csproj
run_tests engine tests/LispVm.Tests/LispVm.Tests.csproj
run_tests image tests/Image.Tests/Image.Tests.csproj

# 6. Issue 6's quick benchmark: our programs side by side with CLISP, ECL and SBCL (installed
# with apt when missing). Times are only reported (this machine is noisy); the step fails
# if LispVm (hosted or image) gives a wrong result or fails. Counts as one test.
step "bench --quick"
if bash bench/run.sh --quick > "$LOG/bench-quick.log" 2>&1; then
  grep -E '^Equivalently|^Geometric' "$LOG/bench-quick.log"; echo "bench --quick: ok"; PASSED=$((PASSED + 1))
else
  tail -20 "$LOG/bench-quick.log"; fail_step "bench/run.sh --quick"
fi

echo
echo "logs: $LOG"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
