// The chunk store over both disk backends: writes, reads, holes, unaligned updates, truncation, removal,
// checksums on disk, restart, and the bounded descriptor cache.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <random>

#include "test/chunk/store_harness.h"

using weft::chunk::AlignUp;
using weft::chunk::ChunkKey;
using weft::chunk::ZeroBlockCrc;
using weft::chunk::test::CountOpenFds;
using weft::chunk::test::HarnessOptions;
using weft::chunk::test::RandomBytes;
using weft::chunk::test::StoreHarness;

namespace {
const char* kBackends[] = {"uring", "threads"};
}

TEST_CASE("the chunk store reads back what it wrote, on every backend", "[chunk][store]") {
  for (const char* backend : kBackends) {
    SECTION(backend) {
      StoreHarness h(HarnessOptions{.backend = backend});
      ChunkKey k{7, 3};
      std::string data = RandomBytes(300000, 1);
      auto m = h.Write(k, 0, data);
      REQUIRE(m.ok());
      CHECK(m->length == data.size());
      CHECK(m->crcs.size() == (data.size() + 4095) / 4096);
      auto back = h.Read(k, 0, static_cast<uint32_t>(data.size()));
      REQUIRE(back.ok());
      CHECK(*back == data);
      // A middle slice at odd offsets.
      auto slice = h.Read(k, 12345, 99999);
      REQUIRE(slice.ok());
      CHECK(*slice == data.substr(12345, 99999));
    }
  }
}

TEST_CASE("holes and bytes past the end read as zeros", "[chunk][store]") {
  for (const char* backend : kBackends) {
    SECTION(backend) {
      StoreHarness h(HarnessOptions{.backend = backend});
      ChunkKey k{1, 0};
      std::string data = RandomBytes(5000, 2);
      REQUIRE(h.Write(k, 1 << 20, data).ok());
      auto m = h.Meta(k);
      REQUIRE(m);
      CHECK(m->length == (1u << 20) + 5000);
      CHECK(m->crcs[0] == ZeroBlockCrc());
      std::vector<uint32_t> bad;
      auto hole = h.Read(k, 0, 1 << 20, &bad);
      REQUIRE(hole.ok());
      CHECK(bad.empty());
      CHECK(*hole == std::string(1 << 20, '\0'));
      auto tail = h.Read(k, (1 << 20) + 4000, 10000);
      REQUIRE(tail.ok());
      CHECK(*tail == data.substr(4000) + std::string(10000 - 1000, '\0'));
      auto missing = h.Read(ChunkKey{1, 99}, 0, 8192);
      REQUIRE(missing.ok());
      CHECK(*missing == std::string(8192, '\0'));
    }
  }
}

TEST_CASE("unaligned overwrites merge with the bytes around them", "[chunk][store]") {
  for (const char* backend : kBackends) {
    SECTION(backend) {
      StoreHarness h(HarnessOptions{.backend = backend});
      ChunkKey k{2, 5};
      std::string model = RandomBytes(40000, 3);
      REQUIRE(h.Write(k, 0, model).ok());
      struct W {
        uint32_t off, len;
      };
      for (W w : {W{1, 1}, W{4095, 2}, W{4096, 4096}, W{100, 9000}, W{39990, 20}, W{8191, 1}, W{0, 3}}) {
        std::string d = RandomBytes(w.len, w.off * 7 + w.len);
        REQUIRE(h.Write(k, w.off, d).ok());
        if (model.size() < w.off + w.len) model.resize(w.off + w.len, '\0');
        model.replace(w.off, w.len, d);
      }
      std::vector<uint32_t> bad;
      auto back = h.Read(k, 0, static_cast<uint32_t>(model.size()), &bad);
      REQUIRE(back.ok());
      CHECK(bad.empty());
      CHECK(*back == model);
      CHECK(h.Meta(k)->version == 8);
    }
  }
}

