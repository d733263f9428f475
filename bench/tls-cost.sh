#!/usr/bin/env bash
# What TLS costs, measured: the same fio jobs (bench/fio) through two local weft clusters in the same
# run on this machine, one in plain text and one with TLS on both planes (scripts/weft-local up, and
# up --tls), 1 weft-meta + 3 weft-chunk each, the volume's class default replication (3). Prints
# medians of --runs runs and the ratio TLS/plain. Leaves nothing running.
#
#   sudo bench/tls-cost.sh [--size 1G] [--runtime 15] [--runs 3] [--no-build]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
size=1G runtime=15 runs=3 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) sed -n '2,8p' "$0"; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "tls-cost: needs root (FUSE mounts, dropping caches)" >&2; exit 1; }
if [ $build = 1 ]; then "$top/scripts/deps"; "$top/scripts/build"; fi
work=$(mktemp -d /tmp/weft-tls-cost-XXXXXX)
cleanup() {
  for s in plain tls; do
    [ -d "$work/$s" ] && "$top/scripts/weft-local" down --data "$work/$s/data" --mount "$work/$s/mnt" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
"$top/scripts/weft-local" up --no-build --data "$work/plain/data" --mount "$work/plain/mnt" >/dev/null
"$top/scripts/weft-local" up --no-build --tls --data "$work/tls/data" --mount "$work/tls/mnt" >/dev/null

# fio JOB DIR -> "MiB/s IOPS" of the job (reads and writes summed).
fio_job() {
  SIZE=$size DIR=$2 RUNTIME=$runtime fio --output-format=json "$top/bench/fio/$1.fio" | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
bw = (j["read"]["bw"] + j["write"]["bw"]) / 1024
iops = j["read"]["iops"] + j["write"]["iops"]
print(f"{bw:.1f} {iops:.0f}")'
}

results=$work/results
for run in $(seq 1 "$runs"); do
  for s in plain tls; do
    d=$work/$s/mnt
    rm -f "$d/fio-seq.dat"
    w=$(fio_job seq-write "$d")
    sync; echo 3 >/proc/sys/vm/drop_caches
    r=$(fio_job seq-read "$d")
    rr=$(fio_job randread-4k "$d")
    printf '%s seq_write_mibs %s\n%s seq_read_mibs %s\n%s randread_iops %s\n' "$s" "${w% *}" "$s" "${r% *}" "$s" \
      "${rr#* }" >>"$results"
    echo "tls-cost: run $run $s: write ${w% *} MiB/s, read ${r% *} MiB/s, randread ${rr#* } IOPS" >&2
  done
done
python3 - "$results" <<'PY'
import statistics, sys
vals = {}
for line in open(sys.argv[1]):
    s, m, v = line.split()
    vals.setdefault((s, m), []).append(float(v))
print("| benchmark | plain | TLS | TLS/plain |")
print("|---|---:|---:|---:|")
for m, label in [("seq_write_mibs", "seq write (MiB/s)"), ("seq_read_mibs", "seq read, cold (MiB/s)"),
                 ("randread_iops", "4 KiB rand read (IOPS)")]:
    p, t = statistics.median(vals[("plain", m)]), statistics.median(vals[("tls", m)])
    print(f"| {label} | {p:,.0f} | {t:,.0f} | {t / p:.2f}x |")
PY
