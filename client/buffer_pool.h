// Recycles large aligned buffers (write buffers, readahead blocks) so that the data paths do not pay
// an allocation and its page faults per chunk, and bounds the memory they hold: the bytes handed out
// plus the idle bytes kept stay within the budget (idle buffers are dropped to make room), so the
// process's resident memory for these buffers never passes it. Acquire blocks past the budget;
// TryAcquire gives nothing instead (a prefetch that may be skipped); Force never waits (a reader's own
// block, which must not wait for memory that idle prefetches hold) and may pass the budget by its size.
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/buffer.h"

namespace weft::client {

class BufferPool {
 public:
  // budget: bytes of buffers out and idle together; keep: idle buffers kept at most.
  BufferPool(uint64_t budget, size_t keep) : budget_(budget), keep_(keep) {}

  // A buffer of `size` bytes; blocks while the budget is exhausted (unless nothing is out, so a single
  // oversized request still proceeds).
  AlignedBuffer Acquire(size_t size) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return out_ == 0 || out_ + size <= budget_; });
    return TakeLocked(lock, size);
  }
  // The same without waiting: an empty buffer when the budget has no room.
  AlignedBuffer TryAcquire(size_t size) {
    std::unique_lock lock(mu_);
    if (out_ + size > budget_) return AlignedBuffer();
    return TakeLocked(lock, size);
  }
  // The same, past the budget if need be.
  AlignedBuffer Force(size_t size) {
    std::unique_lock lock(mu_);
    return TakeLocked(lock, size);
  }

  void Release(AlignedBuffer b) {
    if (b.size() == 0) return;
    std::lock_guard lock(mu_);
    out_ -= std::min<uint64_t>(out_, b.size());
    if (idle_.size() < keep_ && out_ + idle_bytes_ + b.size() <= budget_) {
      idle_bytes_ += b.size();
      idle_.push_back(std::move(b));
    }
    cv_.notify_all();
  }

  uint64_t out() const {
    std::lock_guard lock(mu_);
    return out_;
  }
  uint64_t idle_bytes() const {
    std::lock_guard lock(mu_);
    return idle_bytes_;
  }

 private:
  // REQUIRES: lock holds mu_. Reuses an idle buffer of that size, else drops idle buffers until a new
  // one fits beside what is out, and allocates it outside the lock.
  AlignedBuffer TakeLocked(std::unique_lock<std::mutex>& lock, size_t size) {
    out_ += size;
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (it->size() == size) {
        AlignedBuffer b = std::move(*it);
        idle_.erase(it);
        idle_bytes_ -= size;
        return b;
      }
    }
    std::vector<AlignedBuffer> dropped;  // freed outside the lock
    while (!idle_.empty() && out_ + idle_bytes_ > budget_) {
      idle_bytes_ -= idle_.back().size();
      dropped.push_back(std::move(idle_.back()));
      idle_.pop_back();
    }
    lock.unlock();
    dropped.clear();
    return AlignedBuffer(size);
  }

  const uint64_t budget_;
  const size_t keep_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t out_ = 0;                 // GUARDED_BY(mu_)
  uint64_t idle_bytes_ = 0;          // GUARDED_BY(mu_)
  std::vector<AlignedBuffer> idle_;  // GUARDED_BY(mu_)
};

}  // namespace weft::client
