// The metadata service's tuning and behaviour, as one plain struct; every field documents its default.
// main.cc fills it from flags (and --config); tests build it directly.
#pragma once

#include <cstdint>

#include "server/meta/volume_class.h"

namespace weft::meta {

struct MetaOptions {
  // A session not renewed (Keepalive) within this long expires: its handles close. Default 30 s.
  uint32_t session_ttl_ms = 30000;
  // Space grants reserve quota in multiples of this (capped by what remains). Default 64 MiB.
  uint64_t grant_increment = 64ull << 20;
  // Replies remembered per session for retried mutations (by request id). Default 1024.
  uint32_t dedupe_window = 1024;
  // The sequencer commits at most this many operations in one group (one synced write). Default 1024.
  uint32_t max_group_ops = 1024;
  // fsync the log at all: group commits that need it, and the background sync of the others. Off only
  // for benchmarks of the CPU path (a crash of the machine then loses acknowledged ops). Default true.
  bool sync = true;
  // Sync every namespace change (create, unlink, rename, setattr, ...) before its reply. Off (default),
  // a namespace change is acknowledged once it is applied and in the log (a crash of weft-meta loses
  // nothing), and is on disk within sync_interval_ms, and before any later Sync call (a client's fsync
  // or fsyncdir) returns -- POSIX's contract, as a local file system keeps it. Space grants, durable
  // length commits, shrinking truncates, id reservations and admin changes always sync before replying.
  bool sync_each_change = false;
  // The background sync runs at most this often while unsynced changes exist. Default 10 ms.
  uint32_t sync_interval_ms = 10;
  // ReadDir returns at most this many entries per call. Default 1024.
  uint32_t readdir_max_entries = 1024;
  // The GC worker rescans its queue this often when idle. Default 1 s.
  uint32_t gc_interval_ms = 1000;
  // Upper bound of the GC's retry backoff after a failed chunk removal. Default 30 s.
  uint32_t gc_max_backoff_ms = 30000;
  // Entries a deleted volume's purge removes per sequenced step. Default 512.
  uint32_t purge_step_entries = 512;
  // Directory leases (dir_leases.h): how long a lease lasts past each add by its holder, which is
  // also the longest another session's first add to such a directory waits. 0 = none. Default 1 s.
  uint32_t dir_lease_ms = 1000;
  // Directories with a lease at once, at most. Default 65,536 (~64 bytes each).
  uint32_t max_dir_leases = 65536;
  // Volume classes: built-in small/medium/large unless overridden (--class).
  VolumeClasses classes = BuiltinClasses();
};

}  // namespace weft::meta
