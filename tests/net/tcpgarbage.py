#!/usr/bin/env python3
# Why: issue 17's garbage TCP segments at one guest port (a listening one: tcp-discard= or
# the REPL's): bad data offsets, bad checksums, SYN+FIN, SYN+RST, random flags, truncated
# headers, SYN with data, malformed options, zero ports, stray ACKs, and RSTs with random
# (almost always out-of-window) sequence numbers on a real connection this script holds open
# to the same port, which must survive them (RFC 5961): afterwards it still takes data and
# closes cleanly. Frames are written raw (AF_PACKET on IFACE) from this host's real address.
# Usage (root):
#   tcpgarbage.py IFACE DST_MAC|auto DST_IP PORT [PER_CLASS] [SEED] [MAX_SECONDS]
# Stops by itself after PER_CLASS (default 200) segments per class or MAX_SECONDS (default
# 30). Prints "tcpgarbage: CLASS N" per class, "tcpgarbage: connection survived" (or
# "... failed", exit 1) and "tcpgarbage: total N in S s".
import os, random, socket, struct, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawpkt import csum, resolve_mac as _resolve  # noqa: E402


def resolve_mac(ip):
    return _resolve(ip, "tcpgarbage")

a = sys.argv[1:]
if len(a) < 4: sys.exit("usage: tcpgarbage.py IFACE DST_MAC|auto DST_IP PORT [PER_CLASS] [SEED] [MAX_SECONDS]")
iface, mac_s, dst_s, port = a[0], a[1], a[2], int(a[3])
per = int(a[4]) if len(a) > 4 else 200
rng = random.Random(int(a[5]) if len(a) > 5 else 29)
max_s = float(a[6]) if len(a) > 6 else 30.0
if mac_s == "auto": mac_s = resolve_mac(dst_s)
dst_mac = bytes.fromhex(mac_s.replace(":", ""))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect((dst_s, port))
src_s = u.getsockname()[0]
u.close()
src, dst = socket.inet_aton(src_s), socket.inet_aton(dst_s)
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((iface, 0))
src_mac = raw.getsockname()[4][:6]

def seg(sport, dport, seq, ack, flags, data=b"", opts=b"", offset=None, good_sum=True, win=8192):
    hl = 20 + len(opts)
    off = (hl // 4) if offset is None else offset
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (off & 15) << 4, flags, win, 0, 0) + opts + data
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(h)) + h)
    if not good_sum: c ^= 0x3C3C
    return h[:16] + struct.pack("!H", c) + h[18:]

def send(tcp):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rng.getrandbits(16), 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    raw.send(dst_mac + src_mac + b"\x08\x00" + ip + tcp)

def r32(): return rng.getrandbits(32)
def sp(): return rng.randint(1024, 65535)
def rnd(n): return bytes(rng.getrandbits(8) for _ in range(n))

# The connection the out-of-window RSTs aim at.
conn = socket.create_connection((dst_s, port), timeout=10)
conn.sendall(b"before\n")
cport = conn.getsockname()[1]

def bad_options():
    o = rng.choice([b"\x02\x00\x05\xb4", b"\x02\x01\x05\xb4", b"\x02\xff\x05\xb4", b"\x03\x02\x00\x00",
                    b"\x03\x03\x63\x00", b"\x08\x0a" + rnd(2), rnd(4), rnd(8), b"\x02\x04\x00\x00"])
    return seg(sp(), port, r32(), 0, 0x02, opts=o)

classes = {
    "bad-data-offset":   lambda: seg(sp(), port, r32(), 0, 0x02, offset=rng.choice([0, 1, 4, 6, 15])),
    "bad-checksum":      lambda: seg(sp(), port, r32(), 0, 0x02, good_sum=False),
    "syn-fin":           lambda: seg(sp(), port, r32(), 0, 0x03),
    "syn-rst":           lambda: seg(sp(), port, r32(), 0, 0x06),
    "random-flags":      lambda: seg(sp(), port, r32(), r32(), rng.getrandbits(8), rnd(rng.randint(0, 40))),
    "truncated-header":  lambda: seg(sp(), port, r32(), 0, 0x02)[:rng.randint(1, 19)],
    "syn-with-data":     lambda: seg(sp(), port, r32(), 0, 0x02, rnd(rng.randint(1, 200))),
    "bad-options":       bad_options,
    "zero-ports":        lambda: seg(rng.choice([0, sp()]), 0, r32(), 0, 0x02) if rng.random() < 0.5 else seg(0, port, r32(), 0, 0x02),
    "stray-ack":         lambda: seg(sp(), port, r32(), r32(), 0x10, rnd(rng.randint(0, 16))),
    "rst-out-of-window": lambda: seg(cport, port, r32(), 0, 0x04),
}
t0 = time.monotonic()
total = 0
for name, make in classes.items():
    n = 0
    while n < per and time.monotonic() - t0 < max_s:
        send(make())
        n += 1
        if n % 50 == 0: time.sleep(0.005)
    total += n
    print("tcpgarbage: %s %d" % (name, n), flush=True)

ok = True
try:
    conn.sendall(b"after\n")
    conn.shutdown(socket.SHUT_WR)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        d = conn.recv(4096)
        if not d: break
except OSError as e:
    ok = False
    print("tcpgarbage: connection failed (%s)" % e, flush=True)
conn.close()
if ok: print("tcpgarbage: connection survived", flush=True)
print("tcpgarbage: total %d in %.2f s" % (total, time.monotonic() - t0), flush=True)
sys.exit(0 if ok else 1)
