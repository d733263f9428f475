// Chunk records: the persistent encoding, and both MetaStore engines behind one test body.
#include <catch2/catch.hpp>

#include <filesystem>

#include "server/chunk/meta_store.h"

using namespace weft::chunk;

TEST_CASE("a chunk record round-trips and rejects damage", "[chunk][meta]") {
  ChunkMeta m;
  m.version = 9;
  m.committed = 8;
  m.length = 10000;
  m.chunk_size = 4u << 20;
  m.chain_id = 17;
  m.crcs = {1, 2, 3};
  std::string enc = EncodeChunkMeta(m);
  auto back = DecodeChunkMeta(enc);
  REQUIRE(back.ok());
  CHECK(*back == m);
  std::string bad = enc;
  bad[5] ^= 1;
  CHECK(DecodeChunkMeta(bad).status().err() == EBADMSG);
  CHECK(DecodeChunkMeta(enc.substr(0, 10)).status().err() == EBADMSG);
  auto k = DecodeChunkKey(EncodeChunkKey({0x0102030405060708ull, 77}));
  REQUIRE(k.ok());
  CHECK(k->ino == 0x0102030405060708ull);
  CHECK(k->index == 77);
  // Keys of one inode sort by index.
  CHECK(EncodeChunkKey({5, 2}) < EncodeChunkKey({5, 10}));
  CHECK(EncodeChunkKey({5, 0xffffffff}) < EncodeChunkKey({6, 0}));
}

TEST_CASE("a format 1 chunk record (before chain ids) still decodes, with chain 0", "[chunk][meta]") {
  // u8 1, u64 version 5, u64 committed 5, u32 length 4096, u32 chunk_size 1 MiB, u32 n 1, u32 crc, u32 crc.
  std::string v1;
  auto le = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) v1.push_back(static_cast<char>(v >> (8 * i)));
  };
  le(1, 1), le(5, 8), le(5, 8), le(4096, 4), le(1u << 20, 4), le(1, 4), le(0xabcd, 4);
  le(weft::Crc32c(v1), 4);
  auto m = DecodeChunkMeta(v1);
  REQUIRE(m.ok());
  CHECK(m->version == 5);
  CHECK(m->length == 4096);
  CHECK(m->chunk_size == 1u << 20);
  CHECK(m->crcs == std::vector<uint32_t>{0xabcd});
  CHECK(m->chain_id == 0);
  v1[0] = 3;
  CHECK(DecodeChunkMeta(v1).status().err() == EBADMSG);
}

TEST_CASE("both record engines store, list and delete", "[chunk][meta]") {
  for (std::string engine : {"mem", "rocksdb"}) {
    SECTION(engine) {
      std::string dir = "/tmp/weft-meta-store-test-" + std::to_string(getpid());
      std::unique_ptr<MetaStore> s;
      if (engine == "mem") {
        s = NewMemMetaStore();
      } else {
        auto r = OpenRocksMetaStore(dir);
        REQUIRE(r.ok());
        s = std::move(*r);
      }
      ChunkMeta m;
      m.length = 1;
      m.crcs = {42};
      std::vector<MetaMutation> muts;
      for (uint32_t i = 0; i < 5; ++i) muts.push_back({ChunkKey{3, i}, m});
      muts.push_back({ChunkKey{4, 0}, m});
      muts.push_back({ChunkKey{2, 9}, m});
      REQUIRE(s->Apply(muts, true).ok());
      auto got = s->Get({3, 2});
      REQUIRE(got.ok());
      REQUIRE(got->has_value());
      CHECK((*got)->crcs == std::vector<uint32_t>{42});
      auto list = s->List(3, 1);
      REQUIRE(list.ok());
      REQUIRE(list->size() == 4);
      CHECK(list->front().index == 1);
      CHECK(list->back().index == 4);
      MetaMutation del{ChunkKey{3, 2}, std::nullopt};
      REQUIRE(s->Apply({&del, 1}, true).ok());
      CHECK_FALSE(s->Get({3, 2})->has_value());
      int n = 0;
      REQUIRE(s->ForEach([&](const ChunkKey&, const ChunkMeta&) { ++n; }).ok());
      CHECK(n == 6);

      // Scan pages through the records in key order, resuming after the last key visited.
      std::vector<ChunkKey> seen;
      std::optional<ChunkKey> after;
      int pages = 0;
      for (;;) {
        auto next = s->Scan(after, 4, [&](const ChunkKey& k, const ChunkMeta&) { seen.push_back(k); });
        REQUIRE(next.ok());
        ++pages;
        if (!*next) break;
        CHECK(**next == seen.back());
        after = *next;
      }
      CHECK(pages == 2);
      CHECK(seen == std::vector<ChunkKey>{{2, 9}, {3, 0}, {3, 1}, {3, 3}, {3, 4}, {4, 0}});
      auto from = s->Scan(ChunkKey{3, 2}, 100, [&](const ChunkKey& k, const ChunkMeta&) { CHECK(k > ChunkKey{3, 2}); });
      REQUIRE(from.ok());
      CHECK_FALSE(from->has_value());
      s.reset();
      std::filesystem::remove_all(dir);
    }
  }
}
