#!/usr/bin/env python3
# Why: issue 16's UDP check, shared by the lab test (run in Dom0 against the PV guest) and
# the TAP test (run in the test's own network namespace against the Linux-mode image):
# N datagrams of random sizes, sent in lockstep (each waits for its echo), every payload
# checked, up to RETRIES resends each; losses reported, none may stay unrecovered.
# Usage: udp_lockstep.py HOST PORT [COUNT] [SEED]. Prints one summary line:
#   lockstep: sent N ok N retries N lost N bad N median-ms X
# and exits 0 only when every datagram came back intact. Bounded: COUNT*(RETRIES+1)
# sends at most, each waiting at most TIMEOUT seconds.
import random, socket, statistics, sys, time

host, port = sys.argv[1], int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 16
RETRIES, TIMEOUT = 3, 1.0
rng = random.Random(seed)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(TIMEOUT)
ok = retries = lost = bad = 0
rtts = []
for i in range(count):
    size = rng.randint(1, 1472)
    payload = bytes(rng.getrandbits(8) for _ in range(size))
    done = False
    for attempt in range(RETRIES + 1):
        if attempt: retries += 1
        t0 = time.monotonic()
        s.sendto(payload, (host, port))
        deadline = t0 + TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0: break
            s.settimeout(left)
            try:
                data, src = s.recvfrom(2048)
            except socket.timeout:
                break
            if data == payload:
                rtts.append((time.monotonic() - t0) * 1000)
                done = True
                break
            bad += 1        # a late echo of an earlier retry, or a corrupted one
        if done: break
    if done: ok += 1
    else: lost += 1
med = statistics.median(rtts) if rtts else 0.0
print(f"lockstep: sent {count} ok {ok} retries {retries} lost {lost} bad {bad} median-ms {med:.2f}")
sys.exit(0 if lost == 0 and ok == count else 1)
