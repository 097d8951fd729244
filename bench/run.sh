#!/bin/sh
# Why: one command for the side-by-side benchmarks (issues 6 and 19); the work is in bench.py. It uses
# the system python3 (/usr/bin/python3) because python3-matplotlib comes from apt.
# Usage: bench/run.sh --cl-bench DIR [--quick] [--reps 5] [--only a,b] [--resume CSV] [--lab-csv CSV]   (issue 19's fixed set)
#        bench/run.sh --report CSV [--lab-csv CSV]                                               (rebuild md/png)
#        bench/run.sh [--quick] [--gabriel PATH [--tests PATH]] [--systems lispvm,image,clisp,ecl,sb-eval,sbcl] [--only a,b]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3; [ -x "$py" ] || py=python3
[ -f "$here/../src/LispVm.Hosted/bin/Release/net10.0/lispvm.dll" ] ||
  dotnet build "$here/../src/LispVm.Hosted/LispVm.Hosted.csproj" -c Release -v q -nologo
exec "$py" "$here/bench.py" "$@"
