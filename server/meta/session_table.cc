#include "server/meta/session_table.h"

#include "common/clock.h"

namespace weft::meta {

void SessionTable::Add(uint64_t session_id, uint64_t volume_id) {
  std::lock_guard lock(mu_);
  sessions_[session_id] = {volume_id, MonoMs() + ttl_ms_};
}

bool SessionTable::Renew(uint64_t session_id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return false;
  it->second.deadline_ms = MonoMs() + ttl_ms_;
  return true;
}

void SessionTable::Remove(uint64_t session_id) {
  std::lock_guard lock(mu_);
  sessions_.erase(session_id);
}

bool SessionTable::Contains(uint64_t session_id) const {
  std::lock_guard lock(mu_);
  return sessions_.count(session_id) > 0;
}

std::optional<uint64_t> SessionTable::VolumeOf(uint64_t session_id) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.volume_id;
}

bool SessionTable::IsExpired(uint64_t session_id, int64_t now_mono_ms) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session_id);
  return it != sessions_.end() && it->second.deadline_ms <= now_mono_ms;
}

std::vector<uint64_t> SessionTable::Expired(int64_t now_mono_ms) const {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> out;
  for (const auto& [id, e] : sessions_) {
    if (e.deadline_ms <= now_mono_ms) out.push_back(id);
  }
  return out;
}

size_t SessionTable::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace weft::meta
