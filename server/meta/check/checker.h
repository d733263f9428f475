// The offline consistency checker behind `weft-meta check --data DIR`. It reads every record and
// verifies the invariants the sequencer maintains:
//   - every dentry's parent is a directory and its inode exists, in the same volume, of the listed type
//   - nlink equals the number of dentries (directories: 2 + subdirectories; exactly one name, the root
//     none), a directory's parent field and entry count match its dentries, every linked inode is
//     reachable from its volume's root (no detached cycles)
//   - an inode without links has open handles (and is not queued) or is in the GC queue (and has none)
//   - volume and tenant usage (bytes, inodes, reserved, volume and mount counts) equal the sums
//   - handles, sessions, replies, xattrs and GC entries point at things that exist; counters are ahead
//     of every id handed out
// It holds the whole metadata in memory (meant for offline use on a stopped server).
//
// Thread-safety: a pure function of the store's contents.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/meta/kv.h"

namespace weft::meta {

struct CheckReport {
  std::vector<std::string> violations;
  uint64_t volumes = 0, tenants = 0, inodes = 0, dentries = 0, sessions = 0, handles = 0, gc_pending = 0;
  bool ok() const { return violations.empty(); }
  // "ok: 3 volumes, 2 tenants, ..." or the count of violations.
  std::string Summary() const;
};

// Non-OK only when the store cannot be read.
StatusOr<CheckReport> CheckConsistency(KvReader& kv);

}  // namespace weft::meta
