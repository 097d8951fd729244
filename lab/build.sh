#!/bin/bash
# Builds the cached Xen lab: Xen 4.17 hypervisor + Debian Dom0 (kernel, busybox initramfs,
# ext4 root with the Xen tools) that lab/run.sh and the C# LabDriver boot under QEMU TCG.
# Why a script and a cache: everything comes from Debian packages via the machine's own apt
# sources (no host name in the repo); a stamp (hash of this script, its inputs and the
# package versions) makes warm runs instant. Usage: lab/build.sh [--force]. Needs root.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${LISPVM_LAB_CACHE:-/var/cache/lispvm-lab}"
SUITE=bookworm
XENPKG=xen-hypervisor-4.17-amd64
T0=$(date +%s%N)

step() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[lab-build %4d.%ds] %s\n' $((ms/1000)) $((ms%1000/100)) "$*"; }
die() { echo "lab/build.sh: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mkfs); try: sudo lab/build.sh"

# One build at a time (CI and several developers share the cache).
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -n 9 || { step "waiting for another lab build to finish"; flock 9; }

# --- host packages -------------------------------------------------------------------
HOST_PKGS="qemu-system-x86 debootstrap busybox-static e2fsprogs cpio socat kmod"
missing=""
for p in $HOST_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  step "installing host packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends $missing >/tmp/lispvm-lab-apt.log 2>&1 || {
    apt-get update -q >>/tmp/lispvm-lab-apt.log 2>&1
    apt-get install -y -q --no-install-recommends $missing >>/tmp/lispvm-lab-apt.log 2>&1 \
      || die "apt-get install$missing failed (see /tmp/lispvm-lab-apt.log)"
  }
fi

# --- fast path: same scripts and same apt package lists as the last good build ---------
# (apt-cache queries cost ~2 s; the lists only change with apt-get update.)
FASTKEY="$( { cat "$LAB_DIR/build.sh" "$LAB_DIR/dom0/init.sh"; stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* 2>/dev/null; } | sha256sum | cut -c1-32)"
if [ "${1:-}" != "--force" ] && [ -f "$CACHE/fastkey" ] && [ "$(cat "$CACHE/fastkey")" = "$FASTKEY" ] \
   && [ -f "$CACHE/dom0.ext4" ]; then
  step "lab up to date in $CACHE ($(cat "$CACHE/stamp"))"
  exit 0
fi

