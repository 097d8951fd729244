# Why: what the raw-frame scripts (synflood.py, tcpgarbage.py) share: the Internet checksum
# and the MAC of a neighbour. Imported from the scripts' own directory (copy it with them).
import struct, subprocess, sys


def csum(b):
    """RFC 1071 one's-complement sum of b, complemented."""
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16: t = (t & 0xFFFF) + (t >> 16)
    return (~t) & 0xFFFF


def resolve_mac(ip, who):
    """ip's MAC from the neighbour table after one ping; exits with WHO's message if none."""
    subprocess.run(["ping", "-n", "-c", "1", "-W", "2", ip], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open("/proc/net/arp") as f:
        for line in f.readlines()[1:]:
            p = line.split()
            if p[0] == ip and p[3] != "00:00:00:00:00:00": return p[3]
    sys.exit("%s: no MAC for %s (pass it instead of auto)" % (who, ip))
