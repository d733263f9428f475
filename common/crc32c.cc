#include "common/crc32c.h"

#include <isa-l/crc.h>

#include <climits>

namespace weft {

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  // ISA-L's crc32_iscsi takes and returns the raw register; the standard CRC32C inverts both ends.
  uint32_t reg = ~crc;
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  while (n > 0) {
    int piece = n > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
    reg = crc32_iscsi(p, piece, reg);
    p += piece;
    n -= static_cast<size_t>(piece);
  }
  return ~reg;
}

std::vector<uint32_t> BlockCrcs(const void* data, size_t n) {
  std::vector<uint32_t> out;
  out.reserve((n + kCrcBlock - 1) / kCrcBlock);
  auto* p = static_cast<const char*>(data);
  for (size_t off = 0; off < n; off += kCrcBlock) {
    size_t len = n - off < kCrcBlock ? n - off : kCrcBlock;
    out.push_back(Crc32c(p + off, len));
  }
  return out;
}

long FirstBadBlock(const void* data, size_t n, std::span<const uint32_t> crcs) {
  size_t blocks = (n + kCrcBlock - 1) / kCrcBlock;
  auto* p = static_cast<const char*>(data);
  for (size_t i = 0; i < blocks; ++i) {
    if (i >= crcs.size()) return static_cast<long>(i);
    size_t off = i * kCrcBlock;
    size_t len = n - off < kCrcBlock ? n - off : kCrcBlock;
    if (Crc32c(p + off, len) != crcs[i]) return static_cast<long>(i);
  }
  return crcs.size() == blocks ? -1 : static_cast<long>(blocks);
}

}  // namespace weft
