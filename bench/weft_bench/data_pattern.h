// Data the throughput and IOPS benchmarks write: random bytes (nothing compresses or deduplicates
// them), optionally stamped so a read can prove every 4 KiB sector came from the right file and offset.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/status.h"

namespace weft::bench {

// A 4 KiB-aligned buffer (O_DIRECT needs the alignment).
struct FreeDeleter {
  void operator()(char* p) const { free(p); }
};
using AlignedBuffer = std::unique_ptr<char, FreeDeleter>;
AlignedBuffer NewAlignedBuffer(size_t size);

// Fills buf with pseudo-random bytes from seed (xorshift; fast enough not to matter).
void FillRandom(char* buf, size_t size, uint64_t seed);

// Writes the stamp of (file_id, offset) into the first 8 bytes of each 4 KiB sector of a block that
// starts at file offset `offset`. REQUIRES: offset % 4096 == 0.
void StampBlock(char* block, size_t size, uint64_t file_id, uint64_t offset);
// Checks a block read back at `offset` against `base` (what was written before stamping) and the stamps.
// EBADMSG naming the first bad sector.
Status VerifyBlock(const char* block, const char* base, size_t size, uint64_t file_id, uint64_t offset);

}  // namespace weft::bench
