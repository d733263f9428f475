// The MetaCommitter's record cache: reads see every update (queued, written, failed), and the cache
// stays within its bound.
#include <catch2/catch.hpp>

#include <atomic>

#include "server/chunk/meta_committer.h"
#include "test/chunk/store_harness.h"
#include "test/fixture/status_util.h"

using namespace weft;
using namespace weft::chunk;
using weft::chunk::test::RunOn;

namespace {

// An in-memory store that counts lookups and fails Apply on demand.
class CountingStore : public MetaStore {
 public:
  StatusOr<std::optional<ChunkMeta>> Get(const ChunkKey& key) override {
    ++gets;
    return inner_->Get(key);
  }
  Status Apply(std::span<const MetaMutation> mutations, bool sync) override {
    if (fail_apply) return Err(EIO, "injected");
    return inner_->Apply(mutations, sync);
  }
  StatusOr<std::vector<ChunkKey>> List(uint64_t ino, uint32_t from_index) override {
    return inner_->List(ino, from_index);
  }
  Status ForEach(const std::function<void(const ChunkKey&, const ChunkMeta&)>& fn) override {
    return inner_->ForEach(fn);
  }
  StatusOr<std::optional<ChunkKey>> Scan(const std::optional<ChunkKey>& after, size_t limit,
                                         const std::function<void(const ChunkKey&, const ChunkMeta&)>& fn) override {
    return inner_->Scan(after, limit, fn);
  }
  std::atomic<int> gets{0};
  std::atomic<bool> fail_apply{false};

 private:
  std::unique_ptr<MetaStore> inner_ = NewMemMetaStore();
};

ChunkMeta Record(uint64_t version, size_t blocks = 1024) {
  ChunkMeta m;
  m.version = m.committed = version;
  m.length = static_cast<uint32_t>(blocks * kCrcBlock);
  m.chunk_size = 4u << 20;
  m.crcs.assign(blocks, static_cast<uint32_t>(version));
  return m;
}

}  // namespace

TEST_CASE("chunk record cache: reads see queued and written updates and never a failed one", "[chunk][meta]") {
  boost::asio::io_context io;
  CountingStore store;
  MetaCommitter c(&store, io.get_executor(), false);
  const ChunkKey k{7, 0};

  REQUIRE_OK(RunOn(io, c.Put(k, Record(1))));
  int gets = store.gets;
  for (int i = 0; i < 3; ++i) {
    auto r = c.Get(k);
    REQUIRE_OK(r);
    REQUIRE(r->has_value());
    CHECK((*r)->version == 1);
  }
  CHECK(store.gets == gets);  // the written batch put the record in the cache
  CHECK(c.cache_hits() == 3);

  // A queued update is what reads see, before and after its batch is written.
  c.PutLazy(k, Record(2));
  CHECK((*c.Get(k))->version == 2);
  REQUIRE_OK(RunOn(io, c.Put(k, Record(3))));
  CHECK((*c.Get(k))->version == 3);

  // A failed batch leaves the last durable record, also in the cache.
  store.fail_apply = true;
  CHECK(RunOn(io, c.Put(k, Record(4))).err() == EIO);
  auto r = c.Get(k);
  REQUIRE_OK(r);
  CHECK((*r)->version == 3);
  store.fail_apply = false;

  // A delete: gone from the cache as from the store.
  REQUIRE_OK(RunOn(io, c.Delete(k)));
  r = c.Get(k);
  REQUIRE_OK(r);
  CHECK(!r->has_value());
  c.Stop();
}

TEST_CASE("chunk record cache: stays within its bound and keeps the recently read", "[chunk][meta]") {
  boost::asio::io_context io;
  CountingStore store;
  const size_t limit = 64 << 10;  // ~15 records of 1,024 CRCs
  MetaCommitter c(&store, io.get_executor(), false, limit);
  for (uint32_t i = 0; i < 100; ++i) REQUIRE_OK(RunOn(io, c.Put({1, i}, Record(i + 1))));
  CHECK(c.cache_bytes() <= limit);
  CHECK(c.cache_bytes() > limit / 2);
  for (uint32_t i = 0; i < 100; ++i) {
    auto r = c.Get({1, i});
    REQUIRE_OK(r);
    REQUIRE(r->has_value());
    CHECK((*r)->version == i + 1);
    CHECK(c.cache_bytes() <= limit);
  }
  // The last few read are cached: reading them again costs no lookup.
  int gets = store.gets;
  for (uint32_t i = 95; i < 100; ++i) REQUIRE_OK(c.Get({1, i}));
  CHECK(store.gets == gets);
  // No cache at all with a zero bound.
  MetaCommitter none(&store, io.get_executor(), false, 0);
  gets = store.gets;
  REQUIRE_OK(none.Get({1, 99}));
  REQUIRE_OK(none.Get({1, 99}));
  CHECK(store.gets == gets + 2);
  CHECK(none.cache_bytes() == 0);
  none.Stop();
  c.Stop();
}
