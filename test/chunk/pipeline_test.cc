// Many requests in flight on one connection: 1,000 pipelined writes of mixed sizes and offsets, replies
// out of order, matched by id; then every replica holds exactly the bytes a model applying the writes
// in sending order holds.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "test/chunk/chain_checks.h"
#include "test/chunk/chain_fixture.h"
#include "test/chunk/store_harness.h"

using weft::test::ChainFixture;
using weft::test::CheckReplicasHold;
using weft::test::MakeWrite;
using weft::test::TestDataClient;
using weft::chunk::test::RandomBytes;

TEST_CASE("1,000 pipelined writes of mixed sizes and offsets read back identically", "[chunk][integration][pipeline]") {
  ChainFixture f;
  constexpr uint32_t kChunk = 1u << 20;
  constexpr int kWrites = 1000;
  constexpr uint32_t kChunks = 8;
  struct W {
    uint32_t index, offset;
    std::string data;
  };
  std::vector<W> writes;
  std::mt19937 rng(7);
  for (int i = 0; i < kWrites; ++i) {
    uint32_t size;
    switch (rng() % 4) {
      case 0: size = 1 + rng() % 100; break;
      case 1: size = 1 + rng() % 8192; break;
      case 2: size = 4096 * (1 + rng() % 16); break;
      default: size = 1 + rng() % (256 * 1024); break;
    }
    uint32_t offset = rng() % 2 ? (rng() % (kChunk - size + 1)) : (rng() % ((kChunk - size) / 4096 + 1)) * 4096;
    writes.push_back({static_cast<uint32_t>(rng() % kChunks), offset, RandomBytes(size, 1000 + i)});
  }
  std::map<uint32_t, std::string> model;
  for (const W& w : writes) {
    std::string& m = model[w.index];
    if (m.size() < w.offset + w.data.size()) m.resize(w.offset + w.data.size(), '\0');
    m.replace(w.offset, w.data.size(), w.data);
  }

  TestDataClient head(f.Addr(0), f.Signer(), f.tls());
  std::thread sender([&] {
    for (const W& w : writes) head.Send(weft::FRAME_WRITE, MakeWrite(500, w.index, f.chain, w.offset, w.data), w.data);
  });
  std::set<uint64_t> ids;
  int errors = 0;
  bool out_of_order = false;
  uint64_t last = 0;
  for (int i = 0; i < kWrites; ++i) {
    auto r = head.Receive(60000);
    if (!r) break;
    if (r->reply.err() != 0) {
      ++errors;
      UNSCOPED_INFO("write " << r->id << ": " << r->reply.err() << " " << r->reply.message());
    }
    out_of_order |= r->id < last;
    last = r->id;
    ids.insert(r->id);
  }
  sender.join();
  CHECK(errors == 0);
  CHECK(ids.size() == static_cast<size_t>(kWrites));
  CHECK(*ids.begin() == 1);
  CHECK(*ids.rbegin() == static_cast<uint64_t>(kWrites));
  WARN("replies arrived " << (out_of_order ? "out of" : "in") << " request order");

  CheckReplicasHold(f, 3, 500, model);
}
