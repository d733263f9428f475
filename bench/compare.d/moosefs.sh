# Sourced by bench/compare: a MooseFS cluster from Debian's packages -- 1 mfsmaster, 3 mfschunkserver,
# goal 3, mounted with mfsmount -- inside a network namespace of its own. MooseFS will not serve on
# loopback addresses, so the namespace gets one end of a veth pair with a private 10.213.x.2/30 address
# (the host end, 10.213.x.1, only exists so the link has carrier); every daemon binds that address and
# runs under `nsenter --net`, which switches the network namespace only: the FUSE mount lands in the
# host's mount namespace, and the jobs for it run through the same nsenter. Each chunk server has its
# own config, data directory, lock/working directory (DATA_PATH) and port. Daemons run in the
# foreground (-f) as root so that their PIDs are ours to stop. Sets mfs_mnt and ns/veth (for cleanup).

mfs_dir=$work/mfs
mfs_mnt=$work/mfs-mnt
mfs_logs=$mfs_dir/logs
mfs_master_pid="" mfs_mount_pid="" mfs_chunk_pids=()
mfs_ns() { nsenter --net="/run/netns/$ns" "$@"; }

mfs_pick_subnet() {
  local x
  for x in $(seq 213 250); do
    ip -o -4 addr show | grep -q " 10\.213\.$x\." && continue
    ip route show | grep -q "^10\.213\.$x\." && continue
    echo "$x"
    return 0
  done
  return 1
}

mfs_wait_port() {  # PORT PID LOG
  local i
  for i in $(seq 1 300); do
    mfs_ns timeout 1 bash -c "exec 3<>/dev/tcp/$mfs_ip/$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { say "moosefs: $(basename "$3" .log) exited: $(tail -3 "$3")"; return 1; }
    sleep 0.1
  done
  say "moosefs: nothing listens on $mfs_ip:$1; see $3"
  return 1
}

