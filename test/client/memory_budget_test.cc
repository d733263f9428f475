// The client's memory budget: FitMemoryBudget's arithmetic, and the buffer pool that holds the write and
// readahead buffers within it (idle buffers counted; TryAcquire refuses and Force passes the budget).
#include <catch2/catch.hpp>

#include "client/buffer_pool.h"
#include "weft/client.h"

using namespace weft;
using weft::client::BufferPool;

namespace {
constexpr uint64_t kMiB = 1ull << 20;
}

TEST_CASE("a memory budget lowers the client's buffers to fit and never raises them", "[client][memory]") {
  ClientOptions o;
  REQUIRE(FitMemoryBudget(1024 * kMiB, &o).ok());
  CHECK(o.write_buffer_bytes == 256 * kMiB);      // the default fits in half of 960 MiB
  CHECK(o.readahead_total_bytes == 240 * kMiB);   // a quarter of 960 MiB
  CHECK(o.readahead_bytes == 8 * kMiB);

  ClientOptions small;
  REQUIRE(FitMemoryBudget(128 * kMiB, &small).ok());
  CHECK(small.write_buffer_bytes == 32 * kMiB);
  CHECK(small.readahead_total_bytes == 16 * kMiB);
  CHECK(small.readahead_bytes == 8 * kMiB);

  ClientOptions tight;
  tight.readahead_bytes = 16 * kMiB;
  REQUIRE(FitMemoryBudget(100 * kMiB, &tight).ok());
  CHECK(tight.readahead_total_bytes == 9 * kMiB);
  CHECK(tight.readahead_bytes == 9 * kMiB);  // one handle's window is never more than all handles'

  ClientOptions modest;
  modest.write_buffer_bytes = 4 * kMiB;
  REQUIRE(FitMemoryBudget(4096 * kMiB, &modest).ok());
  CHECK(modest.write_buffer_bytes == 4 * kMiB);  // not raised

  ClientOptions refused;
  Status s = FitMemoryBudget(95 * kMiB, &refused);
  CHECK(s.err() == EINVAL);
  CHECK(s.message().find("too small") != std::string::npos);
  CHECK(refused.write_buffer_bytes == 256 * kMiB);
}

TEST_CASE("the buffer pool keeps buffers out and idle within its budget", "[client][memory]") {
  BufferPool pool(4 * kMiB, 8);
  std::vector<AlignedBuffer> out;
  for (int i = 0; i < 4; ++i) out.push_back(pool.Acquire(kMiB));
  CHECK(pool.out() == 4 * kMiB);
  CHECK(pool.TryAcquire(kMiB).size() == 0);  // no room: nothing, at once
  AlignedBuffer forced = pool.Force(kMiB);   // a reader's own block does not wait
  CHECK(forced.size() == kMiB);
  CHECK(pool.out() == 5 * kMiB);
  pool.Release(std::move(forced));
  for (auto& b : out) pool.Release(std::move(b));
  CHECK(pool.out() == 0);
  CHECK(pool.idle_bytes() <= 4 * kMiB);  // the one over the budget was not kept
  CHECK(pool.idle_bytes() == 4 * kMiB);
  // Reuse of an idle buffer of that size; a new size drops idle ones until out + idle fits again.
  AlignedBuffer again = pool.TryAcquire(kMiB);
  CHECK(again.size() == kMiB);
  CHECK(pool.idle_bytes() == 3 * kMiB);
  AlignedBuffer bigger = pool.TryAcquire(2 * kMiB);
  CHECK(bigger.size() == 2 * kMiB);
  CHECK(pool.out() + pool.idle_bytes() <= 4 * kMiB);
  pool.Release(std::move(again));
  pool.Release(std::move(bigger));
  CHECK(pool.out() == 0);
  CHECK(pool.idle_bytes() <= 4 * kMiB);
}
