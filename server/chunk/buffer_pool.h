// 4 KiB-aligned I/O buffers. Large buffers come from a fixed pool allocated once, which an io_uring
// backend registers with its ring (fixed-buffer reads and writes skip the per-I/O page pinning); when
// the pool is empty or a request is small or larger than a pool buffer, a heap buffer is used instead.
// Get never waits: memory is bounded by the data server's in-flight limits, not here.
//
// Thread-safety: Get and buffer release are thread-safe. The pool must outlive every IoBuffer.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/buffer.h"

namespace weft::chunk {

class BufferPool;

// A move-only aligned buffer; returns itself to its pool when destroyed.
class IoBuffer {
 public:
  IoBuffer() = default;
  explicit IoBuffer(AlignedBuffer heap) : heap_(std::move(heap)), data_(heap_.data()), size_(heap_.size()) {}
  IoBuffer(IoBuffer&& o) noexcept { *this = std::move(o); }
  IoBuffer& operator=(IoBuffer&& o) noexcept;
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;
  ~IoBuffer() { Reset(); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // The ring's registered-buffer index, or -1 (a heap buffer, or a pool that is not registered).
  int index() const { return registered_ ? slot_ : -1; }

 private:
  friend class BufferPool;
  IoBuffer(BufferPool* pool, int slot, bool registered, char* data, size_t size)
      : pool_(pool), slot_(slot), registered_(registered), data_(data), size_(size) {}
  void Reset();

  BufferPool* pool_ = nullptr;
  int slot_ = -1;  // pool slot, -1 for heap memory
  bool registered_ = false;
  AlignedBuffer heap_;
  char* data_ = nullptr;
  size_t size_ = 0;
};

struct BufferPoolOptions {
  size_t buffers = 16;                          // pooled buffers; default 16
  size_t buffer_size = (4u << 20) + (8u << 10);  // bytes each; default 4 MiB + 8 KiB (a 4 MiB write plus edges)
  size_t min_pooled = 64u << 10;                // smaller requests use the heap; default 64 KiB
};

class BufferPool {
 public:
  explicit BufferPool(const BufferPoolOptions& options);
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A buffer of at least n bytes (size() == n rounded up to 4 KiB), zero-filled only when zero is set.
  IoBuffer Get(size_t n, bool zero = false);

  // The pool's memory, one iovec per buffer, in index order (for registration with a ring).
  std::vector<iovec> iovecs() const;
  // Whether buffer indexes are valid fixed-buffer indexes (set once a backend registered them).
  void set_registered(bool r) { registered_ = r; }
  bool registered() const { return registered_; }
  size_t free_count();

 private:
  friend class IoBuffer;
  void Put(int index);

  const BufferPoolOptions options_;
  AlignedBuffer memory_;
  bool registered_ = false;
  std::mutex mu_;
  std::vector<int> free_;  // guarded by mu_
};

}  // namespace weft::chunk
