// FitMemoryBudget (client/include/weft/client.h): the client's large buffers within a process budget.
#include <algorithm>

#include "weft/client.h"

namespace weft {

Status FitMemoryBudget(uint64_t budget_bytes, ClientOptions* o) {
  constexpr uint64_t kMinData = 32ull << 20;
  if (budget_bytes < kClientReserveBytes + kMinData) {
    return Err(EINVAL, "a memory budget of {} MiB is too small: the client needs {} MiB", budget_bytes >> 20,
               (kClientReserveBytes + kMinData) >> 20);
  }
  const uint64_t data = budget_bytes - kClientReserveBytes;
  o->write_buffer_bytes = std::min(o->write_buffer_bytes, data / 2);
  o->readahead_total_bytes = std::min(o->readahead_total_bytes, data / 4);
  o->readahead_bytes = static_cast<uint32_t>(std::min<uint64_t>(o->readahead_bytes, o->readahead_total_bytes));
  return Status::Ok();
}

}  // namespace weft
