#include "server/meta/sequencer.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "server/meta/keys.h"

namespace weft::meta {

Sequencer::Sequencer(KvStore* kv, const MetaEnv& env) : kv_(kv), env_(env) {
  thread_ = std::thread([this] { Loop(); });
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

Sequencer::~Sequencer() { Stop(); }

void Sequencer::Submit(PendingOp op) {
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    op.done(Err(ESHUTDOWN, "metadata service is shutting down"));
    return;
  }
  queue_.push_back(std::move(op));
  if (leader_ != Leader::kNone) return;  // the running leader takes it into its next group
  // Nobody runs groups: run one here, with what is queued (at least op).
  leader_ = Leader::kCaller;
  std::deque<PendingOp> group = TakeGroup();
  lock.unlock();
  RunGroup(group);
  lock.lock();
  if (queue_.empty()) {
    leader_ = Leader::kNone;
    if (stopping_) cv_.notify_all();
    return;
  }
  // Ops arrived meanwhile: the sequencer thread runs them, so this caller can reply.
  leader_ = Leader::kThread;
  cv_.notify_all();
}

std::deque<PendingOp> Sequencer::TakeGroup() {
  std::deque<PendingOp> group;
  size_t n = std::min<size_t>(queue_.size(), std::max<uint32_t>(1, env_.options->max_group_ops));
  for (size_t i = 0; i < n; ++i) {
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return group;
}

Status Sequencer::Run(std::function<Status(OpContext&)> body) {
  OpWaiter waiter;
  PendingOp op;
  op.body = std::move(body);
  op.done = waiter.Done();
  Submit(std::move(op));
  return waiter.Wait();
}

void Sequencer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  {
    std::lock_guard lock(sync_mu_);
    sync_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable() && sync_thread_.get_id() != std::this_thread::get_id()) sync_thread_.join();
}

Status Sequencer::Sync(bool by_server) {
  if (!env_.options->sync) return Status::Ok();
  Status s = kv_->Sync();
  std::lock_guard lock(mu_);
  ++(by_server ? stats_.background_syncs : stats_.explicit_syncs);
  return s;
}

void Sequencer::MarkUnsynced() {
  std::lock_guard lock(sync_mu_);
  if (unsynced_) return;  // the sync thread is already due to run
  unsynced_ = true;
  sync_cv_.notify_one();
}

void Sequencer::SyncLoop() {
  const auto interval = std::chrono::milliseconds(std::max<uint32_t>(1, env_.options->sync_interval_ms));
  auto last = std::chrono::steady_clock::now() - interval;
  std::unique_lock lock(sync_mu_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return unsynced_ || sync_stopping_; });
    if (!unsynced_) return;  // stopping, nothing to sync
    // At most one sync per interval: the groups committed meanwhile share it.
    sync_cv_.wait_until(lock, last + interval, [&] { return sync_stopping_; });
    unsynced_ = false;
    lock.unlock();
    last = std::chrono::steady_clock::now();
    Status s = kv_->Sync();
    if (!s.ok()) spdlog::error("sequencer: background sync of the log failed: {}", s.ToString());
    {
      std::lock_guard stats_lock(mu_);
      ++stats_.background_syncs;
    }
    lock.lock();
  }
}

SequencerStats Sequencer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Sequencer::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    // Leads when a caller handed over, or at stop once no caller runs a group (to drain the queue).
    cv_.wait(lock, [&] { return leader_ == Leader::kThread || (stopping_ && leader_ == Leader::kNone); });
    if (leader_ == Leader::kNone && queue_.empty()) return;  // stopping and drained
    leader_ = Leader::kThread;
    while (!queue_.empty()) {
      std::deque<PendingOp> group = TakeGroup();
      lock.unlock();
      RunGroup(group);
      lock.lock();
    }
    leader_ = Leader::kNone;
  }
}

int64_t Sequencer::NextTimestamp() {
  last_ns_ = std::max(NowUnixNs(), last_ns_ + 1);
  return last_ns_;
}

Status Sequencer::RunOne(KvBatch& batch, PendingOp& op, std::vector<std::function<void()>>* hooks,
                         bool* sync_needed) {
  const bool dedupe = op.session_id != 0 && op.request_id != 0;
  std::string reply_key;
  if (dedupe) {
    reply_key = keys::Reply(op.session_id, op.request_id);
    auto prior = batch.Get(reply_key);
    if (!prior.ok()) return prior.status();
    if (prior->has_value()) {
      rec::Reply r;
      if (!r.ParseFromString(**prior)) return Err(EIO, "corrupt reply record");
      if (op.reply && !op.reply->ParseFromString(r.body())) return Err(EIO, "corrupt recorded reply body");
      std::lock_guard lock(mu_);
      ++stats_.deduplicated;
      return Status(r.err(), r.message());
    }
  }
  OpContext ctx(&batch, env_, NextTimestamp());
  batch.SetSavePoint();
  Status s = op.body(ctx);
  if (s.ok()) s = ctx.Flush();
  if (s.ok()) {
    batch.PopSavePoint();
    for (auto& h : ctx.commit_hooks()) hooks->push_back(std::move(h));
    if (ctx.sync_needed()) *sync_needed = true;
  } else {
    batch.RollbackToSavePoint();
  }
  // Asked to run again later (OpContext::RetryLater): as if it had not come yet, so no reply is recorded.
  if (ctx.retry_at_ms() != 0 && s.err() == kRetryLater) return s;
  // A reply is remembered only while its session exists: ESTALE means there is none to bound it.
  if (dedupe && s.err() != ESTALE && s.err() != EIO) {
    rec::Reply r;
    r.set_err(s.err());
    r.set_message(s.message());
    if (s.ok() && op.reply) r.set_body(op.reply->SerializeAsString());
    batch.Put(reply_key, r.SerializeAsString());
    uint64_t window = std::max<uint32_t>(1, env_.options->dedupe_window);
    if (op.request_id > window) batch.Delete(keys::Reply(op.session_id, op.request_id - window));
  }
  return s;
}

void Sequencer::RunGroup(std::deque<PendingOp>& group) {
  auto batch = kv_->NewBatch();
  std::vector<Status> results;
  std::vector<std::function<void()>> hooks;
  results.reserve(group.size());
  bool sync_needed = false;
  for (auto& op : group) results.push_back(RunOne(*batch, op, &hooks, &sync_needed));
  const bool sync = env_.options->sync && sync_needed;
  const bool wrote = batch->Count() > 0;
  Status commit = kv_->Commit(*batch, sync);
  if (!commit.ok()) {
    spdlog::error("sequencer: group commit of {} ops failed: {}", group.size(), commit.ToString());
    for (auto& op : group) op.done(commit.Annotate("metadata commit"));
    return;
  }
  if (!sync && wrote && env_.options->sync) MarkUnsynced();
  for (auto& h : hooks) h();
  {
    std::lock_guard lock(mu_);
    stats_.ops += group.size();
    ++stats_.groups;
    if (sync) ++stats_.synced_groups;
  }
  for (size_t i = 0; i < group.size(); ++i) group[i].done(results[i]);
}

}  // namespace weft::meta
