#!/usr/bin/env bash
# A/B of two weft builds on metadata: the mdtest-like `weft-bench meta` through the FUSE mount, and
# `weft-meta-bench` (gRPC straight to weft-meta), against a fresh local cluster (scripts/weft-local: 1
# weft-meta + 3 weft-chunk) of each build in turn, alternating A, B, A, B... for --rounds rounds so that
# both see the same machine. Prints the median of each figure per build and the ratio B/A. Leaves
# nothing running. The figures move a lot between runs on a small VM: compare within one run.
#
#   sudo bench/meta-ab.sh A_BIN_DIR B_BIN_DIR [--rounds 3] [--files 500] [--dirs 2]
#
# A bin dir holds weft-meta, weft-chunk, weft-mount, weftctl, weft-bench and weft-meta-bench (e.g. a
# copy of build/bin before a change, and build/bin after it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,12p' "$0"; exit 2; }
[ $# -ge 2 ] || usage
a=$(cd "$1" && pwd) b=$(cd "$2" && pwd)
shift 2
rounds=3 files=500 dirs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --dirs) dirs=$2; shift 2 ;;
    *) usage ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "meta-ab: needs root (FUSE mounts, dropping caches)" >&2; exit 1; }
for d in "$a" "$b"; do
  for x in weft-meta weft-chunk weft-mount weftctl weft-bench weft-meta-bench; do
    [ -x "$d/$x" ] || { echo "meta-ab: $d/$x missing" >&2; exit 1; }
  done
done
work=$(mktemp -d /tmp/weft-meta-ab-XXXXXX)
cur=""
cleanup() {
  [ -n "$cur" ] && WEFT_BIN_DIR=$cur "$top/scripts/weft-local" down --data "$work/data" --mount "$work/mnt" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# run SIDE BIN: one round on a fresh cluster of BIN; appends "SIDE FIGURE VALUE" lines to $work/results.
run() {
  local side=$1 bin=$2
  rm -rf "$work/data" "$work/mnt"
  cur=$bin
  WEFT_BIN_DIR=$bin "$top/scripts/weft-local" up --no-build --data "$work/data" --mount "$work/mnt" >/dev/null
  mkdir -p "$work/mnt/ab"
  "$bin/weft-bench" meta --via mount --dir "$work/mnt/ab" --clients 1 --dirs "$dirs" --files "$files" \
    --drop-caches --json "$work/mount.json" >/dev/null 2>&1
  python3 - "$side" "$work/mount.json" >>"$work/results" <<'EOF'
import json, sys
side, path = sys.argv[1], sys.argv[2]
for r in json.load(open(path))["results"]:
    if r["phase"] in ("create", "stat", "readdir", "rename", "unlink"):
        print(side, "mount_" + r["phase"], r["value"])
EOF
  "$bin/weft-meta-bench" --meta "$(cat "$work/data/meta.addr")" --token-file "$work/data/admin.token" \
    --clients 1 --files "$files" | awk -v s="$side" '$1 == "1" && NF == 5 { print s, "grpc_" $2, $4 }' >>"$work/results"
  WEFT_BIN_DIR=$bin "$top/scripts/weft-local" down --data "$work/data" --mount "$work/mnt" >/dev/null
  cur=""
}

for r in $(seq 1 "$rounds"); do
  echo "meta-ab: round $r/$rounds" >&2
  run A "$a"
  run B "$b"
done
python3 - "$work/results" "$a" "$b" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
figs = []
vals = {}
for side, fig, v in rows:
    if fig not in figs: figs.append(fig)
    vals.setdefault((side, fig), []).append(float(v))
print(f"A = {sys.argv[2]}\nB = {sys.argv[3]}\n")
print("| figure (1 client) | unit | A median | B median | B/A | A runs | B runs |")
print("|---|---|---:|---:|---:|---|---|")
for f in figs:
    a, b = vals.get(("A", f), []), vals.get(("B", f), [])
    if not a or not b: continue
    ma, mb = statistics.median(a), statistics.median(b)
    unit = "entries/s" if "readdir" in f else "ops/s"
    fmt = lambda xs: ", ".join(f"{x:,.0f}" for x in xs)
    print(f"| {f} | {unit} | {ma:,.0f} | {mb:,.0f} | {mb / ma:.2f}x | {fmt(a)} | {fmt(b)} |")
EOF
