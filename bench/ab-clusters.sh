# Sourced by bench/meta-ab.sh and bench/fio-ab.sh: two scripts/weft-local clusters, A and B, side by
# side under one work directory, stopped and removed on exit.
#
#   ab_clusters WORK_PARENT NAME A_BIN B_BIN   sets $work, starts A from A_BIN and B from B_BIN (each
#                                              must hold weft-meta, weft-chunk, weft-mount and weftctl)
#
# Per-side flags: AB_A_MOUNT_ARGS / AB_B_MOUNT_ARGS and AB_A_CHUNK_ARGS / AB_B_CHUNK_ARGS (weft-mount and
# weft-chunk flags), empty by default. Each cluster's data is $work/A/data (mount $work/A/mnt), and B's.
ab_clusters() {
  local parent=$1 name=$2 d x
  for d in "$3" "$4"; do
    for x in weft-meta weft-chunk weft-mount weftctl; do
      [ -x "$d/$x" ] || { echo "$name: $d/$x missing" >&2; exit 1; }
    done
  done
  ab_bin_a=$3 ab_bin_b=$4
  work=$(mktemp -d "$parent/weft-$name-XXXXXX")
  trap ab_cleanup EXIT
  WEFT_BIN_DIR=$ab_bin_a WEFT_MOUNT_ARGS=${AB_A_MOUNT_ARGS:-} WEFT_CHUNK_ARGS=${AB_A_CHUNK_ARGS:-} \
    "$top/scripts/weft-local" up --no-build --data "$work/A/data" --mount "$work/A/mnt" >/dev/null
  WEFT_BIN_DIR=$ab_bin_b WEFT_MOUNT_ARGS=${AB_B_MOUNT_ARGS:-} WEFT_CHUNK_ARGS=${AB_B_CHUNK_ARGS:-} \
    "$top/scripts/weft-local" up --no-build --data "$work/B/data" --mount "$work/B/mnt" >/dev/null
}

ab_cleanup() {
  local s bin
  for s in A B; do
    bin=$ab_bin_a; [ $s = B ] && bin=$ab_bin_b
    [ -d "$work/$s" ] && WEFT_BIN_DIR=$bin "$top/scripts/weft-local" down --data "$work/$s/data" \
      --mount "$work/$s/mnt" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
