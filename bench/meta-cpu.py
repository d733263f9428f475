#!/usr/bin/env python3
"""CPU time per metadata operation of each weft process, through a mount of a scripts/weft-local cluster.

  sudo bench/meta-cpu.py --data DATA_DIR DIR [--files 2000] [--listings 0]

Phases on --files files in DIR (created if missing): create (open O_CREAT|O_EXCL, close), stat (cold:
caches dropped first), unlink, then 6 s idle (the GC collecting the unlinked files). Prints, per phase,
ops/s and the CPU time (user + system, all threads) of weft-meta, weft-mount and the chunk servers
together, divided by --files; the pids come from DATA_DIR/pids (scripts/weft-local). With --listings N,
it then creates --files files in DIR/listing and lists them N times cold with attributes (os.scandir +
stat, as ls -l does) and prints weft-meta's CPU per listing. CPU per operation drifts less than rates
on a noisy machine; run it on each build and compare."""
import argparse
import glob
import os
import time


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--data", required=True, help="the weft-local data directory (its pids/ are read)")
    p.add_argument("--files", type=int, default=2000)
    p.add_argument("--listings", type=int, default=0)
    o = p.parse_args()
    pid = lambda name: open(os.path.join(o.data, "pids", name + ".pid")).read().strip()
    meta, mount = pid("meta"), pid("mount")
    chunks = [open(f).read().strip() for f in sorted(glob.glob(os.path.join(o.data, "pids", "chunk*.pid")))]
    snap = lambda: (cpu_ms(meta), cpu_ms(mount), sum(cpu_ms(c) for c in chunks))
    os.makedirs(o.dir, exist_ok=True)
    names = [os.path.join(o.dir, f"f{i:07d}") for i in range(o.files)]
    print(f"| phase | ops/s | weft-meta µs/op | weft-mount µs/op | weft-chunks µs/op |")
    print("|---|---:|---:|---:|---:|")
    for phase in ("create", "stat", "unlink", "gc (6 s idle)"):
        before, t = snap(), time.perf_counter()
        if phase == "create":
            for n in names:
                os.close(os.open(n, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        elif phase == "stat":
            drop_caches()
            t = time.perf_counter()
            for n in names:
                os.stat(n)
        elif phase == "unlink":
            for n in names:
                os.unlink(n)
        else:
            time.sleep(6)
        spent = time.perf_counter() - t
        after = snap()
        per = [(a - b) * 1000 / o.files for a, b in zip(after, before)]
        rate = "-" if phase.startswith("gc") else f"{o.files / spent:,.0f}"
        print(f"| {phase} | {rate} | {per[0]:.0f} | {per[1]:.0f} | {per[2]:.0f} |")
    if o.listings:
        d = os.path.join(o.dir, "listing")
        os.makedirs(d, exist_ok=True)
        for i in range(o.files):
            os.close(os.open(os.path.join(d, f"f{i:07d}"), os.O_CREAT | os.O_WRONLY, 0o644))
        time.sleep(2)
        before, t = cpu_ms(meta), time.perf_counter()
        for _ in range(o.listings):
            drop_caches()
            for e in os.scandir(d):
                e.stat()
        spent = time.perf_counter() - t
        print(f"\ncold listing with attributes of {o.files} entries, {o.listings} times: "
              f"weft-meta {(cpu_ms(meta) - before) * 1000 / o.listings:,.0f} µs CPU per listing, "
              f"{o.files * o.listings / spent:,.0f} entries/s")


if __name__ == "__main__":
    main()
