#!/usr/bin/env bash
# Starts weft-meta in a temporary directory (loopback, a port it picks), runs weft-meta-bench against it
# with 1 and 16 clients, stops it and removes the directory. Extra arguments go to weft-meta-bench.
#   bench/meta-bench.sh [--files 2000] [--clients 1,16]
# Env: WEFT_BIN_DIR (default build/bin), WEFT_META_ARGS (extra weft-meta flags).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${WEFT_BIN_DIR:-$top/build/bin}
dir=$(mktemp -d /tmp/weft-meta-bench.XXXXXX)
meta_pid=
cleanup() {
  if [ -n "$meta_pid" ]; then kill "$meta_pid" 2>/dev/null || true; wait "$meta_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
"$bin/weft-meta" --listen 127.0.0.1:0 --data "$dir/meta" --ready-file "$dir/ready" --log-level warn \
  --admin-token-file "$dir/admin.token" \
  --cluster-key-file "$dir/cluster.key" \
  ${WEFT_META_ARGS:-} >"$dir/meta.log" 2>&1 &
meta_pid=$!
for _ in $(seq 100); do
  [ -s "$dir/ready" ] && break
  kill -0 "$meta_pid" 2>/dev/null || { cat "$dir/meta.log"; exit 1; }
  sleep 0.1
done
addr=$(sed -n 's/^grpc=//p' "$dir/ready")
[ -n "$addr" ] || { echo "weft-meta did not start"; cat "$dir/meta.log"; exit 1; }
echo "weft-meta at $addr (data $dir/meta); $(nproc) cores"
"$bin/weft-meta-bench" --meta "$addr" --token-file "$dir/admin.token" --clients 1,16 "$@"
