// CRC32C (Castagnoli), hardware-accelerated through ISA-L where the CPU has SSE4.2/PCLMUL.
// Standard convention: Crc32c("123456789") == 0xE3069283; Extend lets a CRC be computed in pieces.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace weft {

// The size of the pieces weft checksums data in (end-to-end and on disk). Persistent format.
inline constexpr uint32_t kCrcBlock = 4096;

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }
inline uint32_t Crc32c(std::string_view s) { return Crc32c(s.data(), s.size()); }

// CRC32C of each kCrcBlock piece of data, counted from data's start (the last piece may be short).
std::vector<uint32_t> BlockCrcs(const void* data, size_t n);
// Index of the first piece whose CRC differs from crcs, or -1 when all match (and counts agree).
long FirstBadBlock(const void* data, size_t n, std::span<const uint32_t> crcs);

}  // namespace weft
