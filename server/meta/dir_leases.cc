#include "server/meta/dir_leases.h"

#include <chrono>
#include <iterator>

#include "common/clock.h"

namespace weft::meta {

void DirLeases::StartQuiet(int64_t now_ms, bool reads) {
  if (lease_ms_ == 0) return;
  std::lock_guard lock(mu_);
  quiet_until_ = now_ms + lease_ms_;
  quiet_reads_ = reads;
  read_quiet_until_.store(reads ? quiet_until_ : 0);
}

void DirLeases::SetDeferring(uint64_t session, bool on) {
  std::lock_guard lock(mu_);
  if (on) {
    deferring_.insert(session);
  } else {
    deferring_.erase(session);
  }
  deferring_n_.store(deferring_.size());
}

bool DirLeases::deferring(uint64_t session) const {
  std::lock_guard lock(mu_);
  return deferring_.contains(session);
}

int64_t DirLeases::BlockedUntilRead(uint64_t dir, uint64_t session, int64_t now_ms) {
  if (lease_ms_ == 0) return 0;
  if (deferring_n_.load() == 0 && read_quiet_until_.load() <= now_ms) return 0;  // no lock on the common path
  std::lock_guard lock(mu_);
  auto it = leases_.find(dir);
  if (it == leases_.end()) return quiet_reads_ && quiet_until_ > now_ms ? quiet_until_ : 0;
  Lease& l = it->second;
  if (l.session == session || !deferring_.contains(l.session)) return 0;
  if (l.deadline > now_ms) {
    RevokeLocked(dir, l);
    return l.deadline;
  }
  leases_.erase(it);  // lapsed: a deferred create the holder sends now must not land behind this read
  return 0;
}

DirLeases::DeferredAdd DirLeases::AddDeferred(uint64_t dir, uint64_t session, int64_t now_ms) {
  if (lease_ms_ == 0) return {};
  std::lock_guard lock(mu_);
  auto it = leases_.find(dir);
  if (it == leases_.end()) return {.ok = quiet_reads_ && quiet_until_ > now_ms};
  Lease& l = it->second;
  if (l.session != session) return {};
  if (l.revoked) return {.ok = l.deadline > now_ms};  // stands until the reader's wait ends; no renewal
  l.deadline = now_ms + lease_ms_;
  return {.ok = true, .grant = l.grant};
}

uint64_t DirLeases::Grant(uint64_t dir, uint64_t session, int64_t now_ms) {
  if (lease_ms_ == 0 || session == 0) return 0;
  std::lock_guard lock(mu_);
  if (leases_.size() >= max_dirs_ && !leases_.contains(dir)) {
    for (auto it = leases_.begin(); it != leases_.end();) {
      it = it->second.deadline < now_ms ? leases_.erase(it) : std::next(it);
    }
    if (leases_.size() >= max_dirs_) return 0;
  }
  Lease& l = leases_[dir];
  l = Lease{.session = session, .grant = next_grant_++, .deadline = now_ms + lease_ms_};
  return l.grant;
}

int64_t DirLeases::WaitLocked(uint64_t dir, uint64_t session, int64_t now_ms, bool revoke) {
  auto it = leases_.find(dir);
  if (it == leases_.end()) return quiet_until_ > now_ms ? quiet_until_ : 0;
  Lease& l = it->second;
  if (l.session == session || l.deadline <= now_ms) return 0;
  if (revoke) RevokeLocked(dir, l);
  return l.deadline;
}

void DirLeases::RevokeLocked(uint64_t dir, Lease& l) {
  l.revoked = true;
  if (l.recalled || !listening_.contains(l.session)) return;
  l.recalled = true;
  recalls_[l.session].push_back(dir);
  recall_cv_.notify_all();
}

void DirLeases::SleepUntil(int64_t until_ms, uint64_t seen) {
  std::unique_lock lock(mu_);
  const int64_t now = MonoMs();
  if (until_ms <= now) return;
  // Any release ends the sleep: the caller asks again (another directory's release wakes it early too).
  released_cv_.wait_for(lock, std::chrono::milliseconds(until_ms - now),
                        [&] { return closed_ || released_gen_.load() != seen; });
}

std::vector<uint64_t> DirLeases::WaitRecalls(uint64_t session, int64_t until_ms) {
  std::unique_lock lock(mu_);
  listening_.insert(session);
  // Leases revoked before the session listened are asked for now.
  for (auto& [dir, l] : leases_) {
    if (l.session == session && l.revoked && !l.recalled) {
      l.recalled = true;
      recalls_[session].push_back(dir);
    }
  }
  for (;;) {
    if (closed_ || !listening_.contains(session)) return {};
    if (auto it = recalls_.find(session); it != recalls_.end()) {
      std::vector<uint64_t> dirs = std::move(it->second);
      recalls_.erase(it);
      return dirs;
    }
    const int64_t now = MonoMs();
    if (now >= until_ms) return {};
    recall_cv_.wait_for(lock, std::chrono::milliseconds(until_ms - now));
  }
}

void DirLeases::Release(uint64_t session, const std::vector<uint64_t>& dirs) {
  if (dirs.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (uint64_t dir : dirs) {
      if (auto it = leases_.find(dir); it != leases_.end() && it->second.session == session) leases_.erase(it);
    }
    released_gen_.fetch_add(1);
  }
  released_cv_.notify_all();
}

void DirLeases::StopListening(uint64_t session) {
  {
    std::lock_guard lock(mu_);
    listening_.erase(session);
    recalls_.erase(session);
  }
  recall_cv_.notify_all();
}

void DirLeases::SessionEnded(uint64_t session) {
  {
    std::lock_guard lock(mu_);
    deferring_.erase(session);
    deferring_n_.store(deferring_.size());
    listening_.erase(session);
    recalls_.erase(session);
    // Its leases end with it: nothing it answered can arrive any more (an unmount sent its queue first;
    // an expired session's calls are refused), so whoever waits for them goes on.
    for (auto it = leases_.begin(); it != leases_.end();) {
      it = it->second.session == session ? leases_.erase(it) : std::next(it);
    }
    released_gen_.fetch_add(1);
  }
  recall_cv_.notify_all();
  released_cv_.notify_all();
}

void DirLeases::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  recall_cv_.notify_all();
  released_cv_.notify_all();
}

