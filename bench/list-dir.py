#!/usr/bin/env python3
"""Cold listings of one directory (e.g. on a weft mount): creates N empty files in DIR if they are not
there, then ROUNDS times drops the kernel's caches (root) and lists DIR with os.listdir, printing
entries/s; with --ls-l it runs `ls -l DIR` instead (attributes and the ACL/label xattrs of every entry).
Count weft-mount's metadata calls beside it with `perf stat -e syscalls:sys_enter_sendmsg -p <weft-mount pid>`.
  bench/list-dir.py DIR [N=3000] [ROUNDS=3] [--ls-l]"""
import os
import subprocess
import sys
import time

ls_l = "--ls-l" in sys.argv[1:]
args = [a for a in sys.argv[1:] if a != "--ls-l"]
d = args[0]
n = int(args[1]) if len(args) > 1 else 3000
rounds = int(args[2]) if len(args) > 2 else 3
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
    if ls_l:
        out = subprocess.run(["ls", "-l", d], check=True, capture_output=True, text=True).stdout
        got = len(out.splitlines()) - 1  # the "total" line
    else:
        got = len(os.listdir(d))
    e = time.time() - t
    print(f"round {r + 1}: {got} entries in {e * 1e3:.1f} ms ({got / e:,.0f} entries/s)")
