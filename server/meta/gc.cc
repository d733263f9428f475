#include "server/meta/gc.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/keys.h"
#include "server/meta/ops/ops.h"

namespace weft::meta {
namespace {
constexpr size_t kInodesPerPass = 1024;
constexpr size_t kPurgeStepsPerPass = 64;
// Wake-ups closer than this are coalesced: a pass rescans the queue, so one pass per burst of
// unlinks rather than one per unlink.
constexpr auto kMinPassGap = std::chrono::milliseconds(50);
}  // namespace

GcWorker::GcWorker(KvStore* kv, Sequencer* sequencer, ClusterManager* cluster, const MetaOptions& options)
    : kv_(kv), sequencer_(sequencer), cluster_(cluster), options_(options) {}

GcWorker::~GcWorker() { Stop(); }

void GcWorker::Start() { thread_ = std::thread([this] { Loop(); }); }

void GcWorker::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_one();
}

void GcWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GcWorker::Loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(options_.gc_interval_ms), [&] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
    // Full passes mean a backlog: keep going without waiting out the interval.
    while (RunOnce() > 0 && backlog_) {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kMinPassGap, [&] { return stopping_; });
    if (stopping_) return;
  }
}

size_t GcWorker::RunOnce() {
  backlog_ = false;
  return CollectInodes() + PurgeVolumes();
}

size_t GcWorker::CollectInodes() {
  std::vector<uint64_t> done;
  std::vector<std::pair<uint64_t, Layout>> with_data;  // inodes whose chunks go first
  const int64_t now = MonoMs();
  std::string prefix = keys::Prefix(keys::kGc);
  auto it = kv_->Scan(prefix, keys::PrefixEnd(prefix));
  for (; it->Valid() && done.size() + with_data.size() < kInodesPerPass; it->Next()) {
    const uint64_t ino = keys::DecodeU64(it->key().substr(1));
    auto b = backoff_.find(ino);
    if (b != backoff_.end() && b->second.next_ms > now) continue;
    auto raw = kv_->Get(keys::Inode(ino));
    rec::Inode inode;
    if (raw.ok() && raw->has_value() && !inode.ParseFromString(**raw)) {
      spdlog::error("gc: corrupt inode record {}", ino);
      continue;
    }
    if (cluster_ && inode.attr().layout().chains_size() > 0) {
      with_data.emplace_back(ino, inode.attr().layout());
    } else {
      backoff_.erase(ino);
      done.push_back(ino);
    }
  }
  if (!it->status().ok()) spdlog::error("gc: scan: {}", it->status().ToString());
  if (done.size() + with_data.size() >= kInodesPerPass) backlog_ = true;
  if (done.empty() && with_data.empty()) return 0;
  // The removals that queued these records may have been acknowledged before they were synced: sync the
  // log (once per pass) before any data goes, so that no crash brings back a file without its chunks.
  Status ss = sequencer_->Sync(/*by_server=*/true);
  if (!ss.ok()) {
    spdlog::error("gc: syncing the log before removing data: {}", ss.ToString());
    return 0;
  }
  if (!with_data.empty()) {
    // One call per chunk server for the whole pass; an inode whose removal failed anywhere stays queued.
    std::map<uint64_t, Status> failed = cluster_->RemoveInodes(with_data);
    for (const auto& [ino, layout] : with_data) {
      auto f = failed.find(ino);
      if (f == failed.end()) {
        backoff_.erase(ino);
        done.push_back(ino);
        continue;
      }
      auto b = backoff_.find(ino);
      uint32_t delay = b == backoff_.end() ? 500 : std::min(b->second.delay_ms * 2, options_.gc_max_backoff_ms);
      backoff_[ino] = {now + delay, delay};
    }
    if (!failed.empty()) {
      const auto& [ino, why] = *failed.begin();
      spdlog::warn("gc: the chunks of {} inodes were not removed (retried with backoff); inode {}: {}",
                   failed.size(), ino, why.ToString());
    }
  }
  if (done.empty()) return 0;
  Status s = sequencer_->Run([&done](OpContext& ctx) { return ops::FinishGc(ctx, done); });
  if (!s.ok()) {
    spdlog::error("gc: forgetting {} inodes: {}", done.size(), s.ToString());
    return 0;
  }
  return done.size();
}

size_t GcWorker::PurgeVolumes() {
  std::vector<uint64_t> deleting;
  {
    std::string prefix = keys::Prefix(keys::kVolume);
    auto it = kv_->Scan(prefix, keys::PrefixEnd(prefix));
    for (; it->Valid(); it->Next()) {
      rec::Volume v;
      if (v.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) && v.deleting()) {
        deleting.push_back(v.info().id());
      }
    }
  }
  size_t steps = 0;
  for (uint64_t id : deleting) {
    bool done = false;
    while (!done && steps < kPurgeStepsPerPass) {
      Status s = sequencer_->Run([id, &done](OpContext& ctx) { return ops::PurgeVolumeStep(ctx, id, &done); });
      if (!s.ok()) {
        spdlog::error("gc: purging volume {}: {}", id, s.ToString());
        return steps;
      }
      ++steps;
    }
    if (done) spdlog::info("gc: volume {} purged", id);
    else backlog_ = true;
  }
  return steps;
}

}  // namespace weft::meta
