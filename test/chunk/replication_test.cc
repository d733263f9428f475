// Chain replication on real processes: writes through the head land on every replica, updates travel
// the chain, stale chain versions are refused.
#include <catch2/catch.hpp>

#include <filesystem>

#include "common/grpc_util.h"
#include "server/chunk/fd_cache.h"
#include "test/chunk/chain_fixture.h"
#include "test/chunk/store_harness.h"

using weft::test::ChainFixture;
using weft::test::MakeRead;
using weft::test::MakeWrite;
using weft::test::ReplyCrcsMatch;
using weft::test::TestDataClient;
using weft::chunk::test::RandomBytes;

TEST_CASE("a write through the head reads back identically from every replica", "[chunk][integration][chain]") {
  ChainFixture f;
  TestDataClient head(f.Addr(0), f.Signer(), f.tls());
  std::string a = RandomBytes(1 << 20, 1);        // a whole 1 MiB chunk
  std::string b = RandomBytes(10000, 2);          // unaligned, inside chunk 1
  auto r1 = head.Call(weft::FRAME_WRITE, MakeWrite(100, 0, f.chain, 0, a), a);
  REQUIRE(r1.reply.err() == 0);
  CHECK(r1.reply.chunk_version() == 1);
  CHECK(r1.reply.chunk_length() == a.size());
  auto r2 = head.Call(weft::FRAME_WRITE, MakeWrite(100, 1, f.chain, 4097, b), b);
  REQUIRE(r2.reply.err() == 0);
  auto r3 = head.Call(weft::FRAME_WRITE, MakeWrite(100, 1, f.chain, 3, "xyz"), "xyz");
  REQUIRE(r3.reply.err() == 0);
  CHECK(r3.reply.chunk_version() == 2);
  std::string want1 = std::string(3, '\0') + "xyz" + std::string(4097 - 6, '\0') + b;

  for (int pos = 0; pos < 3; ++pos) {
    INFO("replica at position " << pos);
    TestDataClient c(f.Addr(pos), f.Signer(), f.tls());
    auto got = c.Call(weft::FRAME_READ, MakeRead(100, 0, f.chain, 0, 1 << 20));
    REQUIRE(got.reply.err() == 0);
    CHECK(got.payload == a);
    CHECK(ReplyCrcsMatch(got));
    CHECK(got.reply.chunk_version() == 1);
    auto got1 = c.Call(weft::FRAME_READ, MakeRead(100, 1, f.chain, 0, static_cast<uint32_t>(want1.size()) + 100));
    REQUIRE(got1.reply.err() == 0);
    CHECK(got1.payload == want1 + std::string(100, '\0'));
    CHECK(ReplyCrcsMatch(got1));
    CHECK(got1.reply.chunk_version() == 2);
    CHECK(got1.reply.chunk_length() == want1.size());
    // The chunk is a file on that server's disk.
    weft::chunk::ChunkPaths paths({f.cluster.chunk(f.Index(pos)).data_dir});
    CHECK(std::filesystem::exists(paths.Path({100, 0})));
  }
}

TEST_CASE("truncate and remove travel the chain", "[chunk][integration][chain]") {
  ChainFixture f;
  TestDataClient head(f.Addr(0), f.Signer(), f.tls());
  std::string a = RandomBytes(50000, 3);
  for (uint32_t i = 0; i < 3; ++i) REQUIRE(head.Call(weft::FRAME_WRITE, MakeWrite(200, i, f.chain, 0, a), a).reply.err() == 0);
  weft::TruncateRequest t;
  t.mutable_chunk()->set_ino(200);
  t.mutable_chunk()->set_index(0);
  *t.mutable_chain() = weft::ChainRef();
  t.mutable_chain()->set_chain_id(f.chain.id());
  t.mutable_chain()->set_chain_version(f.chain.version());
  t.set_length(1000);
  t.set_chunk_size(1u << 20);
  auto tr = head.Call(weft::FRAME_TRUNCATE, t);
  REQUIRE(tr.reply.err() == 0);
  CHECK(tr.reply.chunk_length() == 1000);
  for (int pos = 0; pos < 3; ++pos) {
    INFO("replica at position " << pos);
    TestDataClient c(f.Addr(pos), f.Signer(), f.tls());
    auto got = c.Call(weft::FRAME_READ, MakeRead(200, 0, f.chain, 0, 5000));
    REQUIRE(got.reply.err() == 0);
    CHECK(got.reply.chunk_length() == 1000);
    CHECK(got.payload == a.substr(0, 1000) + std::string(4000, '\0'));
    auto gone = c.Call(weft::FRAME_READ, MakeRead(200, 2, f.chain, 0, 100));
    REQUIRE(gone.reply.err() == 0);
    CHECK(gone.reply.chunk_version() == 0);  // removed as past the end
    CHECK(gone.payload == std::string(100, '\0'));
  }
  weft::RemoveRequest rm;
  rm.mutable_chunk()->set_ino(200);
  rm.mutable_chunk()->set_index(0);
  rm.mutable_chain()->set_chain_id(f.chain.id());
  rm.mutable_chain()->set_chain_version(f.chain.version());
  REQUIRE(head.Call(weft::FRAME_REMOVE, rm).reply.err() == 0);
  for (int pos = 0; pos < 3; ++pos) {
    TestDataClient c(f.Addr(pos), f.Signer(), f.tls());
    auto got = c.Call(weft::FRAME_READ, MakeRead(200, 0, f.chain, 0, 10));
    REQUIRE(got.reply.err() == 0);
    CHECK(got.reply.chunk_version() == 0);
    CHECK(f.Stats(pos).chunks() == 0);
  }
}

TEST_CASE("a stale chain version gets ESTALE and the server's version", "[chunk][integration][chain]") {
  ChainFixture f;
  TestDataClient head(f.Addr(0), f.Signer(), f.tls());
  weft::ChainInfo old = f.chain;
  old.set_version(f.chain.version() - 1);
  auto w = head.Call(weft::FRAME_WRITE, MakeWrite(300, 0, old, 0, "abc"), "abc");
  CHECK(w.reply.err() == ESTALE);
  CHECK(w.reply.chain_version() == f.chain.version());
  TestDataClient tail(f.Addr(2), f.Signer(), f.tls());
  auto r = tail.Call(weft::FRAME_READ, MakeRead(300, 0, old, 0, 3));
  CHECK(r.reply.err() == ESTALE);
  // A write sent to a server that is not the head is refused the same way.
  TestDataClient middle(f.Addr(1), f.Signer(), f.tls());
  auto m = middle.Call(weft::FRAME_WRITE, MakeWrite(300, 0, f.chain, 0, "abc"), "abc");
  CHECK(m.reply.err() == ESTALE);
  // A payload that does not match its CRCs is refused before anything is stored.
  auto bad = MakeWrite(300, 0, f.chain, 0, "abc");
  auto c = head.Call(weft::FRAME_WRITE, bad, "abd");
  CHECK(c.reply.err() == EBADMSG);
  auto back = tail.Call(weft::FRAME_READ, MakeRead(300, 0, f.chain, 0, 3));
  REQUIRE(back.reply.err() == 0);
  CHECK(back.reply.chunk_version() == 0);
}
