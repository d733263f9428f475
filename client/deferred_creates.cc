#include "client/deferred_creates.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace weft::client {

DeferredCreates::DeferredCreates(ReserveFn reserve, SendFn send, ResultFn on_result, Options options)
    : reserve_(std::move(reserve)), send_(std::move(send)), on_result_(std::move(on_result)), opts_(options) {
  thread_ = std::thread([this] { Loop(); });
}

DeferredCreates::~DeferredCreates() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t DeferredCreates::TakeIno() {
  std::lock_guard lock(mu_);
  if (next_ino_ < end_ino_) {
    uint64_t ino = next_ino_++;
    if (next_ino_ == end_ino_) {
      want_refill_ = true;
      cv_.notify_all();
    }
    return ino;
  }
  if (!want_refill_ && (!refill_failed_ || MonoMs() >= refill_retry_ms_)) {
    want_refill_ = true;
    cv_.notify_all();
  }
  return 0;
}

void DeferredCreates::Warm() {
  std::lock_guard lock(mu_);
  if (next_ino_ < end_ino_ || want_refill_ || (refill_failed_ && MonoMs() < refill_retry_ms_)) return;
  want_refill_ = true;
  cv_.notify_all();
}

void DeferredCreates::Add(DeferredCreate create) {
  std::lock_guard lock(mu_);
  if (queue_.empty()) oldest_ms_ = MonoMs();
  if (create.unlink()) {
    ++unlinks_total_;
  } else {
    pending_[create.ino()] = 1;
  }
  queue_.push_back(std::move(create));
  ++queued_total_;
  if (queue_.size() == 1 || queue_.size() >= opts_.max_batch) cv_.notify_all();
}

void DeferredCreates::Flush() {
  std::unique_lock lock(mu_);
  if (sent_total_ == queued_total_) return;
  const uint64_t target = queued_total_;
  flush_to_ = std::max(flush_to_, target);
  cv_.notify_all();
  cv_.wait(lock, [&] { return sent_total_ >= target; });
}

bool DeferredCreates::Pending(uint64_t ino) {
  std::lock_guard lock(mu_);
  return pending_.contains(ino);
}

Status DeferredCreates::Failure(uint64_t ino) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(ino);
  return it == failures_.end() ? Status::Ok() : it->second;
}

uint64_t DeferredCreates::answered() const {
  std::lock_guard lock(mu_);
  return queued_total_ - unlinks_total_;
}

uint64_t DeferredCreates::unlinks_answered() const {
  std::lock_guard lock(mu_);
  return unlinks_total_;
}

uint64_t DeferredCreates::unlinks_failed() const {
  std::lock_guard lock(mu_);
  return unlinks_failed_;
}

uint64_t DeferredCreates::failed() const {
  std::lock_guard lock(mu_);
  return failed_total_;
}

void DeferredCreates::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || want_refill_; });
    // A reservation first: until it comes creates go the slow way (weft-meta still takes queued creates
    // from the last one).
    if (want_refill_ && !stopping_) {
      Refill(lock);
      continue;
    }
    if (!queue_.empty()) {
      // Send at max_batch, once the oldest waited delay_ms, when a Flush waits, or when stopping.
      const int64_t due = oldest_ms_ + opts_.delay_ms;
      cv_.wait_until(lock, std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, due - MonoMs())),
                     [&] { return stopping_ || queue_.size() >= opts_.max_batch || flush_to_ > sent_total_; });
      SendBatch(lock);
      continue;
    }
    if (stopping_) return;
  }
}

void DeferredCreates::SendBatch(std::unique_lock<std::mutex>& lock) {
  CreateBatchRequest req;
  const size_t n = std::min(queue_.size(), opts_.max_batch);
  for (size_t i = 0; i < n; ++i) {
    *req.add_creates() = std::move(queue_.front());
    queue_.pop_front();
  }
  if (!queue_.empty()) oldest_ms_ = MonoMs();
  lock.unlock();
  const int64_t sent = MonoMs();
  auto resp = send_(req);
  if (resp.ok() && on_result_) on_result_(req, *resp, sent);
  lock.lock();
  for (int i = 0; i < req.creates_size(); ++i) {
    const DeferredCreate& e = req.creates(i);
    const char* what = e.unlink() ? "unlink" : "create";
    Status st;
    if (!resp.ok()) {
      st = Status(resp.status().err() ? resp.status().err() : EIO,
                  fmt::format("deferred {} of '{}' not sent: {}", what, e.name(), resp.status().message()));
    } else if (i >= resp->results_size()) {
      st = Status(EIO, fmt::format("deferred {} of '{}': no result in the reply", what, e.name()));
    } else if (resp->results(i).err() != 0) {
      st = Status(resp->results(i).err(), fmt::format("deferred {} of '{}': {}", what, e.name(), resp->results(i).message()));
    }
    if (e.unlink()) {
      if (!st.ok()) {
        ++unlinks_failed_;
        spdlog::error("the unlink of '{}' (inode {}) in directory {} was answered but weft-meta refused it; the file "
                      "stays: {}", e.name(), e.ino(), e.parent(), st.ToString());
      }
      continue;
    }
    pending_.erase(e.ino());
    if (!st.ok()) {
      ++failed_total_;
      spdlog::error("the create of '{}' (inode {}) in directory {} was answered but weft-meta refused it: {}", e.name(),
                    e.ino(), e.parent(), st.ToString());
      if (failures_.size() >= kMaxFailures) failures_.clear();
      failures_[e.ino()] = Status(EIO, st.ToString());
    }
  }
  sent_total_ += static_cast<uint64_t>(req.creates_size());
  cv_.notify_all();
}

void DeferredCreates::Refill(std::unique_lock<std::mutex>& lock) {
  // Creates queued, or not queued yet, from the last reservation still land: weft-meta accepts the
  // previous reservation's inodes too, and charges them from the new one's pool.
  lock.unlock();
  auto first = reserve_(opts_.reserve);
  lock.lock();
  want_refill_ = false;
  if (first.ok()) {
    next_ino_ = *first;
    end_ino_ = *first + opts_.reserve;
    refill_failed_ = false;
  } else {
    // EDQUOT, a read-only volume, an older weft-meta: creates go the usual way; ask again in a while.
    if (!refill_failed_) spdlog::info("no inodes reserved for deferred creates: {}", first.status().ToString());
    refill_failed_ = true;
    refill_retry_ms_ = MonoMs() + 5000;
  }
}

}  // namespace weft::client
