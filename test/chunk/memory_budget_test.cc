// weft-chunk's memory budget (server/chunk/server.h FitMemoryBudget): what each knob gets, and a budget
// too small to run in.
#include <catch2/catch.hpp>

#include "server/chunk/server.h"

using namespace weft;
using namespace weft::chunk;

namespace {
constexpr uint64_t kMiB = 1ull << 20;
}

TEST_CASE("a chunk server's memory budget fits its caches, buffers and requests in flight", "[chunk][memory]") {
  ServerOptions o;  // 1024 MiB by default
  REQUIRE(FitMemoryBudget(&o).ok());
  CHECK(o.records_memory.block_cache_bytes == 64 * kMiB);
  CHECK(o.records_memory.write_buffer_bytes == 32 * kMiB);
  CHECK(o.buffers.buffers == 16);
  CHECK(o.meta_cache_mb == 16);
  const uint64_t fixed = kChunkReserveBytes + 64 * kMiB + 2 * 32 * kMiB + 16 * o.buffers.buffer_size + 16 * kMiB;
  CHECK(o.data.client_bytes == (1024 * kMiB - fixed) / 2);
  CHECK(o.data.max_bytes == 64 * kMiB);
  CHECK(fixed + o.data.client_bytes * 2 <= 1024 * kMiB);

  ServerOptions small;
  small.memory_budget_mb = 144;
  REQUIRE(FitMemoryBudget(&small).ok());
  CHECK(small.buffers.buffers == 4);
  CHECK(small.meta_cache_mb == 4);
  CHECK(small.data.client_bytes < 24 * kMiB);
  CHECK(small.data.max_bytes >= 4 * kMiB);

  ServerOptions modest;
  modest.data.client_bytes = 8 * kMiB;
  REQUIRE(FitMemoryBudget(&modest).ok());
  CHECK(modest.data.client_bytes == 8 * kMiB);  // lowered only, never raised

  ServerOptions few;
  few.buffers.buffers = 1;  // fewer than the floor of 2: kept as asked
  REQUIRE(FitMemoryBudget(&few).ok());
  CHECK(few.buffers.buffers == 1);

  ServerOptions off;
  off.memory_budget_mb = 0;
  REQUIRE(FitMemoryBudget(&off).ok());
  CHECK(off.data.client_bytes == ServerOptions().data.client_bytes);

  ServerOptions refused;
  refused.memory_budget_mb = 100;
  Status s = FitMemoryBudget(&refused);
  CHECK(s.err() == EINVAL);
  CHECK(s.message().find("too small") != std::string::npos);
}
