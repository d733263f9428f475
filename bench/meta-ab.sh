#!/usr/bin/env bash
# A/B of two weft builds on metadata through the FUSE mount, fair on a noisy machine: both builds run at
# once, each as its own local cluster (scripts/weft-local: 1 weft-meta + 3 weft-chunk, own mount), and
# one client (bench/meta-ab.py) alternates small batches of the same operation between the two mounts
# (create, cold stat, cold readdir, rename, unlink), so that the machine's drift, which moves figures
# by 2-3x over minutes on a small VM, hits both sides alike. Prints each side's ops/s per phase over
# --rounds rounds (median) and B/A (the median of the rounds' ratios), plus each weft-meta's CPU time
# per operation (user + system, all its threads, from /proc/PID/stat). Leaves nothing running.
#
#   sudo bench/meta-ab.sh A_BIN_DIR B_BIN_DIR [--rounds 5] [--files 400] [--batch 50] [--clients 1]
#
# --clients N: N threads share each batch (concurrent clients of one mount).
#
# A bin dir holds weft-meta, weft-chunk, weft-mount and weftctl (e.g. a copy of build/bin before a
# change, and build/bin after it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,15p' "$0"; exit 2; }
[ $# -ge 2 ] || usage
a=$(cd "$1" && pwd) b=$(cd "$2" && pwd)
shift 2
rounds=5 files=400 batch=50 clients=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    *) usage ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "meta-ab: needs root (FUSE mounts, dropping caches)" >&2; exit 1; }
source "$top/bench/ab-clusters.sh"
ab_clusters /tmp meta-ab "$a" "$b"
meta_pid() { cat "$work/$1/data/pids/meta.pid"; }
# cpu_ms PID: user + system CPU time of a process so far, in ms (every thread, exited ones included).
cpu_ms() { awk '{printf "%.0f", ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"'}' /proc/"$1"/stat; }
before_a=$(cpu_ms "$(meta_pid A)") before_b=$(cpu_ms "$(meta_pid B)")
python3 "$top/bench/meta-ab.py" --rounds "$rounds" --files "$files" --batch "$batch" --clients "$clients" \
  "$work/A/mnt" "$work/B/mnt" >"$work/table"
after_a=$(cpu_ms "$(meta_pid A)") after_b=$(cpu_ms "$(meta_pid B)")
echo "A = $a"
echo "B = $b"
echo
cat "$work/table"
ops=$(awk '/^ops per side:/ {print $4}' "$work/table")
python3 - "$ops" "$before_a" "$after_a" "$before_b" "$after_b" <<'EOF'
import sys
ops = int(sys.argv[1])
ta = int(sys.argv[3]) - int(sys.argv[2])
tb = int(sys.argv[5]) - int(sys.argv[4])
print()
print("| weft-meta, per operation | A | B | B/A |")
print("|---|---:|---:|---:|")
print(f"| CPU time (us) | {ta * 1000 / ops:.0f} | {tb * 1000 / ops:.0f} | {tb / ta:.2f}x |")
EOF
