#!/usr/bin/env python3
# Why: receives ONE datagram on ADDR:PORT (bounded wait) and prints it as
# "got N bytes from IP:PORT hex HEX", so a test can check what a guest's udp-send delivered.
# Usage: udp_listen.py ADDR PORT [TIMEOUT_S]
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(float(sys.argv[3]) if len(sys.argv) > 3 else 60)
print("listening", flush=True)
try:
    data, src = s.recvfrom(65535)
    print(f"got {len(data)} bytes from {src[0]}:{src[1]} hex {data.hex()}", flush=True)
except socket.timeout:
    print("timeout", flush=True)
    sys.exit(1)
