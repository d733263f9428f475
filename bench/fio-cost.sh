#!/usr/bin/env bash
# bench/fio-cost.sh: one fio job of bench/fio through a running scripts/weft-local cluster's mount, and
# what each weft process spent per operation: CPU time and context switches.
#
#   sudo bench/fio-cost.sh [--data DIR] [--job randread-4k] [--size 1G] [--runtime 10] [--rounds 1] [--syscalls]
#
# --data: the cluster's data directory (scripts/weft-local's --data; default ./.weft-local); the mount
# is the one it records. The job reads fio-seq.dat, which seq-write.fio writes first when it is missing.
# Caches are dropped before each round. Per process (pid files under DIR/pids): CPU = utime + stime from
# /proc/PID/stat, context switches = voluntary + involuntary summed over the threads alive at both ends
# (a thread that starts or ends during the round is not counted: libfuse's workers come and go, so the
# mount's figure is a lower bound). Each round prints one line:
#   round 1: 6,917 ops/s | chunk0 cpu 37.1 us/op cs 0.51/op | ... | mount cpu 89.3 us/op cs 1.49/op
# To compare settings, restart the cluster between runs, e.g. WEFT_CHUNK_ARGS="--meta-cache-mb 0" or
# WEFT_MOUNT_ARGS="--io-threads 2" before `scripts/weft-local up`. Needs root (drop_caches).
# --syscalls: also count each process's system calls per operation (`perf stat -e raw_syscalls:sys_enter`
# on its pid for the length of the job; needs perf), printed as "sc N/op".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=./.weft-local job=randread-4k size=1G runtime=10 rounds=1 syscalls=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --job) job=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --syscalls) syscalls=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "fio-cost: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
die() { printf 'fio-cost: %s\n' "$*" >&2; exit 1; }
[ -f "$data/mount.path" ] || die "no cluster at $data (scripts/weft-local up --data $data)"
mnt=$(cat "$data/mount.path")
jobfile=$top/bench/fio/$job.fio
[ -f "$jobfile" ] || die "no job $jobfile"
command -v fio >/dev/null || die "fio missing (scripts/deps --bench)"
[ "$syscalls" = 0 ] || command -v perf >/dev/null || die "--syscalls needs perf (apt-get install linux-perf)"
if [ ! -f "$mnt/fio-seq.dat" ]; then
  SIZE=$size DIR=$mnt RUNTIME=$runtime fio "$top/bench/fio/seq-write.fio" --output-format=terse >/dev/null
fi

# One line per process: name cpu_ticks context_switches
snapshot() {
  local f p n cs t
  for f in "$data"/pids/*.pid; do
    p=$(cat "$f"); n=$(basename "$f" .pid)
    [ -d "/proc/$p" ] || continue
    cs=0
    for t in /proc/"$p"/task/*; do
      cs=$((cs + $(awk '/ctxt_switches/ {s += $2} END {print s + 0}' "$t/status" 2>/dev/null || echo 0)))
    done
    echo "$n $(awk '{print $14 + $15}' "/proc/$p/stat") $cs"
  done
}

hz=$(getconf CLK_TCK)
out=$(mktemp)
trap 'rm -f "$out" "$out".*' EXIT
for r in $(seq 1 "$rounds"); do
  sync; echo 3 >/proc/sys/vm/drop_caches
  snapshot >"$out.before"
  : >"$out.sc"
  perfs=()
  if [ "$syscalls" = 1 ]; then
    for f in "$data"/pids/*.pid; do
      perf stat -x, -e raw_syscalls:sys_enter -p "$(cat "$f")" -o "$out.sc.$(basename "$f" .pid)" &
      perfs+=($!)
    done
  fi
  SIZE=$size DIR=$mnt RUNTIME=$runtime fio "$jobfile" --output-format=json >"$out"
  snapshot >"$out.after"
  for p in "${perfs[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${perfs[@]}"; do wait "$p" 2>/dev/null || true; done
  for f in "$out".sc.*; do
    [ -f "$f" ] && echo "${f##*.sc.} $(grep raw_syscalls "$f" | cut -d, -f1)" >>"$out.sc"
  done
  python3 - "$out" "$out.before" "$out.after" "$hz" "$r" "$out.sc" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
job = d["jobs"][0]
ios = job["read"]["total_ios"] + job["write"]["total_ios"]
secs = max(job["read"]["runtime"], job["write"]["runtime"]) / 1000.0
def load(p):
    return {l.split()[0]: (int(l.split()[1]), int(l.split()[2])) for l in open(p) if l.strip()}
before, after, hz = load(sys.argv[2]), load(sys.argv[3]), int(sys.argv[4])
sc = {l.split()[0]: int(l.split()[1]) for l in open(sys.argv[6]) if len(l.split()) == 2 and l.split()[1].isdigit()}
parts = [f"round {sys.argv[5]}: {ios / secs:,.0f} ops/s"]
for name in sorted(after):
    if name not in before or ios == 0:
        continue
    cpu = (after[name][0] - before[name][0]) * 1e6 / hz / ios
    cs = (after[name][1] - before[name][1]) / ios
    parts.append(f"{name} cpu {cpu:.1f} us/op cs {cs:.2f}/op" + (f" sc {sc[name] / ios:.1f}/op" if name in sc else ""))
print(" | ".join(parts))
PY
done
