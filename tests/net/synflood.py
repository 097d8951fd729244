#!/usr/bin/env python3
# Why: issue 17's SYN flood: a bounded burst of SYNs from spoofed source addresses that do
# not exist on the guest's subnet (default 10.0.0.100-10.0.0.199), so nobody answers the
# guest's ARP or SYN-ACKs and each SYN leaves a half-open (SYN-RECEIVED) connection until the
# guest's SYN-RECEIVED timeout (10 s, NetStack.TcpTimers.cs) ends it. Dom0's own kernel would
# RST SYN-ACKs sent to its real address, which would hide the problem; hence spoofed IPs,
# written as whole Ethernet frames (AF_PACKET, bound to IFACE: xenbr0 / the vif in Dom0, the
# TAP's host side in a test namespace) from a locally administered MAC nobody owns.
# Usage (root):
#   synflood.py IFACE DST_MAC|auto DST_IP DST_PORT [COUNT] [FIRST_SRC] [NSRC] [MAX_SECONDS] [SEED]
# DST_MAC auto: ping DST_IP once and read the neighbour table. Stops by itself after COUNT
# SYNs (default 1000) or MAX_SECONDS (default 20). Prints "synflood: sent N SYNs from K
# addresses to IP:PORT in S s".
import ipaddress, os, random, socket, struct, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawpkt import csum, resolve_mac as _resolve  # noqa: E402


def resolve_mac(ip):
    return _resolve(ip, "synflood")

def tcp_syn(src, dst, sport, dport, seq, rng):
    opts = struct.pack("!BBH", 2, 4, 1460) + struct.pack("!BBBB", 1, 3, 3, rng.randint(0, 8))   # MSS, NOP, WS
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(h)) + h)
    return h[:16] + struct.pack("!H", c) + h[18:]

def ipv4(src, dst, proto, payload, rng):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), rng.getrandbits(16), 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def main():
    a = sys.argv[1:]
    if len(a) < 4: sys.exit("usage: synflood.py IFACE DST_MAC|auto DST_IP DST_PORT [COUNT] [FIRST_SRC] [NSRC] [MAX_SECONDS] [SEED]")
    iface, mac_s, dst_ip_s, port = a[0], a[1], a[2], int(a[3])
    count = int(a[4]) if len(a) > 4 else 1000
    first = ipaddress.IPv4Address(a[5] if len(a) > 5 else "10.0.0.100")
    nsrc = int(a[6]) if len(a) > 6 else 100
    max_s = float(a[7]) if len(a) > 7 else 20.0
    rng = random.Random(int(a[8]) if len(a) > 8 else 17)
    if mac_s == "auto": mac_s = resolve_mac(dst_ip_s)
    dst_mac = bytes.fromhex(mac_s.replace(":", ""))
    dst = socket.inet_aton(dst_ip_s)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    t0 = time.monotonic()
    sent = 0
    while sent < count and time.monotonic() - t0 < max_s:
        k = sent % nsrc
        src = (first + k).packed
        src_mac = bytes([0x06, 0x53, 0x59, 0x4e, (k >> 8) & 255, k & 255])   # locally administered, unicast
        seg = tcp_syn(src, dst, rng.randint(1024, 65535), port, rng.getrandbits(32), rng)
        s.send(dst_mac + src_mac + b"\x08\x00" + ipv4(src, dst, 6, seg, rng))
        sent += 1
        if sent % 50 == 0: time.sleep(0.001)       # a burst, not a wall: the link stays usable
    print("synflood: sent %d SYNs from %d addresses to %s:%d in %.2f s"
          % (sent, min(sent, nsrc), dst_ip_s, port, time.monotonic() - t0), flush=True)

main()
