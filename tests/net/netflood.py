#!/usr/bin/env python3
# Why: issue 16's hostile-input check: a bounded flood of garbage frames at one guest —
# random bytes, truncated headers, bad IPv4/ICMP/UDP checksums, fragments, bad IHL and
# lengths, malformed ARP and an ARP storm from many senders — written raw (AF_PACKET) to
# IFACE (the guest's vif in Dom0, or a TAP's peer side in a test namespace). Never
# leaves that link. Usage (root):
#   netflood.py IFACE DST_MAC DST_IP SRC_IP ECHO_PORT [PER_CLASS] [SEED] [MAX_SECONDS]
# Prints "flood: CLASS N" per class and "flood: total N in S s". Stops by itself at
# PER_CLASS frames per class or MAX_SECONDS, whichever comes first.
import os, random, socket, struct, sys, time

iface, dst_mac_s, dst_ip_s, src_ip_s, echo_port = sys.argv[1:6]
per = int(sys.argv[6]) if len(sys.argv) > 6 else 200
rng = random.Random(int(sys.argv[7]) if len(sys.argv) > 7 else 7)
max_s = float(sys.argv[8]) if len(sys.argv) > 8 else 20.0
echo_port = int(echo_port)
dst_mac = bytes.fromhex(dst_mac_s.replace(":", ""))
dst_ip, src_ip = socket.inet_aton(dst_ip_s), socket.inet_aton(src_ip_s)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
src_mac = bytes([0x02, 0x66, 0x6c, 0x6f, 0x6f, 0x64])

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawpkt import csum  # noqa: E402

def eth(payload, etype=0x0800, dst=dst_mac, src=src_mac):
    return dst + src + struct.pack("!H", etype) + payload

def ipv4(proto, payload, good_sum=True, flags_frag=0x4000, ihl=5, total=None, src=src_ip, dst=dst_ip):
    tl = total if total is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, 0, tl, rng.getrandbits(16), flags_frag, 64, proto, 0, src, dst)
    c = csum(h)
    if not good_sum: c ^= 0x1234
    return h[:10] + struct.pack("!H", c) + h[12:] + payload

def icmp_echo(good_sum=True):
    body = struct.pack("!HH", rng.getrandbits(16), rng.getrandbits(16)) + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
    h = struct.pack("!BBH", 8, 0, 0) + body
    c = csum(h)
    if not good_sum: c ^= 0x0F0F
    return h[:2] + struct.pack("!H", c) + h[4:]

def udp(port, payload, good_sum=True, length=None):
    ln = length if length is not None else 8 + len(payload)
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, 8 + len(payload))
    h = struct.pack("!HHHH", rng.randint(1024, 65535), port, ln, 0) + payload
    c = csum(pseudo + h) or 0xFFFF
    if not good_sum: c = (c ^ 0x5A5A) or 1
    return h[:6] + struct.pack("!H", c) + h[8:]

def arp(op=1, sha=None, spa=None, tpa=dst_ip, hlen=6, plen=4, htype=1):
    sha = sha or bytes([0x02] + [rng.getrandbits(8) for _ in range(5)])
    spa = spa or bytes([10, 0, 0, rng.randint(3, 254)])
    return struct.pack("!HHBBH", htype, 0x0800, hlen, plen, op) + sha + spa + b"\0" * 6 + tpa

def rnd(n): return bytes(rng.getrandbits(8) for _ in range(n))

classes = {
    "random-bytes":      lambda: dst_mac + rnd(rng.randint(0, 1500)),
    "runt":              lambda: rnd(rng.randint(1, 13)),
    "truncated-ip":      lambda: eth(ipv4(1, icmp_echo())[:rng.randint(0, 19)]),
    "bad-ip-checksum":   lambda: eth(ipv4(1, icmp_echo(), good_sum=False)),
    "bad-ihl":           lambda: eth(ipv4(1, icmp_echo(), ihl=rng.choice([0, 1, 4, 15]))),
    "bad-total-length":  lambda: eth(ipv4(1, icmp_echo(), total=rng.choice([0, 19, 1500, 65535]))),
    "fragment":          lambda: eth(ipv4(17, udp(echo_port, rnd(32)), flags_frag=rng.choice([0x2000, 0x0010, 0x2005]))),
    "bad-icmp-checksum": lambda: eth(ipv4(1, icmp_echo(good_sum=False))),
    "bad-udp-checksum":  lambda: eth(ipv4(17, udp(echo_port, rnd(rng.randint(1, 64)), good_sum=False))),
    "bad-udp-length":    lambda: eth(ipv4(17, udp(echo_port, rnd(16), length=rng.choice([0, 7, 200, 65535])))),
    "udp-no-socket":     lambda: eth(ipv4(17, udp(rng.choice([9, 13, 4242]), rnd(8)))),
    "arp-malformed":     lambda: eth(arp(hlen=rng.choice([0, 5, 8]), plen=rng.choice([4, 6]), htype=rng.choice([1, 6]))[:rng.randint(8, 28)], 0x0806),
    "arp-storm":         lambda: eth(arp(), 0x0806, dst=b"\xff" * 6),
    "bad-ethertype":     lambda: eth(rnd(46), rng.choice([0x86DD, 0x8100, 0x1234, 0x0000])),
    "not-for-us":        lambda: eth(ipv4(1, icmp_echo(), dst=socket.inet_aton("10.0.0.77"))),
}
t0 = time.monotonic()
total = 0
for name, make in classes.items():
    n = 0
    while n < per and time.monotonic() - t0 < max_s:
        f = make()
        try:
            s.send(f)
        except OSError:
            pass          # e.g. a runt the kernel refuses: still counted as attempted
        n += 1
        if n % 50 == 0: time.sleep(0.01)   # keep it a flood, not a denial of the lab
    total += n
    print(f"flood: {name} {n}", flush=True)
print(f"flood: total {total} in {time.monotonic() - t0:.1f} s", flush=True)
