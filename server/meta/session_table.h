// The live client sessions' deadlines, in memory. Sessions themselves persist (S records, written by
// the sequencer); this table only says when each expires: Mount and Keepalive push the deadline to
// now + TTL, and after a restart every persisted session starts with a fresh TTL. A reaper asks for
// the expired ones and ends them through the sequencer.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace weft::meta {

class SessionTable {
 public:
  explicit SessionTable(uint32_t ttl_ms) : ttl_ms_(ttl_ms) {}

  uint32_t ttl_ms() const { return ttl_ms_; }
  // Adds (or renews) a session: it expires ttl from now.
  void Add(uint64_t session_id, uint64_t volume_id);
  // Renews a live session. False when unknown (never mounted, expired or unmounted).
  bool Renew(uint64_t session_id);
  void Remove(uint64_t session_id);
  bool Contains(uint64_t session_id) const;
  // The volume of a live session; nullopt when unknown.
  std::optional<uint64_t> VolumeOf(uint64_t session_id) const;
  // True when the session is known and its deadline has passed.
  bool IsExpired(uint64_t session_id, int64_t now_mono_ms) const;
  // Sessions whose deadline has passed at now_mono_ms.
  std::vector<uint64_t> Expired(int64_t now_mono_ms) const;
  size_t size() const;

 private:
  struct Entry {
    uint64_t volume_id;
    int64_t deadline_ms;  // monotonic
  };
  const uint32_t ttl_ms_;
  mutable std::mutex mu_;
  std::map<uint64_t, Entry> sessions_;  // GUARDED_BY(mu_)
};

}  // namespace weft::meta
