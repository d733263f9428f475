// kill -9 of the middle replica during a stream of writes: weft-meta notices the missed heartbeats and
// removes it from the chain (version bump); writers retry on ESTALE/EAGAIN against the new chain; every
// acknowledged write reads back from every remaining replica.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "common/clock.h"
#include "test/chunk/chain_checks.h"
#include "test/chunk/chain_fixture.h"
#include "test/chunk/store_harness.h"

using weft::test::ChainFixture;
using weft::test::CheckReplicasHold;
using weft::test::MakeWrite;
using weft::test::TestDataClient;
using weft::chunk::test::RandomBytes;

namespace {

// Writes through the chain's head until acknowledged, following chain changes. Returns the attempts.
int WriteUntilAcked(ChainFixture& f, std::mutex& mu, uint64_t ino, uint32_t index, uint32_t offset,
                    const std::string& data) {
  const int64_t deadline = weft::MonoMs() + 60000;
  for (int attempt = 1;; ++attempt) {
    weft::ChainInfo chain;
    std::string head;
    const weft::CapabilitySigner* signer;
    {
      std::lock_guard lock(mu);
      chain = f.chain;
      head = f.Addr(0);
      signer = f.Signer();
    }
    try {
      TestDataClient c(head, signer, f.tls());
      auto r = c.Call(weft::FRAME_WRITE, MakeWrite(ino, index, chain, offset, data), data);
      if (r.reply.err() == 0) return attempt;
      if (r.reply.err() != ESTALE && r.reply.err() != EAGAIN) {
        FAIL("write failed with a non-retryable error " << r.reply.err() << ": " << r.reply.message());
      }
    } catch (const std::exception& e) {
      // connection refused or reset: the server is gone
    }
    if (weft::MonoMs() > deadline) FAIL("write not acknowledged within 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard lock(mu);
    f.Refresh();
  }
}

}  // namespace

TEST_CASE("kill -9 of the middle replica loses no acknowledged write", "[chunk][integration][failover]") {
  weft::test::ClusterOptions opts;
  opts.meta_args = {"--server-timeout-ms", "1500", "--heartbeat-interval-ms", "200"};
  ChainFixture f(opts);
  const uint64_t middle_id = f.chain.servers(1);
  const int middle = f.Index(1);
  const uint64_t version_before = f.chain.version();
  std::mutex mu;

  constexpr uint32_t kChunks = 4;
  constexpr uint32_t kChunkSize = 1u << 20;
  std::map<uint32_t, std::string> model;
  std::atomic<int> acked{0};
  int retried = 0;
  std::thread writer([&] {
    std::mt19937 rng(3);
    for (int i = 0; i < 400; ++i) {
      uint32_t index = rng() % kChunks;
      uint32_t size = 1 + rng() % 65536;
      uint32_t offset = rng() % (kChunkSize - size);
      std::string d = RandomBytes(size, 5000 + i);
      if (WriteUntilAcked(f, mu, 800, index, offset, d) > 1) ++retried;
      std::string& m = model[index];
      if (m.size() < offset + size) m.resize(offset + size, '\0');
      m.replace(offset, size, d);
      ++acked;
    }
  });
  while (acked < 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  f.cluster.StopChunk(middle, SIGKILL);
  writer.join();
  CHECK(retried > 0);  // the kill was felt

  {
    std::lock_guard lock(mu);
    f.Refresh();
  }
  CHECK(f.chain.version() > version_before);
  REQUIRE(f.chain.servers_size() == 2);
  for (int pos = 0; pos < 2; ++pos) CHECK(f.chain.servers(pos) != middle_id);
  CheckReplicasHold(f, 2, 800, model);  // both servers of the new chain
}
