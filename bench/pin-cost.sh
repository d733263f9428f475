#!/usr/bin/env bash
# bench/pin-cost.sh: how much of one client's metadata latency through a running scripts/weft-local
# mount is thread wake-ups that cross CPUs. Alternates rounds of bench/create-unlink-loop.py run as
# usual with rounds where the client and every weft process (all threads) are pinned to CPU 0, so each
# hand-off (app -> FUSE -> weft-mount -> weft-meta and back) is a switch on one CPU. Restores each
# process's affinity after every pinned round, and on exit. Prints both sides' median create and unlink
# latency and the ratio. Measures the machine, not a weft change: see weft-wake-bench (bench/README.md,
# "Wake-ups"). Needs root when the cluster runs as root.
#
#   sudo bench/pin-cost.sh [--data DIR] [--rounds 5] [--files 1000]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=./.weft-local rounds=5 files=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "pin-cost: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
die() { printf 'pin-cost: %s\n' "$*" >&2; exit 1; }
[ -f "$data/mount.path" ] || die "no cluster at $data (scripts/weft-local up --data $data)"
command -v taskset >/dev/null || die "taskset missing (apt-get install util-linux)"
[ "$(nproc)" -ge 2 ] || die "one CPU online: nothing crosses CPUs"
mnt=$(cat "$data/mount.path")
pids=()
for f in "$data"/pids/*.pid; do
  p=$(cat "$f")
  [ -d "/proc/$p" ] && pids+=("$p")
done
[ ${#pids[@]} -gt 0 ] || die "no running weft process under $data/pids"
all=$(awk -v n="$(nproc)" 'BEGIN { printf "0-%d", n - 1 }')
pin() { for p in "${pids[@]}"; do taskset -a -pc "$1" "$p" >/dev/null; done; }
out=$(mktemp)
trap 'pin "$all" 2>/dev/null || true; rm -rf "$mnt/.pin-cost.$$" "$out"' EXIT
mkdir -p "$mnt/.pin-cost.$$"
round() {  # round SIDE N
  local d=$mnt/.pin-cost.$$/$1$2 cmd=(python3 "$top/bench/create-unlink-loop.py")
  mkdir "$d"
  if [ "$1" = pinned ]; then
    pin 0
    taskset -c 0 "${cmd[@]}" "$d" "$files" | sed "s/^/$1 /" >>"$out"
    pin "$all"
  else
    "${cmd[@]}" "$d" "$files" | sed "s/^/$1 /" >>"$out"
  fi
  rmdir "$d"
}
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then round usual "$r"; round pinned "$r"; else round pinned "$r"; round usual "$r"; fi
done
python3 - "$out" "$rounds" "$files" <<'EOF'
import re, statistics, sys
lat = {}
for line in open(sys.argv[1]):
    side, op, _, us = line.split()
    lat.setdefault((side, op), []).append(float(us.rstrip("us")))
print(f"| one client, {sys.argv[3]} files x {sys.argv[2]} rounds | usual (us/op) | all on CPU 0 (us/op) | usual / pinned |")
print("|---|---:|---:|---:|")
for op in ("create", "unlink"):
    u, p = statistics.median(lat[("usual", op)]), statistics.median(lat[("pinned", op)])
    print(f"| {op} | {u:.0f} | {p:.0f} | {u / p:.2f}x |")
EOF