mfs_up() {
  local x i p
  x=$(mfs_pick_subnet) || { say "moosefs: no free 10.213.x.0/30 subnet"; return 1; }
  mfs_ip=10.213.$x.2
  mkdir -p "$mfs_logs" "$mfs_mnt"
  ns=wfcmp$$
  ip netns add "$ns" || return 1
  veth=wfc$$h
  ip link add "$veth" type veth peer name "wfc$$n" || { veth=""; return 1; }
  ip link set "wfc$$n" netns "$ns" &&
    ip addr add "10.213.$x.1/30" dev "$veth" && ip link set "$veth" up &&
    mfs_ns ip addr add "$mfs_ip/30" dev "wfc$$n" && mfs_ns ip link set "wfc$$n" up &&
    mfs_ns ip link set lo up || { say "moosefs: network setup failed"; return 1; }

  # Master.
  mkdir -p "$mfs_dir/master"
  cp /var/lib/mfs/metadata.mfs.empty "$mfs_dir/master/metadata.mfs" 2>/dev/null ||
    printf 'MFSM NEW' >"$mfs_dir/master/metadata.mfs"
  echo "* / rw,alldirs,admin,maproot=0:0" >"$mfs_dir/mfsexports.cfg"
  : >"$mfs_dir/mfstopology.cfg"
  cat >"$mfs_dir/mfsmaster.cfg" <<CFG
WORKING_USER = root
WORKING_GROUP = root
DATA_PATH = $mfs_dir/master
EXPORTS_FILENAME = $mfs_dir/mfsexports.cfg
TOPOLOGY_FILENAME = $mfs_dir/mfstopology.cfg
MATOML_LISTEN_HOST = $mfs_ip
MATOCS_LISTEN_HOST = $mfs_ip
MATOCL_LISTEN_HOST = $mfs_ip
CFG
  setsid nsenter --net="/run/netns/$ns" mfsmaster -f -c "$mfs_dir/mfsmaster.cfg" start \
    >>"$mfs_logs/master.log" 2>&1 </dev/null 9>&- &
  mfs_master_pid=$!
  pids+=("$mfs_master_pid")
  mfs_wait_port 9421 "$mfs_master_pid" "$mfs_logs/master.log" || return 1

  # Chunk servers: ports 9422, 9432, 9442.
  for i in 0 1 2; do
    mkdir -p "$mfs_dir/cs$i/hdd"
    echo "$mfs_dir/cs$i/hdd" >"$mfs_dir/cs$i/mfshdd.cfg"
    cat >"$mfs_dir/cs$i/mfschunkserver.cfg" <<CFG
WORKING_USER = root
WORKING_GROUP = root
DATA_PATH = $mfs_dir/cs$i
HDD_CONF_FILENAME = $mfs_dir/cs$i/mfshdd.cfg
MASTER_HOST = $mfs_ip
BIND_HOST = $mfs_ip
CSSERV_LISTEN_HOST = $mfs_ip
CSSERV_LISTEN_PORT = $((9422 + 10 * i))
HDD_TEST_SPEED = 0
HDD_FSYNC_BEFORE_CLOSE = $mfs_fsync
CFG
    setsid nsenter --net="/run/netns/$ns" mfschunkserver -f -c "$mfs_dir/cs$i/mfschunkserver.cfg" start \
      >>"$mfs_logs/cs$i.log" 2>&1 </dev/null 9>&- &
    p=$!
    pids+=("$p")
    mfs_chunk_pids+=("$p")
  done
  local n=0
  for i in $(seq 1 600); do
    n=$(mfs_ns mfscli -H "$mfs_ip" -P 9421 -SCS 2>/dev/null | grep -c "^chunk servers:.*$mfs_ip" || true)
    [ "$n" -ge 3 ] && break
    sleep 0.1
  done
  [ "$n" -ge 3 ] || { say "moosefs: only $n of 3 chunk servers registered"; return 1; }

  # The mount.
  setsid nsenter --net="/run/netns/$ns" mfsmount "$mfs_mnt" -f -H "$mfs_ip" -P 9421 \
    >>"$mfs_logs/mount.log" 2>&1 </dev/null 9>&- &
  mfs_mount_pid=$!
  pids+=("$mfs_mount_pid")
  mounts+=("$mfs_mnt")
  wait_mounted "$mfs_mnt" "$mfs_mount_pid" "$mfs_logs/mount.log" || return 1
  mfs_ns mfssetgoal -r 3 "$mfs_mnt" >>"$mfs_logs/tools.log" 2>&1 &&
    mfs_ns mfssettrashtime -r 0 "$mfs_mnt" >>"$mfs_logs/tools.log" 2>&1 ||
    { say "moosefs: setting goal/trash time failed: $(tail -2 "$mfs_logs/tools.log")"; return 1; }
  mfs_ns mfsgetgoal "$mfs_mnt" | grep -q ": 3$" || { say "moosefs: goal is not 3"; return 1; }
  say "moosefs: master $mfs_ip:9421 (netns $ns), 3 chunk servers, goal 3, at $mfs_mnt"
}

mfs_alive() {
  local p
  for p in "$mfs_master_pid" "${mfs_chunk_pids[@]}" "$mfs_mount_pid"; do
    kill -0 "$p" 2>/dev/null || return 1
  done
  is_mounted "$mfs_mnt"
}

mfs_logs_tail() {
  local f
  for f in "$mfs_logs"/*.log; do
    [ -s "$f" ] || continue
    echo "--- $(basename "$f") (last 15 lines)"
    tail -15 "$f"
  done
}

mfs_rss() {
  local i
  [ -n "$mfs_master_pid" ] && printf 'moosefs\tmfsmaster\t%s\n' "$(hwm_kib "$mfs_master_pid")"
  for i in "${!mfs_chunk_pids[@]}"; do
    printf 'moosefs\tmfschunkserver%s\t%s\n' "$i" "$(hwm_kib "${mfs_chunk_pids[$i]}")"
  done
  [ -n "$mfs_mount_pid" ] && printf 'moosefs\tmfsmount\t%s\n' "$(hwm_kib "$mfs_mount_pid")"
  return 0
}
