#!/usr/bin/env python3
"""What another client pays to read a directory a deferring client is filling (docs/meta-semantics.md,
"Lease recalls"): mount A (weft-mount --deferred-creates) makes a directory and creates --files files
in it; at once mount B lists it (or stats one of the files). Prints the milliseconds B's first call
took, per round, and their median and maximum, and checks B saw every file.

  bench/lease-wait.py A_DIR B_DIR [--rounds 20] [--files 20] [--op list|stat]

A_DIR and B_DIR are the same directory of one volume seen through two mounts (two weft-mount
processes, two sessions). Without recalls B waits for A's lease to lapse (up to --dir-lease-ms, 1 s by
default); with them, for a round trip to A and A's batch of creates."""
import argparse
import os
import statistics
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--files", type=int, default=20)
    p.add_argument("--op", choices=["list", "stat"], default="list")
    o = p.parse_args()
    tag = f"lw{os.getpid()}"
    took = []
    for r in range(o.rounds):
        d = f"{tag}-{r}"
        os.mkdir(os.path.join(o.a, d))
        for i in range(o.files):
            os.close(os.open(os.path.join(o.a, d, f"f{i}"), os.O_CREAT | os.O_WRONLY, 0o644))
        t = time.monotonic()
        if o.op == "list":
            n = len(os.listdir(os.path.join(o.b, d)))
            if n != o.files:
                raise SystemExit(f"round {r}: B listed {n} files, A created {o.files}")
        else:
            os.stat(os.path.join(o.b, d, f"f{o.files - 1}"))
        took.append((time.monotonic() - t) * 1000)
    for r in range(o.rounds):
        d = os.path.join(o.a, f"{tag}-{r}")
        for i in range(o.files):
            os.unlink(os.path.join(d, f"f{i}"))
        os.rmdir(d)
    print("rounds (ms): " + ", ".join(f"{x:.1f}" for x in took))
    print(f"B's first {o.op} after A's creates: median {statistics.median(took):.1f} ms, max {max(took):.1f} ms "
          f"({o.rounds} rounds of {o.files} files)")


if __name__ == "__main__":
    main()