DirLeases::AddResult DirLeases::Add(uint64_t dir, uint64_t session, int64_t now_ms) {
  if (lease_ms_ == 0) return {};
  std::lock_guard lock(mu_);
  if (int64_t until = WaitLocked(dir, session, now_ms, /*revoke=*/true)) return {.wait_until = until};
  auto it = leases_.find(dir);
  if (it == leases_.end()) return {};
  Lease& l = it->second;
  if (l.session != session) {  // another session's add, past the deadline: the lease ends for good
    leases_.erase(it);
    return {};
  }
  // The holder's add once another session waits: no renewal. The record stays until the deadline it
  // already has (the holder's other calls may trust it until then), and that session's add ends it.
  if (l.revoked) return {};
  l.deadline = now_ms + lease_ms_;
  return {.grant = l.grant};
}

int64_t DirLeases::BlockedUntil(uint64_t dir, uint64_t session, int64_t now_ms) {
  if (lease_ms_ == 0) return 0;
  std::lock_guard lock(mu_);
  return WaitLocked(dir, session, now_ms, /*revoke=*/true);
}

void DirLeases::Forget(uint64_t dir) {
  if (lease_ms_ == 0) return;
  std::lock_guard lock(mu_);
  leases_.erase(dir);
}

size_t DirLeases::size() const {
  std::lock_guard lock(mu_);
  return leases_.size();
}

}  // namespace weft::meta
