#!/bin/sh
# PID 1 of the lab's Dom0. Why: a full init system costs boot time under TCG; the lab
# needs only the Xen daemons and the 9p share. Everything run-specific comes from the
# share (/mnt/share/dom0.sh, written by lab/run.sh or the C# LabDriver), so changing a
# run script never rebuilds the cached disk image.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /run /tmp /mnt/share
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mkdir -p /run/lock            # /var/lock: virsh console locks the pty there
mount -t tmpfs tmpfs /tmp
mount -o remount,rw /
ip link set lo up
# cgroup v2 with the memory controller for the paging experiments (no systemd here to do it);
# zswap off so swapped pages really go to the swap disk (/dev/vdb, lab/qemu.sh).
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo +memory >/sys/fs/cgroup/cgroup.subtree_control \
  || echo "LAB: cgroup2 memory controller unavailable"
[ -w /sys/module/zswap/parameters/enabled ] && echo N >/sys/module/zswap/parameters/enabled
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback xen-blkback \
         bridge 9p 9pnet_virtio tun; do
  modprobe -q "$m" 2>/dev/null
done
mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen
/etc/init.d/xen start >/tmp/xen-start.log 2>&1 || cat /tmp/xen-start.log
ip link add xenbr0 type bridge 2>/dev/null && ip addr add 10.0.0.1/24 dev xenbr0 \
  && ip link set xenbr0 up
# libvirt's daemon (libxl driver, virsh -c xen:///system) is NOT started here: the libvirt
# test starts and stops it (tests/Image.Tests/Lab/XenLibvirtTests.cs). Left running in every
# Dom0 boot, a second libxl user on the host, one `xl restore` segfaulted in CI.
mkdir -p /run/libvirt /var/log/libvirt
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share /mnt/share \
  || echo "LAB: 9p mount failed"
echo "LAB-DOM0-READY uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ -f /mnt/share/dom0.sh ]; then
  sh /mnt/share/dom0.sh
else
  echo "LAB: no /mnt/share/dom0.sh, shell on hvc0"; sh
fi
sync
echo "LAB-DOM0-POWEROFF"
echo b > /proc/sysrq-trigger
sleep 60
