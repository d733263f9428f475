#include "bench/weft_bench/data_pattern.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace weft::bench {
namespace {

constexpr size_t kSector = 4096;

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t StampOf(uint64_t file_id, uint64_t offset) { return Mix(file_id * 0x100000001b3ull ^ offset); }

}  // namespace

AlignedBuffer NewAlignedBuffer(size_t size) {
  void* p = nullptr;
  if (posix_memalign(&p, kSector, size ? size : kSector) != 0) throw std::bad_alloc();
  return AlignedBuffer(static_cast<char*>(p));
}

void FillRandom(char* buf, size_t size, uint64_t seed) {
  uint64_t x = Mix(seed) | 1;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    memcpy(buf + i, &x, 8);
  }
  for (; i < size; ++i) buf[i] = static_cast<char>(x >> (8 * (i % 8)));
}

void StampBlock(char* block, size_t size, uint64_t file_id, uint64_t offset) {
  for (size_t s = 0; s + 8 <= size; s += kSector) {
    uint64_t stamp = StampOf(file_id, offset + s);
    memcpy(block + s, &stamp, 8);
  }
}

Status VerifyBlock(const char* block, const char* base, size_t size, uint64_t file_id, uint64_t offset) {
  for (size_t s = 0; s < size; s += kSector) {
    size_t n = std::min(kSector, size - s);
    size_t body = 0;
    if (n >= 8) {
      uint64_t want = StampOf(file_id, offset + s), got;
      memcpy(&got, block + s, 8);
      if (got != want) return Err(EBADMSG, "file {} offset {}: sector stamp differs (wrong data)", file_id, offset + s);
      body = 8;
    }
    if (memcmp(block + s + body, base + s + body, n - body) != 0) {
      return Err(EBADMSG, "file {} offset {}: sector contents differ", file_id, offset + s);
    }
  }
  return Status::Ok();
}

}  // namespace weft::bench
