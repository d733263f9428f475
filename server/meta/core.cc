#include "server/meta/core.h"


#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/keys.h"
#include "server/meta/ops/ops.h"

namespace weft::meta {

MetaCore::MetaCore(KvStore* kv, ClusterManager* cluster, MetaOptions options)
    : kv_(kv),
      cluster_(cluster),
      options_(std::move(options)),
      sessions_(options_.session_ttl_ms),
      leases_(options_.dir_lease_ms, options_.max_dir_leases) {
  env_.options = &options_;
  env_.cluster = cluster_;
  env_.sessions = &sessions_;
  env_.leases = &leases_;
  env_.wake_gc = [this] { gc_->Wake(); };
  sequencer_ = std::make_unique<Sequencer>(kv_, env_);
  gc_ = std::make_unique<GcWorker>(kv_, sequencer_.get(), cluster_, options_);
}

StatusOr<std::unique_ptr<MetaCore>> MetaCore::Open(KvStore* kv, ClusterManager* cluster, MetaOptions options) {
  RETURN_IF_ERROR(RecoverCounters(kv));
  std::unique_ptr<MetaCore> core(new MetaCore(kv, cluster, std::move(options)));
  RETURN_IF_ERROR(core->LoadSessions());
  core->gc_->Start();
  core->reaper_ = std::thread([c = core.get()] { c->ReaperLoop(); });
  return core;
}

MetaCore::~MetaCore() { Stop(); }

Status MetaCore::LoadSessions() {
  std::string prefix = keys::Prefix(keys::kSession);
  auto it = kv_->Scan(prefix, keys::PrefixEnd(prefix));
  size_t n = 0;
  bool leases = false, deferring = false;
  for (; it->Valid(); it->Next()) {
    rec::Session s;
    if (!s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) return Err(EIO, "corrupt session");
    sessions_.Add(s.id(), s.volume_id());
    leases = leases || s.dir_leases();
    if (s.ino_end() > s.ino_first()) {
      leases_.SetDeferring(s.id(), true);
      deferring = true;
    }
    ++n;
  }
  RETURN_IF_ERROR(it->status());
  if (n > 0) spdlog::info("loaded {} client sessions (each gets a fresh {} ms TTL)", n, options_.session_ttl_ms);
  // Sessions that were granted directory leases may still trust one granted before the restart.
  // Deferring ones may have creates in flight that they answered before the restart: reads wait too.
  if (leases) leases_.StartQuiet(MonoMs(), deferring);
  return Status::Ok();
}

void MetaCore::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  leases_.Close();  // recall calls return, lease waiters wake
  if (reaper_.joinable()) reaper_.join();
  gc_->Stop();
  sequencer_->Stop();
}

void MetaCore::WaitForLease(uint64_t dir, uint64_t session_id) {
  for (;;) {
    const uint64_t seen = leases_.release_generation();
    int64_t now = MonoMs();
    int64_t until = leases_.BlockedUntil(dir, session_id, now);
    if (until <= now) return;
    leases_.SleepUntil(until, seen);  // earlier when the holder hands the lease back
  }
}

void MetaCore::WaitForRead(uint64_t dir, uint64_t session_id) {
  for (;;) {
    const uint64_t seen = leases_.release_generation();
    int64_t now = MonoMs();
    int64_t until = leases_.BlockedUntilRead(dir, session_id, now);
    if (until <= now) return;
    leases_.SleepUntil(until, seen);
  }
}

Status MetaCore::Keepalive(const KeepaliveRequest& req, KeepaliveResponse* resp) {
  if (!sessions_.Renew(req.session_id())) {
    return Err(ESTALE, "session {} is unknown (expired, unmounted or its volume deleted): mount again", req.session_id());
  }
  resp->set_chain_table_version(cluster_ ? cluster_->version() : 0);
  return Status::Ok();
}

size_t MetaCore::ReapExpired() {
  size_t n = 0;
  for (uint64_t id : sessions_.Expired(MonoMs())) {
    Status s = sequencer_->Run([id](OpContext& ctx) { return ops::ExpireSession(ctx, id); });
    if (s.ok()) {
      spdlog::info("session {} expired (no keepalive within {} ms)", id, options_.session_ttl_ms);
      ++n;
    } else {
      spdlog::warn("expiring session {}: {}", id, s.ToString());
    }
  }
  return n;
}

void MetaCore::ReaperLoop() {
  const auto tick = std::chrono::milliseconds(std::clamp<uint32_t>(options_.session_ttl_ms / 4, 50, 1000));
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, tick, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    ReapExpired();
    lock.lock();
  }
}

MetaCounts MetaCore::Counts() {
  MetaCounts c;
  auto count = [&](char family, const std::function<void(std::string_view)>& fn) {
    std::string prefix = keys::Prefix(family);
    auto it = kv_->Scan(prefix, keys::PrefixEnd(prefix));
    for (; it->Valid(); it->Next()) fn(it->value());
  };
  count(keys::kVolume, [&](std::string_view v) {
    rec::Volume vol;
    if (vol.ParseFromArray(v.data(), static_cast<int>(v.size())) && !vol.deleting()) ++c.volumes;
  });
  count(keys::kTenant, [&](std::string_view) { ++c.tenants; });
  count(keys::kGc, [&](std::string_view) { ++c.gc_pending; });
  c.sessions = static_cast<uint32_t>(sessions_.size());
  return c;
}

}  // namespace weft::meta
