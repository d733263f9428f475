#!/usr/bin/env bash
# Chunk-server throughput beside fio on the same disk, in one run (issue 4's benchmark; docs/chunk-bench.md).
#
# Starts weft-meta and three weft-chunk on loopback ports they pick, with their data in a temporary
# directory under --dir; runs weft-chunk-bench through one chain of 3 (sequential writes of whole 4 MiB
# chunks through the head, sequential reads of them spread over the replicas, 4 KiB random reads); then
# runs fio doing the same I/O in the same file system; prints both and the ratios; stops everything it
# started and removes the directory.
#
#   bench/chunk-vs-fio.sh [--bin DIR] [--dir DIR] [--chunks N] [--inflight N] [--duration S]
#                         [--chunk-args "..."] [--out FILE.md] [--keep]
#
# What "the same I/O" means (the servers share the disk, so a replicated write costs the disk 3 writes):
#   write     weft: chunks x 4 MiB through a chain of 3, `inflight` in flight; every replica writes each
#             chunk's file with O_DIRECT and fdatasyncs it before acknowledging (--durability sync).
#             fio: 3 x inflight jobs, 4 MiB O_DIRECT writes, fdatasync after each, 3 x the bytes in total,
#             files grown as written (no fallocate). Equal footing: fio's bandwidth / 3.
#   read      weft: each chunk read once (4 MiB, O_DIRECT on the server), `inflight` in flight.
#             fio: `inflight` jobs of 4 MiB O_DIRECT sequential reads over the same number of bytes.
#   randread  weft: 4 KiB reads at random aligned offsets of the written chunks, `inflight` in flight.
#             fio: io_uring, iodepth `inflight`, 4 KiB O_DIRECT random reads over the same number of bytes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${WEFT_BIN_DIR:-$top/build/bin}
base=/var/tmp
chunks=256
inflight=8
duration=10
chunk_args=""
out=""
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --dir) base=$2; shift 2 ;;
    --chunks) chunks=$2; shift 2 ;;
    --inflight) inflight=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --chunk-args) chunk_args=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
for b in weft-meta weft-chunk weft-chunk-bench; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b: build it (scripts/build --target weft-meta weft-chunk weft-chunk-bench)" >&2; exit 1; }
done
command -v fio >/dev/null || { echo "fio is missing (scripts/deps --bench)" >&2; exit 1; }

dir=$(mktemp -d "$base/weft-chunk-bench-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ "$keep" = 1 ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT INT TERM

ready() {  # ready FILE KEY: waits for KEY=VALUE in FILE, prints VALUE
  for _ in $(seq 300); do
    if [ -f "$1" ] && grep -q "^$2=" "$1"; then grep "^$2=" "$1" | cut -d= -f2; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

"$bin/weft-meta" --listen 127.0.0.1:0 --data "$dir/meta" --ready-file "$dir/meta.ready" \
  --cluster-key-file "$dir/cluster.key" >"$dir/meta.log" 2>&1 &
pids+=($!)
meta=$(ready "$dir/meta.ready" grpc)
for i in 0 1 2; do
  # shellcheck disable=SC2086
  "$bin/weft-chunk" --listen 127.0.0.1:0 --control-listen 127.0.0.1:0 --meta "$meta" --data "$dir/chunk$i" \
    --cluster-key-file "$dir/cluster.key" --failure-domain "fd$i" --ready-file "$dir/chunk$i.ready" $chunk_args >"$dir/chunk$i.log" 2>&1 &
  pids+=($!)
  ready "$dir/chunk$i.ready" data >/dev/null
done

echo "== weft-chunk-bench: chain of 3, $chunks x 4 MiB, $inflight in flight ($dir, $(df --output=source,fstype "$dir" | tail -1))"
"$bin/weft-chunk-bench" --meta "$meta" --cluster-key-file "$dir/cluster.key" --chunks "$chunks" --inflight "$inflight" --duration "$duration" \
  --verify | tee "$dir/weft.txt"

mkdir -p "$dir/fio"
size_total=$((chunks * 4))  # MiB
fio_json() { fio --output-format=json "$@" | python3 -c '
import json, sys
j = json.load(sys.stdin)
bw = sum(job[k]["bw_bytes"] for job in j["jobs"] for k in ("read", "write"))
iops = sum(job[k]["iops"] for job in j["jobs"] for k in ("read", "write"))
print(f"{bw / 1e6:.1f} {iops:.0f}")'; }

echo "== fio on the same file system"
wjobs=$((3 * inflight))
fio_write=$(fio_json --name=write --directory="$dir/fio" --rw=write --bs=4M --direct=1 --ioengine=psync \
  --fdatasync=1 --fallocate=none --numjobs="$wjobs" --size=$((3 * size_total / wjobs))M --group_reporting=0)
rm -f "$dir"/fio/*
fio_read=$(fio_json --name=read --directory="$dir/fio" --rw=read --bs=4M --direct=1 --ioengine=psync \
  --numjobs="$inflight" --size=$((size_total / inflight))M)
rm -f "$dir"/fio/*
fio_rand=$(fio_json --name=randread --directory="$dir/fio" --rw=randread --bs=4k --direct=1 --ioengine=io_uring \
  --iodepth="$inflight" --size="${size_total}M" --time_based --runtime="$duration")
echo "fio write: $fio_write (MB/s IOPS, 3x the bytes)  read: $fio_read  randread: $fio_rand"

python3 - "$dir/weft.txt" "$fio_write" "$fio_read" "$fio_rand" "$chunks" "$inflight" "$out" <<'EOF'
import re, sys, datetime, platform
weft_file, fw, fr, frr, chunks, inflight, out = sys.argv[1:]
weft = {}
for line in open(weft_file):
    m = re.match(r"(write|read|randread) (.*)", line)
    if m:
        weft[m.group(1)] = dict(kv.split("=", 1) for kv in m.group(2).split())
fio = {"write": float(fw.split()[0]) / 3, "read": float(fr.split()[0]), "randread": float(frr.split()[1])}
rows = [
    ("sequential write, 4 MiB, chain of 3 (MB/s)", float(weft["write"]["MBps"]), fio["write"], "fio bw / 3"),
    ("sequential read, 4 MiB (MB/s)", float(weft["read"]["MBps"]), fio["read"], "fio bw"),
    ("random read, 4 KiB (IOPS)", float(weft["randread"]["iops"]), fio["randread"], "fio IOPS"),
]
lines = [f"chunk-vs-fio {datetime.date.today()} on {platform.node()}: {chunks} x 4 MiB chunks, {inflight} in flight", "",
         "| workload | weft-chunk | fio, same I/O | weft / fio |", "| --- | ---: | ---: | ---: |"]
for name, w, f, how in rows:
    lines.append(f"| {name} | {w:.1f} | {f:.1f} ({how}) | {w / f:.2f} |")
lat = weft["write"]
lines.append("")
lines.append(f"weft write latency p50 {weft['write']['p50_us']} us, p99 {weft['write']['p99_us']} us; "
             f"4 KiB read p50 {weft['randread']['p50_us']} us, p99 {weft['randread']['p99_us']} us")
text = "\n".join(lines)
print(text)
if out:
    open(out, "w").write(text + "\n")
EOF
