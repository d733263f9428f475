// The chunk store under injected disk faults: clean errors, no half-applied records.
#include <catch2/catch.hpp>

#include "test/chunk/store_harness.h"

using weft::chunk::ChunkKey;
using weft::chunk::test::HarnessOptions;
using weft::chunk::test::RandomBytes;
using weft::chunk::test::StoreHarness;

TEST_CASE("a disk that is full fails the write with ENOSPC and keeps the old record", "[chunk][fault]") {
  StoreHarness h(HarnessOptions{.fault = true});
  ChunkKey k{1, 0};
  std::string v1 = RandomBytes(8192, 1);
  REQUIRE(h.Write(k, 0, v1).ok());
  h.fault->FailWrites(ENOSPC);
  auto w = h.Write(k, 0, RandomBytes(8192, 2));
  CHECK(w.status().err() == ENOSPC);
  CHECK_THAT(w.status().message(), Catch::Contains("chunk 1/0"));
  h.fault->FailWrites(0);
  auto m = h.Meta(k);
  REQUIRE(m);
  CHECK(m->version == 1);
  auto back = h.Read(k, 0, 8192);
  REQUIRE(back.ok());
  CHECK(*back == v1);
}

TEST_CASE("an I/O error on write or sync is reported as EIO", "[chunk][fault]") {
  StoreHarness h(HarnessOptions{.fault = true});
  h.fault->FailWrites(EIO, 1);  // the first write goes through, the second fails
  REQUIRE(h.Write(ChunkKey{2, 0}, 0, "first").ok());
  CHECK(h.Write(ChunkKey{2, 1}, 0, "second").status().err() == EIO);
  h.fault->FailWrites(0);
  h.fault->FailSyncs(EIO);
  CHECK(h.Write(ChunkKey{2, 2}, 0, "third").status().err() == EIO);
  CHECK_FALSE(h.Meta(ChunkKey{2, 2}));
  h.fault->FailSyncs(0);
  CHECK(h.Write(ChunkKey{2, 2}, 0, "third").ok());
}

TEST_CASE("a read error is EIO, and bytes corrupted by the disk fail their checksums", "[chunk][fault]") {
  StoreHarness h(HarnessOptions{.fault = true});
  ChunkKey k{3, 0};
  std::string data = RandomBytes(3 * 4096, 3);
  REQUIRE(h.Write(k, 0, data).ok());
  h.fault->FailReads(EIO);
  CHECK(h.Read(k, 0, 4096).status().err() == EIO);
  h.fault->FailReads(0);
  h.fault->CorruptReads(true);
  std::vector<uint32_t> bad;
  auto back = h.Read(k, 0, 3 * 4096, &bad);
  REQUIRE(back.ok());
  CHECK_FALSE(bad.empty());
  CHECK(bad.front() == 0);
  h.fault->CorruptReads(false);
  back = h.Read(k, 0, 3 * 4096, &bad);
  REQUIRE(back.ok());
  CHECK(bad.empty());
  CHECK(*back == data);
}