TEST_CASE("random writes and truncates match a model", "[chunk][store]") {
  for (const char* backend : kBackends) {
    SECTION(backend) {
      StoreHarness h(HarnessOptions{.backend = backend});
      ChunkKey k{3, 1};
      std::string model;
      std::mt19937 rng(42);
      for (int i = 0; i < 150; ++i) {
        if (rng() % 10 == 0) {
          uint32_t len = rng() % (600000);
          REQUIRE(h.Truncate(k, len).ok());
          model.resize(len, '\0');
        } else {
          uint32_t off = rng() % 500000;
          uint32_t len = 1 + rng() % (rng() % 4 == 0 ? 200000 : 9000);
          std::string d = RandomBytes(len, i);
          REQUIRE(h.Write(k, off, d).ok());
          if (model.size() < off + len) model.resize(off + len, '\0');
          model.replace(off, len, d);
        }
      }
      std::vector<uint32_t> bad;
      auto back = h.Read(k, 0, static_cast<uint32_t>(model.size()) + 5000, &bad);
      REQUIRE(back.ok());
      CHECK(bad.empty());
      CHECK(back->substr(0, model.size()) == model);
      CHECK(back->substr(model.size()) == std::string(5000, '\0'));
      CHECK(h.Meta(k)->length == model.size());
    }
  }
}

TEST_CASE("truncation zeroes the cut block and keeps checksums valid", "[chunk][store]") {
  StoreHarness h;
  ChunkKey k{4, 0};
  std::string data = RandomBytes(20000, 5);
  REQUIRE(h.Write(k, 0, data).ok());
  auto m = h.Truncate(k, 5000);
  REQUIRE(m.ok());
  CHECK(m->length == 5000);
  CHECK(m->crcs.size() == 2);
  // Growing again exposes zeros, not the old bytes.
  REQUIRE(h.Truncate(k, 20000).ok());
  std::vector<uint32_t> bad;
  auto back = h.Read(k, 0, 20000, &bad);
  REQUIRE(back.ok());
  CHECK(bad.empty());
  CHECK(*back == data.substr(0, 5000) + std::string(15000, '\0'));
  // Truncating a chunk that does not exist creates a sparse one.
  REQUIRE(h.Truncate(ChunkKey{4, 1}, 8192).ok());
  auto sparse = h.Read(ChunkKey{4, 1}, 0, 8192, &bad);
  REQUIRE(sparse.ok());
  CHECK(bad.empty());
  CHECK(*sparse == std::string(8192, '\0'));
}

TEST_CASE("removal deletes the record and the file", "[chunk][store]") {
  StoreHarness h;
  for (uint32_t i = 0; i < 5; ++i) REQUIRE(h.Write(ChunkKey{9, i}, 0, RandomBytes(100, i)).ok());
  CHECK(h.store->chunks() == 5);
  auto list = h.store->List(9, 2);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 3);
  CHECK((*list)[0].index == 2);
  std::string path = h.FilePath(ChunkKey{9, 3});
  CHECK(std::filesystem::exists(path));
  REQUIRE(h.Remove(ChunkKey{9, 3}).ok());
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_FALSE(h.Meta(ChunkKey{9, 3}));
  CHECK(h.store->chunks() == 4);
  // A new chunk under the same id starts empty.
  REQUIRE(h.Write(ChunkKey{9, 3}, 8192, "x").ok());
  auto back = h.Read(ChunkKey{9, 3}, 0, 8193);
  REQUIRE(back.ok());
  CHECK(*back == std::string(8192, '\0') + "x");
}

TEST_CASE("a block changed on disk fails its checksum", "[chunk][store][crc]") {
  for (const char* backend : kBackends) {
    SECTION(backend) {
      StoreHarness h(HarnessOptions{.backend = backend});
      ChunkKey k{5, 2};
      std::string data = RandomBytes(64 * 1024, 6);
      REQUIRE(h.Write(k, 0, data).ok());
      h.CorruptFile(k, 2 * 4096 + 17, "\xff\x00\xff");
      std::vector<uint32_t> bad;
      auto back = h.Read(k, 0, 64 * 1024, &bad);
      REQUIRE(back.ok());
      CHECK(bad == std::vector<uint32_t>{2});
      // Only the damaged block is reported for a read that touches it.
      auto other = h.Read(k, 4 * 4096, 4096, &bad);
      REQUIRE(other.ok());
      CHECK(bad.empty());
      // An unaligned update that must merge with the bad block refuses to launder it.
      auto w = h.Write(k, 2 * 4096 + 100, "abc");
      CHECK(w.status().err() == EIO);
    }
  }
}

