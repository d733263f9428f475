# Sourced by bench/compare: the jobs run on each system, and their figures appended to $results as
# "run<TAB>system<TAB>metric<TAB>value" (value "fail" when the job failed; the reason goes to $failures).

job_timeout=$((600 + 4 * runtime))
declare -A dead=()  # system -> why it is no longer measured

# run_bg LOG CMD...: runs CMD under a timeout, in the background so that a signal to this script is
# handled at once (cleanup stops $job_pid); returns CMD's exit code (124 on timeout).
job_pid=""
run_bg() {
  local log=$1 rc=0
  shift
  timeout -k 10 "$job_timeout" "$@" >"$log" 2>&1 </dev/null 9>&- &
  job_pid=$!
  wait "$job_pid" || rc=$?
  job_pid=""
  return $rc
}

system_alive() {
  case "$1" in
    weft) weft_alive ;;
    moosefs) mfs_alive ;;
    *) return 0 ;;
  esac
}

system_logs() {
  case "$1" in
    weft) weft_logs_tail ;;
    moosefs) mfs_logs_tail ;;
  esac
}

# record_fail RUN SYS JOB LOG METRIC...: marks the metrics failed and keeps the evidence.
record_fail() {
  local run=$1 sys=$2 job=$3 log=$4 m
  shift 4
  for m in "$@"; do printf '%s\t%s\t%s\tfail\n' "$run" "$sys" "$m" >>"$results"; done
  {
    echo "=== run $run, $sys, $job failed"
    [ -s "$log" ] && { echo "--- job output (last 20 lines)"; tail -20 "$log"; }
    system_logs "$sys"
  } >>"$failures"
  say "run $run: $sys $job FAILED (see the report's failures section)"
  if ! system_alive "$sys"; then
    dead[$sys]="a process died or the mount vanished during run $run, $job"
    say "$sys: ${dead[$sys]}; its remaining jobs are skipped"
  fi
}

# record_skip RUN SYS JOB: the job's headline figures are "skip" (the system died earlier).
record_skip() {
  local metrics m
  case "$3" in
    seq-write) metrics=seq_write_mibs ;; seq-read) metrics=seq_read_mibs ;; randread) metrics=randread_iops ;;
    mixed) metrics=mixed_iops ;; meta) metrics="meta_c1_create meta_c1_stat meta_c1_unlink" ;;
  esac
  for m in $metrics; do printf '%s\t%s\t%s\tskip\n' "$1" "$2" "$m" >>"$results"; done
}

# run_fio RUN SYS DIR PREFIX NAME: runs bench/fio/NAME.fio on DIR; prints the job's figures.
run_fio() {
  local run=$1 sys=$2 dir=$3 prefix=$4 name=$5 rc=0
  local json=$raw/$run-$sys-$name.json log=$raw/$run-$sys-$name.log
  DIR=$dir SIZE=$size RUNTIME=$runtime run_bg "$log" $prefix \
    fio --output-format=json --output="$json" "$here/fio/$name.fio" || rc=$?
  if [ $rc = 0 ] && python3 "$here/compare.d/report.py" fio "$name" "$json" >"$raw/$run-$sys-$name.tsv" 2>>"$log"; then
    sed "s/^/$run\t$sys\t/" "$raw/$run-$sys-$name.tsv" >>"$results"
    return 0
  fi
  [ $rc = 124 ] && { echo "timed out after ${job_timeout}s" >>"$log"; dead[$sys]="$name hung in run $run"; }
  echo "exit code $rc" >>"$log"
  case "$name" in
    seq-write) record_fail "$run" "$sys" "$name" "$log" seq_write_mibs ;;
    seq-read) record_fail "$run" "$sys" "$name" "$log" seq_read_mibs ;;
    randread-4k) record_fail "$run" "$sys" "$name" "$log" randread_iops ;;
    mixed-70-30) record_fail "$run" "$sys" "$name" "$log" mixed_iops ;;
  esac
  return 1
}

