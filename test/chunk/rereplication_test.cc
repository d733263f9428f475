// Re-replication against real processes: a drained server's chains are filled onto another server while
// writes go on, the server leaves them and ends drained and empty; a chain that lost a member is healed
// onto a spare server; only chunk servers may list a chain. Every check reads the bytes back from every
// member with the test's own data client.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "common/clock.h"
#include "server/chunk/fd_cache.h"
#include "test/chunk/chain_checks.h"
#include "test/chunk/chain_fixture.h"
#include "test/chunk/store_harness.h"

using weft::test::ChainFixture;
using weft::test::MakeRead;
using weft::test::CheckReplicasHold;
using weft::test::MakeWrite;
using weft::test::TestDataClient;
using weft::chunk::test::RandomBytes;

namespace {

constexpr uint32_t kChunkSize = 1u << 20;

weft::test::ClusterOptions FourServers() {
  weft::test::ClusterOptions opts;
  opts.chunk_servers = 4;
  opts.meta_args = {"--server-timeout-ms", "1500", "--heartbeat-interval-ms", "200"};
  return opts;
}

// Writes through the chain's head until acknowledged, following chain changes.
void WriteUntilAcked(ChainFixture& f, std::mutex& mu, uint64_t ino, uint32_t index, uint32_t offset,
                     const std::string& data) {
  const int64_t deadline = weft::MonoMs() + 60000;
  for (;;) {
    weft::ChainInfo chain;
    std::string head;
    {
      std::lock_guard lock(mu);
      chain = f.chain;
      head = f.Addr(0);
    }
    try {
      TestDataClient c(head, f.Signer(), f.tls());
      auto r = c.Call(weft::FRAME_WRITE, MakeWrite(ino, index, chain, offset, data, kChunkSize), data);
      if (r.reply.err() == 0) return;
      if (r.reply.err() != ESTALE && r.reply.err() != EAGAIN) {
        FAIL("write failed with a non-retryable error " << r.reply.err() << ": " << r.reply.message());
      }
    } catch (const std::exception&) {
      // the connection broke: the chain is changing
    }
    if (weft::MonoMs() > deadline) FAIL("write not acknowledged within 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(mu);
    f.Refresh();
  }
}

// Random writes into chunks [0, chunks) of ino, recorded in model.
void WriteSome(ChainFixture& f, std::mutex& mu, uint64_t ino, uint32_t chunks, int writes, uint32_t seed,
               std::map<uint32_t, std::string>& model) {
  std::mt19937 rng(seed);
  for (int i = 0; i < writes; ++i) {
    uint32_t index = rng() % chunks;
    uint32_t size = 1 + rng() % 200000;
    uint32_t offset = rng() % (kChunkSize - size);
    std::string d = RandomBytes(size, seed * 1000 + static_cast<uint32_t>(i));
    WriteUntilAcked(f, mu, ino, index, offset, d);
    std::string& m = model[index];
    if (m.size() < offset + size) m.resize(offset + size, '\0');
    m.replace(offset, size, d);
  }
}

bool Contains(const weft::ChainInfo& c, uint64_t id) {
  return std::find(c.servers().begin(), c.servers().end(), id) != c.servers().end() ||
         std::find(c.syncing().begin(), c.syncing().end(), id) != c.syncing().end();
}

uint64_t ChunksOn(ChainFixture& f, int index) {
  auto stub = weft::ChunkControl::NewStub(weft::MakeChannel(f.cluster.chunk(index).control_address, f.tls()));
  grpc::ClientContext ctx;
  weft::PrepareContext(&ctx, std::chrono::seconds(5));
  f.Key().Attach(&ctx);
  weft::ChunkStatsResponse resp;
  grpc::Status s = stub->Stats(&ctx, weft::ChunkStatsRequest(), &resp);
  if (!s.ok()) throw std::runtime_error("Stats: " + s.error_message());
  return resp.chunks();
}

int FixtureIndex(ChainFixture& f, uint64_t id) {
  std::string a = weft::test::ServerAddress(f.table, id);
  for (int i = 0; i < f.cluster.chunk_count(); ++i) {
    if (f.cluster.chunk(i).data_address == a) return i;
  }
  throw std::runtime_error("no fixture server with id " + std::to_string(id));
}

}  // namespace

TEST_CASE("drain fills a replacement while writes go on, and the server leaves every chain, drained and empty",
          "[chunk][integration][rereplication]") {
  ChainFixture f(FourServers());
  std::mutex mu;
  constexpr uint64_t kIno = 900;
  constexpr uint32_t kChunks = 6;
  std::map<uint32_t, std::string> model;
  WriteSome(f, mu, kIno, kChunks, 40, 1, model);
  std::map<uint32_t, std::string> cold;  // never written again: only the fill can copy it
  WriteSome(f, mu, kIno + 50, 3, 10, 11, cold);

  const uint64_t drained_id = f.chain.servers(1);
  const int drained = FixtureIndex(f, drained_id);
  weft::ServerResponse started = f.cluster.DrainServer(drained_id, true);
  CHECK(started.server().state() == weft::SERVER_DRAINING);

  // Writes go on while the replacements fill: each one reaches the replica being filled as well.
  std::thread writer([&] { WriteSome(f, mu, kIno, kChunks, 60, 2, model); });
  const int64_t deadline = weft::MonoMs() + 60000;
  weft::ServerResponse s;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s = f.cluster.GetServer(drained_id);
  } while (s.server().state() != weft::SERVER_DRAINED && weft::MonoMs() < deadline);
  writer.join();
  REQUIRE(s.server().state() == weft::SERVER_DRAINED);
  CHECK(s.chains_size() == 0);

