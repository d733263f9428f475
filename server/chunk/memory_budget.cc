// FitMemoryBudget (server/chunk/server.h): weft-chunk's memory-holding knobs within --memory-budget-mb.
#include <algorithm>

#include "server/chunk/server.h"

namespace weft::chunk {

Status FitMemoryBudget(ServerOptions* o) {
  if (o->memory_budget_mb == 0) return Status::Ok();
  constexpr uint64_t kMiB = 1ull << 20;
  const uint64_t budget = o->memory_budget_mb * kMiB;
  MetaStoreMemory& rm = o->records_memory;
  rm.block_cache_bytes = std::min(rm.block_cache_bytes, budget / 16);
  rm.write_buffer_bytes = std::min(rm.write_buffer_bytes, std::max<uint64_t>(budget / 32, 4 * kMiB));
  const uint64_t buffer = o->buffers.buffer_size;
  // At least 2 of them (unless fewer were asked for), at most what was asked.
  o->buffers.buffers =
      static_cast<size_t>(std::min<uint64_t>(o->buffers.buffers, std::max<uint64_t>(budget / 8 / buffer, 2)));
  o->meta_cache_mb = std::min<uint64_t>(o->meta_cache_mb, o->memory_budget_mb / 32);
  const uint64_t fixed = kChunkReserveBytes + rm.block_cache_bytes + 2 * rm.write_buffer_bytes +
                         o->buffers.buffers * buffer + o->meta_cache_mb * kMiB;
  if (budget < fixed + 32 * kMiB) {
    return Err(EINVAL, "a memory budget of {} MiB is too small: weft-chunk needs {} MiB", o->memory_budget_mb,
               (fixed + 32 * kMiB + kMiB - 1) / kMiB);
  }
  const uint64_t left = budget - fixed;
  o->data.client_bytes = std::min(o->data.client_bytes, left / 2);
  o->data.max_bytes = std::min(o->data.max_bytes, std::max<uint64_t>(left / 8, 4 * kMiB));
  return Status::Ok();
}

}  // namespace weft::chunk
