#!/usr/bin/env bash
# A/B of two weft builds, or two settings of one build, on one fio job through the FUSE mount, fair on a
# noisy machine: both run at once, each as its own local cluster (scripts/weft-local: 1 weft-meta +
# 3 weft-chunk, own mount), and the rounds alternate between them (A then B, then B then A, ...), so that
# the machine's drift, which moves figures by 2x within minutes on a small VM, hits both sides alike. Each
# run is bench/fio-cost.sh (caches dropped first). Prints each side's ops/s per round and the median, B/A
# as the median of the rounds' ratios, and each side's median CPU time per operation for the mount and
# for the chunk servers together. Leaves nothing running.
#
#   sudo bench/fio-ab.sh A_BIN_DIR B_BIN_DIR [--job randread-4k] [--rounds 7] [--runtime 6] [--size 1G]
#                        [--a-mount-args ARGS] [--b-mount-args ARGS] [--a-chunk-args ARGS] [--b-chunk-args ARGS]
#
# A bin dir holds weft-meta, weft-chunk, weft-mount and weftctl (e.g. a copy of build/bin before a change,
# and build/bin after it). To compare two settings of one build, pass the same dir twice with
# --a-mount-args/--b-mount-args (weft-mount flags) or --a-chunk-args/--b-chunk-args (weft-chunk flags).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,15p' "$0"; exit 2; }
[ $# -ge 2 ] || usage
a=$(cd "$1" && pwd) b=$(cd "$2" && pwd)
shift 2
job=randread-4k rounds=7 runtime=6 size=1G
a_mount= b_mount= a_chunk= b_chunk=
while [ $# -gt 0 ]; do
  case "$1" in
    --job) job=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --a-mount-args) a_mount=$2; shift 2 ;;
    --b-mount-args) b_mount=$2; shift 2 ;;
    --a-chunk-args) a_chunk=$2; shift 2 ;;
    --b-chunk-args) b_chunk=$2; shift 2 ;;
    *) usage ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "fio-ab: needs root (FUSE mounts, dropping caches)" >&2; exit 1; }
command -v fio >/dev/null || { echo "fio-ab: fio missing (scripts/deps --bench)" >&2; exit 1; }
source "$top/bench/ab-clusters.sh"
AB_A_MOUNT_ARGS=$a_mount AB_B_MOUNT_ARGS=$b_mount AB_A_CHUNK_ARGS=$a_chunk AB_B_CHUNK_ARGS=$b_chunk \
  ab_clusters /var/tmp fio-ab "$a" "$b"  # /var/tmp: the fio files are large
run() {  # run SIDE ROUND: one fio-cost.sh line, tagged
  local line
  line=$("$top/bench/fio-cost.sh" --data "$work/$1/data" --job "$job" --size "$size" --runtime "$runtime" \
    --rounds 1 | grep '^round')
  echo "$1 $2 $line" >>"$work/lines"
}
: >"$work/lines"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then run A "$r"; run B "$r"; else run B "$r"; run A "$r"; fi
done
echo "A = $a${a_mount:+ (mount: $a_mount)}${a_chunk:+ (chunk: $a_chunk)}"
echo "B = $b${b_mount:+ (mount: $b_mount)}${b_chunk:+ (chunk: $b_chunk)}"
echo "job $job, size $size, ${runtime}s per run, $rounds rounds"
echo
python3 - "$work/lines" <<'EOF'
import re, statistics, sys
runs = {}  # (side, round) -> (ops, mount_cpu, chunk_cpu)
for line in open(sys.argv[1]):
    side, rnd, rest = line.split(" ", 2)
    ops = float(re.search(r"([\d,.]+) ops/s", rest).group(1).replace(",", ""))
    mount = float(re.search(r"mount cpu ([\d.]+) us/op", rest).group(1))
    chunk = sum(float(x) for x in re.findall(r"chunk\d+ cpu ([\d.]+) us/op", rest))
    runs[(side, int(rnd))] = (ops, mount, chunk)
rounds = sorted({r for _, r in runs})
med = lambda xs: statistics.median(xs)
def col(side, i): return [runs[(side, r)][i] for r in rounds]
ratios = [runs[("B", r)][0] / runs[("A", r)][0] for r in rounds]
fmt = lambda v: f"{v:,.0f}"
print("| figure | A median | B median | B/A | A rounds | B rounds |")
print("|---|---:|---:|---:|---|---|")
print(f"| ops/s | {fmt(med(col('A', 0)))} | {fmt(med(col('B', 0)))} | {med(ratios):.2f}x | "
      f"{', '.join(fmt(v) for v in col('A', 0))} | {', '.join(fmt(v) for v in col('B', 0))} |")
for i, name in ((1, "weft-mount CPU per op (us)"), (2, "weft-chunk CPU per op, all 3 (us)")):
    ra = [runs[("B", r)][i] / runs[("A", r)][i] for r in rounds]
    print(f"| {name} | {med(col('A', i)):.1f} | {med(col('B', i)):.1f} | {med(ra):.2f}x | "
          f"{', '.join(f'{v:.1f}' for v in col('A', i))} | {', '.join(f'{v:.1f}' for v in col('B', i))} |")
print()
print("B/A: the median of the rounds' ratios (each round runs A and B back to back).")
EOF