run_meta() {
  local run=$1 sys=$2 dir=$3 prefix=$4 rc=0
  local json=$raw/$run-$sys-meta.json log=$raw/$run-$sys-meta.log tsv=$raw/$run-$sys-meta.tsv
  run_bg "$log" $prefix "$bench_bin" meta --via mount --dir "$dir" --clients "1,$meta_clients" \
    --dirs "$meta_dirs" --files "$meta_files" --drop-caches --label "$sys" --json "$json" || rc=$?
  # weft-bench writes the phases it finished even when a later one fails: keep those.
  : >"$tsv"
  [ -s "$json" ] && python3 "$here/compare.d/report.py" meta "$json" >"$tsv" 2>>"$log" || true
  sed "s/^/$run\t$sys\t/" "$tsv" >>"$results"
  [ $rc = 0 ] && [ -s "$tsv" ] && return 0
  [ $rc = 124 ] && { echo "timed out after ${job_timeout}s" >>"$log"; dead[$sys]="meta hung in run $run"; }
  echo "exit code $rc" >>"$log"
  local missing=() c p
  for c in 1 "$meta_clients"; do
    for p in mkdir create stat readdir rename unlink rmdir; do
      grep -q "^meta_c${c}_$p	" "$tsv" || missing+=("meta_c${c}_$p")
    done
  done
  record_fail "$run" "$sys" meta "$log" "${missing[@]}"
}

# After every job: peak RSS (so a process that dies later still has a figure) and the load average
# (other work on the machine skews the figures; the report shows the highest).
sample_rss() {
  [ $skip_weft = 1 ] || weft_rss >>"$work/rss-samples.tsv"
  [ $skip_mfs = 1 ] || mfs_rss >>"$work/rss-samples.tsv"
  cut -d' ' -f1 /proc/loadavg >>"$work/load-samples.txt"
}

# run_jobs RUN SYS DIR PREFIX
run_jobs() {
  local run=$1 sys=$2 dir=$3 prefix=$4 job
  for job in seq-write seq-read randread mixed meta; do
    has_job "$job" || continue
    if [ -n "${dead[$sys]:-}" ]; then
      say "run $run: $sys $job skipped (${dead[$sys]})"
      record_skip "$run" "$sys" "$job"
      continue
    fi
    case "$job" in
      seq-write) rm -f "$dir/fio-seq.dat"; run_fio "$run" "$sys" "$dir" "$prefix" seq-write || true ;;
      seq-read) drop_caches; run_fio "$run" "$sys" "$dir" "$prefix" seq-read || true ;;
      randread) drop_caches; run_fio "$run" "$sys" "$dir" "$prefix" randread-4k || true ;;
      mixed) drop_caches; run_fio "$run" "$sys" "$dir" "$prefix" mixed-70-30 || true ;;
      meta) run_meta "$run" "$sys" "$dir" "$prefix" || true ;;
    esac
    sample_rss
  done
  [ -n "${dead[$sys]:-}" ] || rm -f "$dir/fio-seq.dat"
}

# cpu_ms PID: user + system CPU time of a process so far, in ms (all its threads, exited ones included).
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# run_paired JSON: bench/meta-ab.py with A = the MooseFS mount, B = the weft mount, so that its B/A is
# weft/MooseFS; writes meta-ab.py's figures plus each metadata server's and mount's CPU time per
# operation to JSON (left empty on failure, the reason in $failures).
run_paired() {
  local json=$1 log=$raw/paired.log rc=0
  local pids_of="mfsmaster=$mfs_master_pid mfsmount=$mfs_mount_pid weft-meta=$weft_meta_pid weft-mount=$weft_mount_pid"
  local before=() after=() kv
  for kv in $pids_of; do before+=("${kv%%=*}=$(cpu_ms "${kv#*=}")"); done
  run_bg "$log" python3 "$here/meta-ab.py" --rounds "$paired_rounds" --files "$paired_files" --names MooseFS,weft \
    --json "$raw/paired-ab.json" "$mfs_mnt" "$weft_mnt" || rc=$?
  for kv in $pids_of; do after+=("${kv%%=*}=$(cpu_ms "${kv#*=}")"); done
  if [ $rc != 0 ] || [ ! -s "$raw/paired-ab.json" ]; then
    { echo "=== paired metadata failed (exit code $rc)"; tail -20 "$log"; } >>"$failures"
    say "paired metadata FAILED (see the report's failures section)"
    return 1
  fi
  python3 - "$raw/paired-ab.json" "$json" "${before[*]}" "${after[*]}" <<'EOF'
import json, sys
ab = json.load(open(sys.argv[1]))
before = dict(kv.split("=") for kv in sys.argv[3].split())
after = dict(kv.split("=") for kv in sys.argv[4].split())
# The same operations ran on each side: create, stat, rename and unlink of every file, every round.
ops = 4 * ab["rounds"] * ab["files"]
ab["cpu_us_per_op"] = {p: (int(after[p]) - int(before[p])) * 1000 / ops for p in before}
ab["ops_per_side"] = ops
json.dump(ab, open(sys.argv[2], "w"), indent=2)
EOF
}
