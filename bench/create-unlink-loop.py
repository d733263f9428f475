#!/usr/bin/env python3
"""One client's create/close then unlink loop in a directory (e.g. on a weft mount), printing ops/s.
Run a profiler or `weftctl cluster status` beside it.   bench/create-unlink-loop.py DIR [N=1000]"""
import os
import sys
import time

d, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
t = time.time()
for i in range(n):
    os.close(os.open(f"{d}/f{i}", os.O_CREAT | os.O_WRONLY, 0o644))
e = time.time() - t
print(f"create {n / e:.0f}/s {e / n * 1e6:.0f}us")
t = time.time()
for i in range(n):
    os.unlink(f"{d}/f{i}")
e = time.time() - t
print(f"unlink {n / e:.0f}/s {e / n * 1e6:.0f}us")
