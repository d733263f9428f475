// A short-TTL cache of attributes (by inode) and dentries (parent, name -> inode) inside libweft.
// Entries expire after ttl_ms; local mutations invalidate what they change. ttl_ms == 0 disables it
// (weft-mount does: the kernel caches with its own timeouts).
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "weft/common.pb.h"

namespace weft::client {

class AttrCache {
 public:
  explicit AttrCache(uint32_t ttl_ms) : ttl_ms_(ttl_ms) {}

  std::optional<Attr> GetAttr(uint64_t ino) {
    if (!ttl_ms_) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = attrs_.find(ino);
    if (it == attrs_.end() || it->second.expiry < MonoMs()) return std::nullopt;
    return it->second.attr;
  }
  std::optional<uint64_t> GetEntry(uint64_t parent, const std::string& name) {
    if (!ttl_ms_) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = entries_.find(Key(parent, name));
    if (it == entries_.end() || it->second.expiry < MonoMs()) return std::nullopt;
    return it->second.ino;
  }
  void PutAttr(const Attr& a) {
    if (!ttl_ms_) return;
    std::lock_guard lock(mu_);
    if (attrs_.size() > kMax) attrs_.clear();
    attrs_[a.ino()] = {a, MonoMs() + ttl_ms_};
  }
  void PutEntry(uint64_t parent, const std::string& name, const Attr& a) {
    if (!ttl_ms_) return;
    PutAttr(a);
    std::lock_guard lock(mu_);
    if (entries_.size() > kMax) entries_.clear();
    entries_[Key(parent, name)] = {a.ino(), MonoMs() + ttl_ms_};
  }
  void DropAttr(uint64_t ino) {
    std::lock_guard lock(mu_);
    attrs_.erase(ino);
  }
  void DropEntry(uint64_t parent, const std::string& name) {
    std::lock_guard lock(mu_);
    entries_.erase(Key(parent, name));
    attrs_.erase(parent);
  }

 private:
  static constexpr size_t kMax = 100000;
  struct A {
    Attr attr;
    int64_t expiry;
  };
  struct E {
    uint64_t ino;
    int64_t expiry;
  };
  static std::string Key(uint64_t parent, const std::string& name) { return std::to_string(parent) + "/" + name; }

  const uint32_t ttl_ms_;
  std::mutex mu_;
  std::unordered_map<uint64_t, A> attrs_;
  std::unordered_map<std::string, E> entries_;
};

}  // namespace weft::client