  {
    std::lock_guard lock(mu);
    f.Refresh();
  }
  for (const auto& c : f.table.chains()) {
    INFO("chain " << c.id());
    CHECK_FALSE(Contains(c, drained_id));
  }
  REQUIRE(f.chain.servers_size() == 3);
  REQUIRE(f.chain.syncing_size() == 0);
  CheckReplicasHold(f, 3, kIno, model);
  CheckReplicasHold(f, 3, kIno + 50, cold);

  // The drained server removes the copies of the chains it left.
  const int64_t purge_deadline = weft::MonoMs() + 20000;
  while (ChunksOn(f, drained) > 0 && weft::MonoMs() < purge_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(ChunksOn(f, drained) == 0);

  // Nothing depends on it any more.
  f.cluster.StopChunk(drained, SIGKILL);
  CheckReplicasHold(f, 3, kIno, model);
  CheckReplicasHold(f, 3, kIno + 50, cold);
}

TEST_CASE("a chain that lost a member is healed onto a spare server", "[chunk][integration][rereplication]") {
  ChainFixture f(FourServers());
  std::mutex mu;
  constexpr uint64_t kIno = 901;
  std::map<uint32_t, std::string> model;
  WriteSome(f, mu, kIno, 4, 30, 3, model);
  std::map<uint32_t, std::string> cold;  // never written again: only the fill can copy it
  WriteSome(f, mu, kIno + 50, 3, 10, 13, cold);

  const uint64_t lost_id = f.chain.servers(0);  // the head
  f.cluster.StopChunk(FixtureIndex(f, lost_id), SIGKILL);
  WriteSome(f, mu, kIno, 4, 20, 4, model);  // follows the chain as it shrinks and grows again

  const int64_t deadline = weft::MonoMs() + 60000;
  for (;;) {
    {
      std::lock_guard lock(mu);
      f.Refresh();
    }
    if ((f.chain.servers_size() == 3 && f.chain.syncing_size() == 0) || weft::MonoMs() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(f.chain.servers_size() == 3);
  CHECK(f.chain.syncing_size() == 0);
  CHECK_FALSE(Contains(f.chain, lost_id));
  CheckReplicasHold(f, 3, kIno, model);
  CheckReplicasHold(f, 3, kIno + 50, cold);
}

TEST_CASE("only chunk servers list a chain: a client capability is refused", "[chunk][integration][rereplication]") {
  ChainFixture f;
  std::mutex mu;
  std::map<uint32_t, std::string> model;
  WriteSome(f, mu, 902, 3, 6, 5, model);

  weft::ListRequest req;
  req.mutable_chain()->set_chain_id(f.chain.id());
  req.mutable_chain()->set_chain_version(f.chain.version());
  TestDataClient c(f.Addr(2), nullptr, f.tls());
  for (const std::string& cap : {std::string(), weft::test::TestCapability(*f.Signer(), 902),
                                 weft::test::TestCapability(*f.Signer(), 0, weft::kCapRead | weft::kCapWrite)}) {
    req.set_capability(cap);
    auto r = c.Call(weft::FRAME_LIST, req);
    CHECK(r.reply.err() == EACCES);
    CHECK(r.reply.entries_size() == 0);
  }
  // A peer's capability lists the chunks of the chain, and only those.
  req.set_capability(weft::test::TestCapability(*f.Signer(), 0, weft::kCapList));
  auto r = c.Call(weft::FRAME_LIST, req);
  REQUIRE(r.reply.err() == 0);
  CHECK_FALSE(r.reply.more());
  std::map<uint32_t, uint32_t> listed;
  for (const auto& e : r.reply.entries()) {
    CHECK(e.ino() == 902);
    listed[e.index()] = e.length();
  }
  REQUIRE(listed.size() == model.size());
  for (const auto& [index, bytes] : model) CHECK(listed[index] == bytes.size());
  // A stale chain version is refused like any other request.
  req.mutable_chain()->set_chain_version(f.chain.version() - 1);
  CHECK(c.Call(weft::FRAME_LIST, req).reply.err() == ESTALE);
}

TEST_CASE("a fill copies a chunk whose copy at the tail fails its checksum from another member",
          "[chunk][integration][rereplication]") {
  ChainFixture f(FourServers());
  std::mutex mu;
  std::map<uint32_t, std::string> model;
  WriteSome(f, mu, 903, 2, 8, 7, model);
  // Damage block 1 of chunk 0 on the tail, the filler's first source.
  {
    weft::chunk::ChunkPaths paths({f.cluster.chunk(f.Index(2)).data_dir});
    int fd = open(paths.Path({903, 0}).c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    REQUIRE(pwrite(fd, "CORRUPTED", 9, 4096 + 7) == 9);
    fsync(fd);
    close(fd);
  }
  const uint64_t head_id = f.chain.servers(0);
  f.cluster.DrainServer(head_id, true);
  const int64_t deadline = weft::MonoMs() + 60000;
  while (f.cluster.GetServer(head_id).server().state() != weft::SERVER_DRAINED && weft::MonoMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(f.cluster.GetServer(head_id).server().state() == weft::SERVER_DRAINED);
  f.Refresh();
  REQUIRE(f.chain.servers_size() == 3);
  // The new member got good bytes: read it alone, with repair out of the picture (any_state refuses to
  // repair and fails on a bad block).
  TestDataClient c(f.Addr(2), f.Signer(), f.tls());
  weft::ReadRequest rq = MakeRead(903, 0, f.chain, 0, static_cast<uint32_t>(model[0].size()));
  rq.set_any_state(true);
  auto got = c.Call(weft::FRAME_READ, rq);
  REQUIRE(got.reply.err() == 0);
  CHECK(got.payload == model[0]);
  CheckReplicasHold(f, 3, 903, model);  // the old tail's bad block is repaired on this read
}

TEST_CASE("a replica being filled that stops is replaced, and a weft-meta restart mid-drain loses nothing",
          "[chunk][integration][rereplication]") {
  weft::test::ClusterOptions opts = FourServers();
  opts.chunk_servers = 5;
  ChainFixture f(opts);
  std::mutex mu;
  std::map<uint32_t, std::string> model;
  WriteSome(f, mu, 904, 4, 20, 9, model);

  const uint64_t drained_id = f.chain.servers(1);
  f.cluster.DrainServer(drained_id, true);
  // Freeze the chain's replica being filled before it can copy much (it learns of the change with its
  // next heartbeat), and restart weft-meta while the drain is under way.
  weft::ChainInfo planned = weft::test::GetChain(f.cluster.meta_address(), f.tls(), f.chain.id());
  REQUIRE(planned.syncing_size() == 1);
  const uint64_t frozen_id = planned.syncing(0);
  const int frozen = FixtureIndex(f, frozen_id);
  f.cluster.StopChunk(frozen, SIGSTOP);
  f.cluster.RestartMeta(SIGKILL);

  const int64_t deadline = weft::MonoMs() + 60000;
  while (weft::MonoMs() < deadline) {
    try {
      if (f.cluster.GetServer(drained_id).server().state() == weft::SERVER_DRAINED) break;
    } catch (const std::exception&) {
      // weft-meta is coming back
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(f.cluster.GetServer(drained_id).server().state() == weft::SERVER_DRAINED);
  f.cluster.StopChunk(frozen, SIGCONT);
  {
    std::lock_guard lock(mu);
    f.Refresh();
  }
  REQUIRE(f.chain.servers_size() == 3);
  CHECK_FALSE(Contains(f.chain, drained_id));
  CHECK_FALSE(Contains(f.chain, frozen_id));  // it missed its heartbeat deadline: another server took its place
  CheckReplicasHold(f, 3, 904, model);
  // Writes go on with the new chain.
  WriteSome(f, mu, 904, 4, 10, 10, model);
  CheckReplicasHold(f, 3, 904, model);
}
