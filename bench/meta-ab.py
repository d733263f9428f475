#!/usr/bin/env python3
"""The client of bench/meta-ab.sh: the same metadata operations on two mounted directories A and B, in
alternating batches (A then B, then B then A, ...), timing each side's batches. Phases per round, on
--files files in a fresh directory per side: create (open O_CREAT|O_EXCL, close), stat (cold: the
kernel's caches are dropped first), readdir (cold), rename (same directory), unlink. Prints a Markdown
table of the median ops/s per phase over the rounds and B/A (the median of the rounds' ratios), then
"ops per side: N". --names labels the two sides in the table (default A,B); --json writes the figures.
"""
import argparse
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def create(d, names):
    for n in names:
        os.close(os.open(os.path.join(d, n), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))


def stat(d, names):
    for n in names:
        os.stat(os.path.join(d, n))


def rename(d, names):
    for n in names:
        os.rename(os.path.join(d, n), os.path.join(d, "r" + n))


def unlink(d, names):
    for n in names:
        os.unlink(os.path.join(d, "r" + n))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--files", type=int, default=400)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--clients", type=int, default=1, help="threads sharing each batch")
    p.add_argument("--names", default="A,B", help="labels of the two sides, e.g. MooseFS,weft")
    p.add_argument("--json", help="also write the per-round rates, medians and ratios here")
    o = p.parse_args()
    na, nb = o.names.split(",")
    pool = ThreadPoolExecutor(max_workers=o.clients) if o.clients > 1 else None

    def run(fn, d, batch):
        if pool is None:
            return fn(d, batch)
        parts = [batch[i::o.clients] for i in range(o.clients)]
        for f in [pool.submit(fn, d, part) for part in parts if part]:
            f.result()
    rates = {}  # (phase, side) -> [ops/s per round]
    ops = 0
    for r in range(o.rounds):
        dirs = {s: os.path.join(root, f"ab{r}") for s, root in (("A", o.a), ("B", o.b))}
        for d in dirs.values():
            os.mkdir(d)
        names = [f"f{i:06d}" for i in range(o.files)]
        batches = [names[i:i + o.batch] for i in range(0, len(names), o.batch)]
        for phase, fn in (("create", create), ("stat", stat), ("readdir", None), ("rename", rename),
                          ("unlink", unlink)):
            if phase in ("stat", "readdir"):
                drop_caches()
            spent = {"A": 0.0, "B": 0.0}
            count = {"A": 0, "B": 0}
            if fn is None:
                order = ("A", "B") if r % 2 == 0 else ("B", "A")
                for s in order:
                    t = time.perf_counter()
                    n = len(os.listdir(dirs[s]))
                    spent[s] += time.perf_counter() - t
                    count[s] += n
                    if n != o.files:
                        raise SystemExit(f"meta-ab: {s} listed {n} entries, expected {o.files}")
            else:
                for i, batch in enumerate(batches):
                    order = ("A", "B") if (i + r) % 2 == 0 else ("B", "A")
                    for s in order:
                        t = time.perf_counter()
                        run(fn, dirs[s], batch)
                        spent[s] += time.perf_counter() - t
                        count[s] += len(batch)
                ops += len(names)
            for s in ("A", "B"):
                rates.setdefault((phase, s), []).append(count[s] / spent[s])
        for d in dirs.values():
            os.rmdir(d)
    # B/A is the median of the rounds' own ratios: A and B of one round saw the same machine.
    label_c = f"{o.clients} client{'s' if o.clients > 1 else ''}"
    print(f"| phase ({label_c}, through the mount) | unit | {na} median | {nb} median | {nb}/{na} |"
          f" {na} rounds | {nb} rounds |")
    print("|---|---|---:|---:|---:|---|---|")
    out = {"names": [na, nb], "rounds": o.rounds, "files": o.files, "batch": o.batch, "clients": o.clients,
           "phases": {}}
    for phase in ("create", "stat", "readdir", "rename", "unlink"):
        a, b = rates[(phase, "A")], rates[(phase, "B")]
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = statistics.median(y / x for x, y in zip(a, b))
        unit = "entries/s" if phase == "readdir" else "ops/s"
        fmt = lambda xs: ", ".join(f"{x:,.0f}" for x in xs)
        label = phase + (" (cold)" if phase in ("stat", "readdir") else "")
        print(f"| {label} | {unit} | {ma:,.0f} | {mb:,.0f} | {ratio:.2f}x | {fmt(a)} | {fmt(b)} |")
        out["phases"][phase] = {"unit": unit, "a": a, "b": b, "a_median": ma, "b_median": mb, "ratio": ratio}
    if o.json:
        with open(o.json, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
    # mkdir/rmdir and readdir are not counted: per side, the create/stat/rename/unlink operations.
    print(f"\nops per side: {ops} (create, stat, rename, unlink; the CPU time below includes each round's"
          " mkdir, readdir and rmdir too)")


if __name__ == "__main__":
    main()
