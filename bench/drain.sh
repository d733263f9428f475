#!/usr/bin/env bash
# How fast a drain moves data, measured: a local weft cluster (scripts/weft-local: 1 weft-meta, 4
# weft-chunk, the default volume at replication 3) holding --size of file data written through the
# mount; each run drains one server with `weftctl server drain` (waiting until it is drained) and
# undrains it again, the next run the next server. The rate is the bytes the drained server held (its
# used_bytes before the drain) over the drain's wall time. Beside it, in the same run on the same disk:
# the local file system copying the same number of bytes (cp of a file, then sync), which is what moving
# a server's data by hand would cost at best. With --foreground, each run also measures 4 KiB random
# reads through the mount (bench/fio/randread-4k.fio, 10 s) alone and while the drain runs. --fill-rate-mb
# caps each chunk server's copying (weft-chunk --fill-rate-mb). Prints medians of --runs runs. Leaves
# nothing running.
#
#   sudo bench/drain.sh [--size 2G] [--runs 3] [--foreground] [--fill-rate-mb N] [--no-build]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
size=2G runs=3 build=1 foreground=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --foreground) foreground=1; shift ;;
    --fill-rate-mb) export WEFT_CHUNK_ARGS="--fill-rate-mb $2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "drain: needs root (FUSE mounts, dropping caches)" >&2; exit 1; }
if [ $build = 1 ]; then "$top/scripts/deps"; "$top/scripts/build"; fi
work=$(mktemp -d /var/tmp/weft-drain-XXXXXX)
cleanup() {
  "$top/scripts/weft-local" down --data "$work/data" --mount "$work/mnt" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$top/scripts/weft-local" up --no-build --data "$work/data" --mount "$work/mnt" >/dev/null
"$top/scripts/weft-local" add-chunk --data "$work/data" >/dev/null
ctl() { WEFT_META=$(cat "$work/data/meta.addr") WEFT_TOKEN=$(cat "$work/data/admin.token") "$top/build/bin/weftctl" "$@"; }
for _ in $(seq 1 50); do
  [ "$(ctl cluster status -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["servers_up"])')" = 4 ] && break
  sleep 0.2
done

# The data: files of 256 MiB through the mount, fsync'ed.
bytes=$(numfmt --from=iec "$size")
n=$(( (bytes + (256 << 20) - 1) / (256 << 20) ))
for i in $(seq 1 "$n"); do
  dd if=/dev/urandom of="$work/mnt/f$i" bs=1M count=256 conv=fsync status=none
done
# randread-4k.fio reads fio-seq.dat: the first file, by that name.
mv "$work/mnt/f1" "$work/mnt/fio-seq.dat"
randread() {  # IOPS of 10 s of 4 KiB random reads through the mount
  SIZE=256M DIR=$work/mnt RUNTIME=10 fio --output-format=json "$top/bench/fio/randread-4k.fio" |
    python3 -c 'import json,sys; print(round(json.load(sys.stdin)["jobs"][0]["read"]["iops"]))'
}
mkdir -p "$work/local"
dd if=/dev/urandom of="$work/local/src" bs=1M count=$(( n * 256 )) conv=fsync status=none

results=$work/results
used() {  # used_bytes of server $1 as weft-meta last heard it
  ctl server show "$1" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["used_bytes"])'
}
ids=$(ctl server list -o json | python3 -c 'import json,sys; print(" ".join(str(s["id"]) for s in json.load(sys.stdin)["servers"]))')
set -- $ids
for run in $(seq 1 "$runs"); do
  id=$(eval echo "\${$(( (run - 1) % $# + 1 ))}")
  sleep 2  # a fresh heartbeat: used_bytes after the previous run's moves
  held=$(used "$id")
  if [ $foreground = 1 ]; then
    sync; echo 3 >/proc/sys/vm/drop_caches
    alone=$(randread)
    sync; echo 3 >/proc/sys/vm/drop_caches
  fi
  start=$(date +%s.%N)
  if [ $foreground = 1 ]; then
    ( ctl server drain "$id" >/dev/null 2>&1; date +%s.%N >"$work/drain.end" ) &
    during=$(randread)
    wait
    end=$(cat "$work/drain.end")
    printf 'alone %s\nduring %s\n' "$alone" "$during" >>"$results"
    echo "drain: run $run: random reads $alone IOPS alone, $during IOPS during the drain (10 s from its start)" >&2
  else
    ctl server drain "$id" >/dev/null 2>&1
    end=$(date +%s.%N)
  fi
  ctl server undrain "$id" >/dev/null
  weft=$(python3 -c "print(f'{$held / ($end - $start) / 1048576:.1f}')")
  held_mib=$(( held >> 20 ))

  rm -f "$work/local/dst"
  sync; echo 3 >/proc/sys/vm/drop_caches
  start=$(date +%s.%N)
  head -c "$held" "$work/local/src" >"$work/local/dst"
  sync "$work/local/dst"
  end=$(date +%s.%N)
  local_rate=$(python3 -c "print(f'{$held / ($end - $start) / 1048576:.1f}')")
  printf 'weft %s\nlocal %s\n' "$weft" "$local_rate" >>"$results"
  echo "drain: run $run: server $id held $held_mib MiB; drained at $weft MiB/s; local copy $local_rate MiB/s" >&2
done
python3 - "$results" <<'PY'
import statistics, sys
vals = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    vals.setdefault(k, []).append(float(v))
w, l = statistics.median(vals["weft"]), statistics.median(vals["local"])
print("| data moved (MiB/s, medians) | weft drain | local copy + sync | weft/local |")
print("|---|---:|---:|---:|")
print(f"| a server's chunks to the other servers | {w:.0f} | {l:.0f} | {w / l:.2f}x |")
if "alone" in vals:
    a, d = statistics.median(vals["alone"]), statistics.median(vals["during"])
    print()
    print("| 4 KiB random reads through the mount (IOPS, medians) | alone | during the drain | during/alone |")
    print("|---|---:|---:|---:|")
    print(f"| randread-4k.fio, 4 jobs, 10 s | {a:.0f} | {d:.0f} | {d / a:.2f}x |")
PY
