#!/usr/bin/env bash
# Why: the differential ABI test (XenHeadersTests) compiles a C program against Debian's
# Xen public headers. This installs them (libxen-dev) when missing; needs root and apt.
set -euo pipefail
if [ -f /usr/include/xen/xen.h ]; then echo "xen headers present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-xen-headers.sh: need root to apt-get install libxen-dev" >&2; exit 1; fi
command -v apt-get >/dev/null || { echo "install-xen-headers.sh: no apt-get; install the Xen public headers by hand" >&2; exit 1; }
apt-get install -y -q libxen-dev >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q libxen-dev >/dev/null; }
test -f /usr/include/xen/xen.h && echo "xen headers installed"
