// Recycles chunk-sized aligned buffers so the write path does not pay mmap + page faults per chunk,
// and bounds the bytes the client holds for buffered and in-flight writes (Acquire blocks past it).
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
  // budget: bytes of buffers handed out at most (Acquire waits beyond); keep: idle buffers kept.
  BufferPool(uint64_t budget, size_t keep) : budget_(budget), keep_(keep) {}

  // A buffer of at least `size` bytes; blocks while the budget is exhausted (unless nothing is out,
  // so a single oversized request still proceeds).
  AlignedBuffer Acquire(size_t size) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return out_ == 0 || out_ + size <= budget_; });
    out_ += size;
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (it->size() == size) {
        AlignedBuffer b = std::move(*it);
        idle_.erase(it);
        return b;
      }
    }
    lock.unlock();
    return AlignedBuffer(size);
  }

  void Release(AlignedBuffer b) {
    std::lock_guard lock(mu_);
    out_ -= std::min<uint64_t>(out_, b.size());
    if (idle_.size() < keep_) idle_.push_back(std::move(b));
    cv_.notify_all();
  }

  uint64_t out() const {
    std::lock_guard lock(mu_);
    return out_;
  }

 private:
  const uint64_t budget_;
  const size_t keep_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t out_ = 0;                 // GUARDED_BY(mu_)
  std::vector<AlignedBuffer> idle_;  // GUARDED_BY(mu_)
};

}  // namespace weft::client
