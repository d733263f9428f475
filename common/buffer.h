// A page-aligned, move-only byte buffer, fit for O_DIRECT and io_uring registered buffers.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

namespace weft {

class AlignedBuffer {
 public:
  static constexpr size_t kAlign = 4096;
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t size) : size_(size) {
    if (size == 0) return;
    size_t cap = (size + kAlign - 1) / kAlign * kAlign;
    if (posix_memalign(reinterpret_cast<void**>(&data_), kAlign, cap) != 0) throw std::bad_alloc();
  }
  ~AlignedBuffer() { free(data_); }
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) {
      free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace weft
