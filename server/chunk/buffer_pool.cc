#include "server/chunk/buffer_pool.h"

#include <cstring>

#include "common/crc32c.h"

namespace weft::chunk {

IoBuffer& IoBuffer::operator=(IoBuffer&& o) noexcept {
  if (this != &o) {
    Reset();
    pool_ = std::exchange(o.pool_, nullptr);
    slot_ = std::exchange(o.slot_, -1);
    registered_ = std::exchange(o.registered_, false);
    heap_ = std::move(o.heap_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

void IoBuffer::Reset() {
  if (pool_ && slot_ >= 0) pool_->Put(slot_);
  pool_ = nullptr;
  slot_ = -1;
  registered_ = false;
  heap_ = AlignedBuffer();
  data_ = nullptr;
  size_ = 0;
}

BufferPool::BufferPool(const BufferPoolOptions& options)
    : options_{options.buffers, (options.buffer_size + kCrcBlock - 1) / kCrcBlock * kCrcBlock,
               options.min_pooled},
      memory_(options_.buffers * options_.buffer_size) {
  for (size_t i = options_.buffers; i > 0; --i) free_.push_back(static_cast<int>(i - 1));
}

IoBuffer BufferPool::Get(size_t n, bool zero) {
  size_t size = (n + kCrcBlock - 1) / kCrcBlock * kCrcBlock;
  if (size == 0) size = kCrcBlock;
  int index = -1;
  if (size >= options_.min_pooled && size <= options_.buffer_size) {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    }
  }
  IoBuffer b;
  if (index >= 0) {
    b = IoBuffer(this, index, registered_, memory_.data() + size_t(index) * options_.buffer_size, size);
  } else {
    b = IoBuffer(AlignedBuffer(size));
  }
  if (zero) memset(b.data(), 0, b.size());
  return b;
}

std::vector<iovec> BufferPool::iovecs() const {
  std::vector<iovec> out;
  for (size_t i = 0; i < options_.buffers; ++i) {
    out.push_back(iovec{const_cast<char*>(memory_.data()) + i * options_.buffer_size, options_.buffer_size});
  }
  return out;
}

size_t BufferPool::free_count() {
  std::lock_guard lock(mu_);
  return free_.size();
}

void BufferPool::Put(int index) {
  std::lock_guard lock(mu_);
  free_.push_back(index);
}

}  // namespace weft::chunk