# --- mirror from the machine's apt sources (deb822 .sources or sources.list) ---------
# Prints "URI SUITE" pairs for the main archive and the security archive.
apt_sources() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN{RS="";FS="\n"}
      { uri=""; suites=""; types="";
        for(i=1;i<=NF;i++){ if($i ~ /^#/) continue;
          if($i ~ /^URIs:/){sub(/^URIs:[ \t]*/,"",$i); uri=$i}
          if($i ~ /^Suites:/){sub(/^Suites:[ \t]*/,"",$i); suites=$i}
          if($i ~ /^Types:/){sub(/^Types:[ \t]*/,"",$i); types=$i} }
        if(types ~ /(^| )deb( |$)/ && uri!=""){ split(uri,u," "); n=split(suites,s," ");
          for(j=1;j<=n;j++) print u[1], s[j] } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1=="deb"{ i=2; if($2 ~ /^\[/){ while(i<=NF && $i !~ /\]$/) i++; i++ } print $i, $(i+1) }' "$f"
  done
}
SOURCES="$(apt_sources | sort -u)"
MIRROR="$(echo "$SOURCES" | awk -v s=$SUITE '$2==s{print $1; exit}')"
SECURITY="$(echo "$SOURCES" | awk -v s=$SUITE-security '$2==s{print $1; exit}')"
[ -n "$MIRROR" ] || die "no '$SUITE' suite found in /etc/apt/sources.list{,.d}"
MIRROR="${MIRROR%/}"; SECURITY="${SECURITY%/}"

# --- versions: detect the Dom0 kernel ABI from the linux-image-amd64 metapackage ------
cand() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/{print $2}'; }
KPKG="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')"
[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64 (run apt-get update?)"
KVER="${KPKG#linux-image-}"
# Xen comes from the release suite ($SUITE/main), not from $SUITE-security: the security
# build 4.17.7 turns shadow paging off (XSA-495 "x86 shadow paging is deprecated"), and a PV
# guest's log-dirty mode, which `xl migrate` needs, is shadow paging (issue 20). Hypervisor
# and tools are pinned to that one version in the root, so they match.
relver() { apt-cache madison "$1" 2>/dev/null | awk -F' [|] ' -v s="$SUITE/main" 'index($3, " " s " ") {print $2; exit}'; }
XENVER="$(relver $XENPKG)"; KPKGVER="$(cand "$KPKG")"; UTILSVER="$(relver xen-utils-4.17)"
for v in XENVER KPKGVER UTILSVER; do
  [ -n "${!v}" ] && [ "${!v}" != "(none)" ] || die "package for $v not available from apt (apt-get update?)"
done

# --- stamp: rebuild only when an input changes ------------------------------------------
STAMP="$(cat "$LAB_DIR/build.sh" "$LAB_DIR/dom0/init.sh" | sha256sum | cut -c1-16)"
STAMP="$STAMP $KVER $XENVER $KPKGVER $UTILSVER"
if [ "${1:-}" != "--force" ] && [ -f "$CACHE/stamp" ] && [ "$(cat "$CACHE/stamp")" = "$STAMP" ] \
   && [ -f "$CACHE/dom0.ext4" ]; then
  echo "$FASTKEY" >"$CACHE/fastkey"
  step "lab up to date in $CACHE (xen $XENVER, dom0 kernel $KVER)"
  exit 0
fi
step "building lab in $CACHE: xen $XENVER, dom0 kernel $KVER, utils $UTILSVER"

WORK="$CACHE/work"
rm -rf "$WORK"; mkdir -p "$WORK/debs" "$WORK/unpack"
cd "$WORK/debs"

# --- hypervisor + kernel debs (downloaded while debootstrap runs) ----------------------
step "apt-get download $XENPKG $KPKG"
( apt-get download -q "$XENPKG=$XENVER" "$KPKG=$KPKGVER" >"$WORK/download.log" 2>&1 \
  && for d in *.deb; do dpkg-deb -x "$d" "$WORK/unpack"; done \
  && echo ok >"$WORK/download.ok" ) &
DL_PID=$!

# --- Dom0 root filesystem ----------------------------------------------------------------
ROOT="$WORK/root"
step "debootstrap $SUITE (minbase + xen-utils)"
debootstrap --variant=minbase \
  --include=xen-utils-4.17,xen-utils-common,iproute2,socat,kmod,udev,procps,busybox,iputils-ping,tcpdump,python3,sbcl,clisp \
  "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -20 "$WORK/debootstrap.log" >&2 || true; die "debootstrap failed (log: $WORK/debootstrap.log)"; }

step "dist-upgrade the root to the same apt state as the hypervisor"
{
  echo "deb $MIRROR $SUITE main"
  echo "deb $MIRROR $SUITE-updates main"
  [ -n "$SECURITY" ] && echo "deb $SECURITY $SUITE-security main"
} >"$ROOT/etc/apt/sources.list"
printf 'Package: xen-* libxen* xenstore-utils\nPin: version %s\nPin-Priority: 1001\n' "$UTILSVER" \
  >"$ROOT/etc/apt/preferences.d/lab-xen"   # the release-suite Xen (see XENVER above)
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"; chmod +x "$ROOT/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
chroot "$ROOT" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive;
  apt-get update -q && apt-get -y -q -o Dpkg::Options::=--force-confdef dist-upgrade && apt-get clean' \
  >"$WORK/upgrade.log" 2>&1 || { tail -20 "$WORK/upgrade.log" >&2 || true; die "dist-upgrade in the root failed"; }
# libvirt with its libxl driver (issue 20: virsh define/start/console/save/restore on a guest).
# Installed with apt after the upgrade (its closure resolves better than debootstrap's), no
# recommends; policy-rc.d above keeps its daemons from starting here. lab/dom0/init.sh starts
# libvirtd when it is present. Cost measured: see lab/README.md.
step "libvirt (libxl driver, virsh)"
chroot "$ROOT" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive;
  apt-get install -y -q --no-install-recommends libvirt-daemon-driver-xen libvirt-daemon libvirt-clients && apt-get clean' \
  >"$WORK/libvirt.log" 2>&1 || { tail -20 "$WORK/libvirt.log" >&2 || true; die "installing libvirt in the root failed"; }
# The libxl driver decodes the host CPU from Xen's feature words with libvirt's CPU map, and no
# model in it matches what Xen reports under QEMU TCG: libvirtd then fails with "Cannot find
# suitable CPU model for given data" / "cannot create capabilities for libxenlight". A model
# with no features (decode only, never offered to guests) always matches. (Xen's hw_caps under
# QEMU's -cpu max, 1fcbf3fd:..., lack VME, which even the smallest model, 486, needs.)
M="$ROOT/usr/share/libvirt/cpu_map"
[ -f "$M/index.xml" ] || die "libvirt's CPU map is not at /usr/share/libvirt/cpu_map"
printf "<cpus>\n  <model name='lab-tcg'>\n    <decode host='on' guest='off'/>\n  </model>\n</cpus>\n" >"$M/x86_lab-tcg.xml"
sed -i "s|^\( *\)<include filename='x86_486.xml'/>|&\n\1<include filename='x86_lab-tcg.xml'/>|" "$M/index.xml"
grep -q x86_lab-tcg.xml "$M/index.xml" || die "could not add the lab-tcg model to libvirt's CPU map"
# libvirt-daemon depends on the QEMU driver, whose start-up needs the user libvirt-daemon-system
# would create ("Failed to parse user 'libvirt-qemu'" ends libvirtd): the lab drives Xen only,
# and libvirtd skips a connection driver whose module is absent.
rm -f "$ROOT"/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so
rm -rf "$ROOT/var/lib/apt/lists/"* "$ROOT/usr/share/doc" "$ROOT/usr/share/man" "$ROOT/usr/share/locale"
mkdir -p "$ROOT/usr/share/locale"   # clisp warns at every start without it
GOT="$(chroot "$ROOT" dpkg-query -W -f='${Version}' xen-utils-4.17)"
[ "$GOT" = "$UTILSVER" ] || die "xen-utils-4.17 in the root is $GOT, hypervisor is $XENVER: version skew"

wait $DL_PID || true
[ -f "$WORK/download.ok" ] || { cat "$WORK/download.log" >&2; die "apt-get download failed"; }
step "kernel modules for $KVER"
KDIR="$WORK/unpack"
depmod -b "$KDIR" "$KVER"
MODS_ROOT="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback xen-blkback bridge 9p 9pnet_virtio virtio_net virtio_console tun"
MODS_INITRD="virtio_pci virtio_blk ext4"
showdeps() { modprobe -d "$KDIR" -S "$KVER" --show-depends $1 2>/dev/null | awk '$1=="insmod"{print $2}'; }
mods=""
for m in $MODS_ROOT $MODS_INITRD; do mods="$mods $(showdeps "$m")"; done
MDIR="$ROOT/lib/modules/$KVER"
rm -rf "$MDIR"; mkdir -p "$MDIR"
cp "$KDIR/lib/modules/$KVER"/modules.order "$KDIR/lib/modules/$KVER"/modules.builtin* "$MDIR/"
n=0
for f in $(echo $mods | tr ' ' '\n' | sort -u); do
  rel="${f#$KDIR/lib/modules/$KVER/}"
  mkdir -p "$MDIR/$(dirname "$rel")"; cp "$f" "$MDIR/$rel"; n=$((n+1))
done
depmod -b "$ROOT" "$KVER"
step "copied $n modules into the root"

# --- PID 1 and small config --------------------------------------------------------------
install -m 755 "$LAB_DIR/dom0/init.sh" "$ROOT/sbin/lab-init"
echo lispvm-lab-dom0 >"$ROOT/etc/hostname"
echo "share /mnt/share 9p trans=virtio,version=9p2000.L 0 0" >"$ROOT/etc/fstab"

# --- busybox initramfs: load virtio + ext4, switch_root to /dev/vda --------------------
step "initramfs"
IR="$WORK/initramfs"
mkdir -p "$IR/bin" "$IR/mods" "$IR/dev" "$IR/proc" "$IR/sys" "$IR/newroot"
cp /bin/busybox "$IR/bin/busybox"
for a in sh mount insmod switch_root sleep echo mkdir cat; do ln -sf busybox "$IR/bin/$a"; done
: >"$IR/mods/order"
seen=" "
for m in $MODS_INITRD; do
  for f in $(showdeps "$m"); do
    b="$(basename "$f")"
    case "$seen" in *" $b "*) continue;; esac
    seen="$seen$b "; cp "$f" "$IR/mods/$b"; echo "$b" >>"$IR/mods/order"
  done
done
cat >"$IR/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod /mods/$m 2>/dev/null; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mount -t ext4 -o rw /dev/vda /newroot || { echo "initramfs: cannot mount /dev/vda"; exec sh; }
exec switch_root /newroot /sbin/lab-init
INIT
chmod +x "$IR/init"
(cd "$IR" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initrd.img"

# --- artefacts ----------------------------------------------------------------------------
step "hypervisor, kernel, ext4 image"
gunzip -c "$KDIR/boot/xen-4.17-amd64.gz" >"$WORK/xen" 2>/dev/null \
  || cp "$(ls "$KDIR"/boot/xen-4.17*-amd64* | head -1)" "$WORK/xen"
cp "$KDIR/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
mkfs.ext4 -q -F -L lab-dom0 -d "$ROOT" "$WORK/dom0.ext4" 600M >/dev/null \
  || die "mkfs.ext4 -d failed"
for f in xen vmlinuz initrd.img dom0.ext4; do mv -f "$WORK/$f" "$CACHE/$f"; done
echo "$KVER" >"$CACHE/kver"
echo "$STAMP" >"$CACHE/stamp"
echo "$FASTKEY" >"$CACHE/fastkey"
echo $(( ($(date +%s%N) - T0) / 1000000 )) >"$CACHE/build-ms"   # last cold build, for reports
rm -rf "$WORK"
step "lab ready in $CACHE ($(du -sh --apparent-size "$CACHE" | cut -f1) apparent, $(du -sh "$CACHE" | cut -f1) used)"
