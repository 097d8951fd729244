#!/usr/bin/env python3
# Why: issue 17's port scan: a SYN to every port FIRST..LAST (default 1..1024) of the guest
# from this host's real address, over a raw IPPROTO_TCP socket (the kernel adds the IP
# header), and a tally of the answers: SYN-ACK = open, RST = closed, nothing = silent (the
# guest rate-limits its RSTs to closed ports: 20/s, NetStack.TcpTimers.cs). Our kernel
# answers the SYN-ACKs with RST, so no connection stays. Usage (root):
#   portscan.py DST_IP [FIRST] [LAST] [MAX_SECONDS]
# Stops by itself after the last port and 2 s of listening, or MAX_SECONDS (default 30).
# Prints "portscan: N ports, open [..], closed C, silent S in T s".
import os, random, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawpkt import csum  # noqa: E402

def main():
    a = sys.argv[1:]
    if not a: sys.exit("usage: portscan.py DST_IP [FIRST] [LAST] [MAX_SECONDS]")
    dst_s = a[0]
    first = int(a[1]) if len(a) > 1 else 1
    last = int(a[2]) if len(a) > 2 else 1024
    max_s = float(a[3]) if len(a) > 3 else 30.0
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.connect((dst_s, 9))
    src_s = u.getsockname()[0]                     # our address on the way to the guest
    u.close()
    src, dst = socket.inet_aton(src_s), socket.inet_aton(dst_s)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.setblocking(False)
    rng = random.Random(23)
    sport = rng.randint(40000, 60000)
    answers = {}
    t0 = time.monotonic()

    def drain():
        while True:
            try: pkt, addr = s.recvfrom(2048)
            except BlockingIOError: return
            if addr[0] != dst_s or len(pkt) < 20: continue
            ihl = (pkt[0] & 15) * 4
            t = pkt[ihl:]
            if len(t) < 20: continue
            p_src, p_dst = struct.unpack("!HH", t[:4])
            if p_dst != sport or not (first <= p_src <= last): continue
            flags = t[13]
            if flags & 0x12 == 0x12: answers[p_src] = "open"
            elif flags & 0x04: answers.setdefault(p_src, "closed")

    for port in range(first, last + 1):
        if time.monotonic() - t0 > max_s: break
        h = struct.pack("!HHIIBBHHH", sport, port, rng.getrandbits(32), 0, 5 << 4, 0x02, 1024, 0, 0)
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(h)) + h)
        s.sendto(h[:16] + struct.pack("!H", c) + h[18:], (dst_s, 0))
        drain()
        if port % 32 == 0: time.sleep(0.002)
    end = min(time.monotonic() + 2.0, t0 + max_s)
    while time.monotonic() < end:
        drain()
        time.sleep(0.02)
    n = last - first + 1
    opened = sorted(p for p, v in answers.items() if v == "open")
    closed = sum(1 for v in answers.values() if v == "closed")
    print("portscan: %d ports, open %s, closed %d, silent %d in %.2f s"
          % (n, opened, closed, n - len(opened) - closed, time.monotonic() - t0), flush=True)

main()
