# Sourced by bench/compare: a local weft cluster (1 weft-meta, 3 weft-chunk on loopback, ports picked
# by the servers and read back from --ready-file), one volume of class $weft_class with replication 3,
# mounted with weft-mount. Every process is recorded in pids[] and the mount in mounts[], so the
# compare script's EXIT trap undoes all of it. Sets weft_mnt. Returns non-zero (and logs why) on failure.

weft_data=$work/weft
weft_mnt=$work/weft-mnt
weft_logs=$weft_data/logs
weft_meta_pid="" weft_mount_pid="" weft_chunk_pids=() weft_fuse_path=""

# wait_ready FILE KEY PID LOG: prints KEY's value from a ready file once the process wrote it.
weft_wait_ready() {
  local i v
  for i in $(seq 1 300); do
    if [ -f "$1" ]; then
      v=$(sed -n "s/^$2=//p" "$1")
      [ -n "$v" ] && { echo "$v"; return 0; }
    fi
    kill -0 "$3" 2>/dev/null || { say "$(basename "$4" .log) exited: $(tail -3 "$4")"; return 1; }
    sleep 0.1
  done
  say "$(basename "$4" .log) did not become ready; see $4"
  return 1
}

weftctl_() { WEFT_TOKEN=$(cat "$weft_data/admin.token") "$bin/weftctl" --meta "$weft_addr" "$@"; }

weft_up() {
  mkdir -p "$weft_logs" "$weft_mnt"
  setsid "$bin/weft-meta" --listen 127.0.0.1:0 --data "$weft_data/meta" --ready-file "$weft_data/meta.ready" \
    --admin-token-file "$weft_data/admin.token" --cluster-key-file "$weft_data/cluster.key" $weft_meta_args >>"$weft_logs/meta.log" 2>&1 </dev/null 9>&- &
  weft_meta_pid=$!
  pids+=("$weft_meta_pid")
  weft_addr=$(weft_wait_ready "$weft_data/meta.ready" grpc "$weft_meta_pid" "$weft_logs/meta.log") || return 1
  local i p
  for i in 0 1 2; do
    mkdir -p "$weft_data/chunk$i"
    setsid "$bin/weft-chunk" --listen 127.0.0.1:0 --control-listen 127.0.0.1:0 --meta "$weft_addr" \
      --data "$weft_data/chunk$i" --failure-domain "local$i" --ready-file "$weft_data/chunk$i.ready" \
      --cluster-key-file "$weft_data/cluster.key" --memory-budget-mb "$weft_budget_mb" $weft_chunk_args \
      >>"$weft_logs/chunk$i.log" 2>&1 </dev/null 9>&- &
    p=$!
    pids+=("$p")
    weft_chunk_pids+=("$p")
  done
  for i in 0 1 2; do
    weft_wait_ready "$weft_data/chunk$i.ready" data "${weft_chunk_pids[$i]}" "$weft_logs/chunk$i.log" >/dev/null ||
      return 1
  done
  local up=0
  for i in $(seq 1 300); do
    up=$(weftctl_ -o json cluster status 2>/dev/null | sed -n 's/.*"servers_up": *\([0-9]*\).*/\1/p' | head -1)
    [ "${up:-0}" -ge 3 ] && break
    sleep 0.1
  done
  [ "${up:-0}" -ge 3 ] || { say "weft: only ${up:-0} of 3 chunk servers registered"; return 1; }
  weftctl_ tenant create bench >>"$weft_logs/weftctl.log" 2>&1 || { say "weft: tenant create failed"; return 1; }
  weftctl_ volume create bench --tenant bench --class "$weft_class" --replication 3 --mode shared \
    >>"$weft_logs/weftctl.log" 2>&1 || { say "weft: volume create failed: $(tail -2 "$weft_logs/weftctl.log")"; return 1; }
  weftctl_ -o json volume show bench >"$weft_data/volume.json" 2>>"$weft_logs/weftctl.log" || true
  setsid "$bin/weft-mount" --meta "$weft_addr" --volume bench --token-file "$weft_data/admin.token" "$weft_mnt" -f \
    --memory-budget-mb "$weft_budget_mb" $weft_mount_args \
    >>"$weft_logs/mount.log" 2>&1 </dev/null 9>&- &
  weft_mount_pid=$!
  pids+=("$weft_mount_pid")
  mounts+=("$weft_mnt")
  wait_mounted "$weft_mnt" "$weft_mount_pid" "$weft_logs/mount.log" || return 1
  # Which way the mount's requests go (fuse/uring.h): its log says once the kernel's INIT is answered.
  weft_fuse_path="/dev/fuse"
  local _
  for _ in $(seq 1 50); do
    grep -q "FUSE over io_uring: on" "$weft_logs/mount.log" && { weft_fuse_path="io_uring"; break; }
    grep -q "FUSE over io_uring: off" "$weft_logs/mount.log" && break
    sleep 0.1
  done
  say "weft: meta $weft_addr, 3 chunk servers, volume bench (class $weft_class, replication 3) at $weft_mnt"
}

# Is the weft side still whole? (a crashed server makes every later figure meaningless)
weft_alive() {
  local p
  for p in "$weft_meta_pid" "${weft_chunk_pids[@]}" "$weft_mount_pid"; do
    kill -0 "$p" 2>/dev/null || return 1
  done
  is_mounted "$weft_mnt"
}

weft_logs_tail() {
  local f
  for f in "$weft_logs"/*.log; do
    [ -s "$f" ] || continue
    echo "--- $(basename "$f") (last 15 lines)"
    tail -15 "$f"
  done
}

# Prints "system<TAB>process<TAB>VmHWM KiB" lines ("exited" for a process that is gone).
weft_rss() {
  local i
  [ -n "$weft_meta_pid" ] && printf 'weft\tweft-meta\t%s\n' "$(hwm_kib "$weft_meta_pid")"
  for i in "${!weft_chunk_pids[@]}"; do
    printf 'weft\tweft-chunk%s\t%s\n' "$i" "$(hwm_kib "${weft_chunk_pids[$i]}")"
  done
  [ -n "$weft_mount_pid" ] && printf 'weft\tweft-mount\t%s\n' "$(hwm_kib "$weft_mount_pid")"
  return 0
}
