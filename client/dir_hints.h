// Fresh attributes of directories, learned from the replies of the calls that changed them (create,
// unlink, rename, mkdir, rmdir, link, symlink all return the directory afterwards), each handed out
// at most once and only within ttl_ms of the reply.
//
// Why: the kernel drops a FUSE directory's cached attributes after every change in it and, with
// default_permissions, asks for them again (GETATTR) at the next lookup's permission check. Answering
// that one getattr from the reply of the change saves a metadata round trip per create/unlink/rename,
// and gives the kernel what it would have cached had the reply carried the directory: attributes
// fetched by this very call, no staler than the kernel's own attribute timeout allows.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/clock.h"
#include "weft/common.pb.h"

namespace weft::client {

class DirHints {
 public:
  // ttl_ms == 0 disables the hints (Put keeps nothing, Take finds nothing).
  explicit DirHints(uint32_t ttl_ms) : ttl_ms_(ttl_ms) {}

  // Remembers dir (a directory's attributes from a reply). Ignored when dir.ino() is 0 (the reply
  // carried none) or when a hint with a later ctime is already held (replies of concurrent changes
  // may arrive out of order).
  void Put(const Attr& dir) {
    if (!ttl_ms_ || dir.ino() == 0) return;
    std::lock_guard lock(mu_);
    auto it = hints_.find(dir.ino());
    if (it != hints_.end() && Later(it->second.attr.ctime(), dir.ctime())) return;
    if (hints_.size() >= kMax) hints_.clear();
    hints_[dir.ino()] = {dir, MonoMs() + ttl_ms_};
  }

  // The hint for ino, removed; nullopt when none or expired.
  std::optional<Attr> Take(uint64_t ino) {
    if (!ttl_ms_) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = hints_.find(ino);
    if (it == hints_.end()) return std::nullopt;
    std::optional<Attr> out;
    if (it->second.expiry >= MonoMs()) out = std::move(it->second.attr);
    hints_.erase(it);
    return out;
  }

  // Forgets ino's hint (a change whose reply carries no directory attributes, e.g. setattr).
  void Drop(uint64_t ino) {
    if (!ttl_ms_) return;
    std::lock_guard lock(mu_);
    hints_.erase(ino);
  }

 private:
  static constexpr size_t kMax = 4096;
  struct Hint {
    Attr attr;
    int64_t expiry;  // MonoMs
  };
  static bool Later(const Timespec& a, const Timespec& b) {
    return a.sec() != b.sec() ? a.sec() > b.sec() : a.nsec() > b.nsec();
  }

  const uint32_t ttl_ms_;
  std::mutex mu_;
  std::unordered_map<uint64_t, Hint> hints_;  // GUARDED_BY(mu_)
};

}  // namespace weft::client
