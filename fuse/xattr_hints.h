// Inodes known to have no extended attributes, learned from the attributes weft-meta returns
// (Attr.no_xattrs, kept by weft-meta at every write of an inode), each trusted for ttl_ms after the
// reply that said so.
//
// Why: the kernel caches no xattrs for FUSE, and `ls -l` asks for an ACL (system.posix_acl_access) of
// every entry, a write asks for security.capability: each a metadata round trip that, for the
// common inode without any xattr, answers ENODATA. Answered here instead, no staler than the
// kernel's own attribute cache (ttl_ms is the mount's attribute timeout): another client's setxattr
// shows up here within ttl_ms, as its chmod shows up in the kernel's attributes. This client's own
// setxattr/removexattr forgets the inode at once.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "common/clock.h"
#include "weft/common.pb.h"

namespace weft::fuse {

class XattrHints {
 public:
  // ttl_ms == 0 disables the hints (Note keeps nothing, NoneKnown is always false).
  explicit XattrHints(uint32_t ttl_ms) : ttl_ms_(ttl_ms) {}

  // Learns from attributes weft-meta returned: remembers a.ino() when it has no xattrs, else forgets it.
  void Note(const Attr& a) {
    if (!ttl_ms_ || a.ino() == 0) return;
    std::lock_guard lock(mu_);
    if (!a.no_xattrs()) {
      none_.erase(a.ino());
      return;
    }
    if (none_.size() >= kMax) none_.clear();
    none_[a.ino()] = MonoMs() + ttl_ms_;
  }

  // True while a reply within ttl_ms said ino has no xattrs (and this client changed none since).
  bool NoneKnown(uint64_t ino) {
    if (!ttl_ms_) return false;
    std::lock_guard lock(mu_);
    auto it = none_.find(ino);
    if (it == none_.end()) return false;
    if (it->second >= MonoMs()) return true;
    none_.erase(it);
    return false;
  }

  // This client is changing ino's xattrs: ask weft-meta from now on.
  void Forget(uint64_t ino) {
    if (!ttl_ms_) return;
    std::lock_guard lock(mu_);
    none_.erase(ino);
  }

 private:
  static constexpr size_t kMax = 1 << 16;
  const uint32_t ttl_ms_;
  std::mutex mu_;
  std::unordered_map<uint64_t, int64_t> none_;  // GUARDED_BY(mu_): ino -> expiry (MonoMs)
};

}  // namespace weft::fuse
