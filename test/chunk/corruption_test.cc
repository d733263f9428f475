// End-to-end checksums on real processes: a block corrupted on disk is detected on read, the reader still
// gets the right bytes (from another replica), and the bad copy is repaired on disk.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "server/chunk/fd_cache.h"
#include "test/chunk/chain_fixture.h"
#include "test/chunk/store_harness.h"

using weft::test::ChainFixture;
using weft::test::MakeRead;
using weft::test::MakeWrite;
using weft::test::ReplyCrcsMatch;
using weft::test::TestDataClient;
using weft::chunk::test::RandomBytes;

namespace {
std::string ChunkFile(ChainFixture& f, int pos, uint64_t ino, uint32_t index) {
  weft::chunk::ChunkPaths paths({f.cluster.chunk(f.Index(pos)).data_dir});
  return paths.Path({ino, index});
}
void Poke(const std::string& path, off_t off, std::string_view bytes) {
  int fd = open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  REQUIRE(pwrite(fd, bytes.data(), bytes.size(), off) == static_cast<ssize_t>(bytes.size()));
  fsync(fd);
  close(fd);
}
std::string Peek(const std::string& path, off_t off, size_t n) {
  std::string s(n, '\0');
  int fd = open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(pread(fd, s.data(), n, off) == static_cast<ssize_t>(n));
  close(fd);
  return s;
}
}  // namespace

TEST_CASE("a block corrupted on disk is detected, served correctly and repaired", "[chunk][integration][crc]") {
  ChainFixture f;
  std::string data = RandomBytes(64 * 1024, 11);
  TestDataClient head(f.Addr(0), f.Signer(), f.tls());
  REQUIRE(head.Call(weft::FRAME_WRITE, MakeWrite(600, 0, f.chain, 0, data), data).reply.err() == 0);

  for (int pos : {1, 2, 0}) {  // the middle, the tail, then the head
    INFO("corrupted replica at position " << pos);
    const uint64_t errors_before = f.Stats(pos).checksum_errors();
    std::string path = ChunkFile(f, pos, 600, 0);
    const off_t off = 3 * 4096 + 100;
    Poke(path, off, "CORRUPTED");
    TestDataClient c(f.Addr(pos), f.Signer(), f.tls());
    auto got = c.Call(weft::FRAME_READ, MakeRead(600, 0, f.chain, 0, 64 * 1024));
    REQUIRE(got.reply.err() == 0);
    CHECK(got.payload == data);
    CHECK(ReplyCrcsMatch(got));
    auto stats = f.Stats(pos);
    CHECK(stats.checksum_errors() == errors_before + 1);
    CHECK(stats.repairs() >= 1);
    CHECK(Peek(path, off, 9) == data.substr(off, 9));  // repaired on disk
    // A second read finds nothing wrong.
    auto again = c.Call(weft::FRAME_READ, MakeRead(600, 0, f.chain, 4096, 4 * 4096));
    REQUIRE(again.reply.err() == 0);
    CHECK(again.payload == data.substr(4096, 4 * 4096));
    CHECK(f.Stats(pos).checksum_errors() == errors_before + 1);
  }
}

TEST_CASE("a block bad on every replica is reported as EIO, never served", "[chunk][integration][crc]") {
  ChainFixture f;
  std::string data = RandomBytes(16 * 1024, 12);
  TestDataClient head(f.Addr(0), f.Signer(), f.tls());
  REQUIRE(head.Call(weft::FRAME_WRITE, MakeWrite(601, 0, f.chain, 0, data), data).reply.err() == 0);
  for (int pos = 0; pos < 3; ++pos) Poke(ChunkFile(f, pos, 601, 0), 2 * 4096, "XX");
  TestDataClient tail(f.Addr(2), f.Signer(), f.tls());
  auto got = tail.Call(weft::FRAME_READ, MakeRead(601, 0, f.chain, 0, 16 * 1024));
  CHECK(got.reply.err() == EIO);
  CHECK(got.payload.empty());
  // Blocks that are still good read fine.
  auto ok = tail.Call(weft::FRAME_READ, MakeRead(601, 0, f.chain, 0, 8192));
  REQUIRE(ok.reply.err() == 0);
  CHECK(ok.payload == data.substr(0, 8192));
}

TEST_CASE("an unaligned write over a corrupted block repairs the block first", "[chunk][integration][crc]") {
  ChainFixture f;
  std::string data = RandomBytes(32 * 1024, 13);
  TestDataClient head(f.Addr(0), f.Signer(), f.tls());
  REQUIRE(head.Call(weft::FRAME_WRITE, MakeWrite(602, 0, f.chain, 0, data), data).reply.err() == 0);
  Poke(ChunkFile(f, 0, 602, 0), 4096 + 5, "BAD");  // block 1 on the head
  REQUIRE(head.Call(weft::FRAME_WRITE, MakeWrite(602, 0, f.chain, 4096 + 1000, "new"), "new").reply.err() == 0);
  std::string want = data;
  want.replace(4096 + 1000, 3, "new");
  for (int pos = 0; pos < 3; ++pos) {
    TestDataClient c(f.Addr(pos), f.Signer(), f.tls());
    auto got = c.Call(weft::FRAME_READ, MakeRead(602, 0, f.chain, 0, 32 * 1024));
    REQUIRE(got.reply.err() == 0);
    CHECK(got.payload == want);
  }
  CHECK(f.Stats(0).repairs() >= 1);
}
