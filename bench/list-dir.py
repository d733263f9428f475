#!/usr/bin/env python3
"""Cold listings of one directory (e.g. on a weft mount): creates N empty files in DIR if they are not
there, then ROUNDS times drops the kernel's caches (root) and lists DIR with os.listdir, printing
entries/s. Count weft-mount's metadata calls beside it with
`perf stat -e syscalls:sys_enter_sendmsg -p <weft-mount pid>`.   bench/list-dir.py DIR [N=3000] [ROUNDS=3]"""
import os
import sys
import time

d = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
os.makedirs(d, exist_ok=True)
have = set(os.listdir(d))
for i in range(n):
    name = f"f{i:06d}"
    if name not in have:
        os.close(os.open(os.path.join(d, name), os.O_CREAT | os.O_WRONLY, 0o644))
for r in range(rounds):
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    t = time.time()
    got = len(os.listdir(d))
    e = time.time() - t
    print(f"round {r + 1}: {got} entries in {e * 1e3:.1f} ms ({got / e:,.0f} entries/s)")