TEST_CASE("a torn write (data without its record) is detected, never served as good", "[chunk][store][crc]") {
  StoreHarness h;
  ChunkKey k{6, 0};
  std::string v1 = RandomBytes(16384, 7);
  REQUIRE(h.Write(k, 0, v1).ok());
  // A crash after the data reached the disk but before the record: new bytes, old CRCs.
  h.CorruptFile(k, 4096, RandomBytes(4096, 8));
  std::vector<uint32_t> bad;
  auto back = h.Read(k, 0, 16384, &bad);
  REQUIRE(back.ok());
  CHECK(bad == std::vector<uint32_t>{1});
}

TEST_CASE("records and data survive a restart (RocksDB)", "[chunk][store]") {
  std::string dir;
  std::string data = RandomBytes(123456, 9);
  {
    StoreHarness h(HarnessOptions{.records = "rocksdb", .keep_dir = true});
    dir = h.dir;
    REQUIRE(h.Write(ChunkKey{11, 4}, 777, data).ok());
  }
  StoreHarness h(HarnessOptions{.records = "rocksdb", .dir = dir});
  CHECK(h.store->chunks() == 1);
  auto m = h.Meta(ChunkKey{11, 4});
  REQUIRE(m);
  CHECK(m->length == 777 + data.size());
  auto back = h.Read(ChunkKey{11, 4}, 777, static_cast<uint32_t>(data.size()));
  REQUIRE(back.ok());
  CHECK(*back == data);
}

TEST_CASE("the descriptor cache stays bounded over many chunks", "[chunk][store][fd]") {
  StoreHarness h(HarnessOptions{.fd_cache = {.capacity = 32}});
  int before = CountOpenFds();
  for (uint32_t i = 0; i < 600; ++i) REQUIRE(h.Write(ChunkKey{12, i}, 0, RandomBytes(4096, i)).ok());
  CHECK(h.store->fd_cache().size() <= 32);
  CHECK(CountOpenFds() - before <= 32);
  // Every chunk still reads back (reopened on demand).
  for (uint32_t i = 0; i < 600; i += 37) {
    auto back = h.Read(ChunkKey{12, i}, 0, 4096);
    REQUIRE(back.ok());
    CHECK(*back == RandomBytes(4096, i));
  }
  CHECK(CountOpenFds() - before <= 32);
}

TEST_CASE("an aligned write reuses the payload's verified CRCs for its whole blocks", "[chunk][store][crc]") {
  StoreHarness h;
  ChunkKey k{13, 0};
  std::string data = RandomBytes(3 * 4096 + 100, 14);
  auto crcs = weft::BlockCrcs(data.data(), data.size());
  weft::chunk::IoBuffer buf = h.pool.Get(AlignUp(data.size()));
  memcpy(buf.data(), data.data(), data.size());
  auto m = h.Run(h.store->Write(k, std::nullopt, 4096, static_cast<uint32_t>(data.size()), buf,
                                weft::chunk::UpdateVersion{1, 1, 1u << 20}, crcs));
  REQUIRE(m.ok());
  REQUIRE(m->crcs.size() == 5);
  CHECK(m->crcs[0] == ZeroBlockCrc());
  for (int i = 0; i < 3; ++i) CHECK(m->crcs[1 + i] == crcs[i]);
  std::string last(4096, '\0');
  memcpy(last.data(), data.data() + 3 * 4096, 100);
  CHECK(m->crcs[4] == weft::Crc32c(last));  // the short last piece: recomputed over the zero-extended block
  std::vector<uint32_t> bad;
  auto back = h.Read(k, 4096, static_cast<uint32_t>(data.size()), &bad);
  REQUIRE(back.ok());
  CHECK(bad.empty());
  CHECK(*back == data);
}
