#!/usr/bin/env bash
# Sets up and runs LispVm. Default: the hosted development REPL (`lispvm` on .NET).
#   ./run.sh [lispvm args...]      hosted REPL (or: ./run.sh FILE.lisp, ./run.sh -e FORM)
#   ./run.sh --image               the REPL kernel image as a Linux process (artifacts/lispvm.elf)
#   ./run.sh --xen [lab/run.sh options]   the same image as a Xen PV guest in the lab (root)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
case "${1:-}" in
  --image)
    shift
    bash build/kernel.sh --with-engine >&2
    exec artifacts/lispvm.elf "$@" ;;
  --xen)
    shift
    bash build/kernel.sh --with-engine >&2
    bash lab/build.sh
    exec bash lab/run.sh artifacts/lispvm.elf "$@" ;;
  *)
    dotnet build src/LispVm.Hosted/LispVm.Hosted.csproj -c Release -v q -nologo >&2
    exec dotnet src/LispVm.Hosted/bin/Release/net10.0/lispvm.dll "$@" ;;
esac
