#include "client/close_batcher.h"

#include <chrono>

#include <spdlog/spdlog.h>

namespace weft::client {

CloseBatcher::CloseBatcher(SendFn send, uint32_t delay_ms, size_t max_batch)
    : send_(std::move(send)), delay_ms_(delay_ms), max_batch_(std::max<size_t>(1, max_batch)) {
  thread_ = std::thread([this] { Loop(); });
}

CloseBatcher::~CloseBatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  Flush();
}

void CloseBatcher::Add(uint64_t handle) {
  std::lock_guard lock(mu_);
  queue_.push_back(handle);
  if (queue_.size() == 1 || queue_.size() >= max_batch_) cv_.notify_all();
}

bool CloseBatcher::Flush() {
  std::unique_lock lock(mu_);
  bool any = !queue_.empty() || in_flight_ > 0;
  while (!queue_.empty()) {
    std::vector<uint64_t> batch = TakeBatch();
    lock.unlock();
    Send(batch);
    lock.lock();
  }
  cv_.wait(lock, [&] { return in_flight_ == 0; });
  return any;
}

void CloseBatcher::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;  // the destructor's Flush sends the rest
    // Gather for delay_ms from the first close, unless a full batch is waiting.
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms_);
    cv_.wait_until(lock, until, [&] { return stopping_ || queue_.size() >= max_batch_ || queue_.empty(); });
    if (queue_.empty()) continue;  // a Flush took them
    std::vector<uint64_t> batch = TakeBatch();
    ++in_flight_;
    lock.unlock();
    Send(batch);
    lock.lock();
    --in_flight_;
    cv_.notify_all();
  }
}

std::vector<uint64_t> CloseBatcher::TakeBatch() {
  size_t n = std::min(queue_.size(), max_batch_);
  std::vector<uint64_t> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  return batch;
}

void CloseBatcher::Send(const std::vector<uint64_t>& handles) {
  Status s = send_(handles);
  if (!s.ok()) spdlog::warn("closing {} handles failed (they go with the session): {}", handles.size(), s.ToString());
}

}  // namespace weft::client
