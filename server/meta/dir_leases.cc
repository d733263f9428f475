#include "server/meta/dir_leases.h"

#include <iterator>

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
    l.revoked = true;
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
  if (revoke) l.revoked = true;
  return l.deadline;
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
