// Capabilities on the data path (DESIGN.md "Security"): a chunk server refuses, with EACCES on a
// connection that stays up, any data request without a valid capability for its chunk's inode; the
// server-internal gRPC calls need the cluster credential; a server without the cluster's key cannot join.
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "common/net.h"
#include "test/chunk/chain_fixture.h"
#include "test/chunk/store_harness.h"

using weft::CapabilitySigner;
using weft::ClusterKey;
using weft::kCapRead;
using weft::kCapWrite;
using weft::test::ChainFixture;
using weft::test::MakeRead;
using weft::test::MakeWrite;
using weft::test::TestCapability;
using weft::test::TestDataClient;
using weft::chunk::test::RandomBytes;

namespace {

constexpr uint64_t kIno = 9100;

weft::TruncateRequest MakeTruncate(const weft::ChainInfo& chain, uint32_t length, std::string cap) {
  weft::TruncateRequest t;
  t.mutable_chunk()->set_ino(kIno);
  t.mutable_chunk()->set_index(0);
  t.mutable_chain()->set_chain_id(chain.id());
  t.mutable_chain()->set_chain_version(chain.version());
  t.set_length(length);
  t.set_capability(std::move(cap));
  return t;
}

weft::RemoveRequest MakeRemove(const weft::ChainInfo& chain, std::string cap) {
  weft::RemoveRequest r;
  r.mutable_chunk()->set_ino(kIno);
  r.mutable_chunk()->set_index(1);
  r.mutable_chain()->set_chain_id(chain.id());
  r.mutable_chain()->set_chain_version(chain.version());
  r.set_capability(std::move(cap));
  return r;
}

}  // namespace

TEST_CASE("data requests without a valid capability are refused and the connection stays up",
          "[chunk][integration][security]") {
  ChainFixture f;
  const CapabilitySigner& signer = *f.Signer();
  TestDataClient raw(f.Addr(0), nullptr, f.tls());  // sends exactly what the test builds
  const std::string data = RandomBytes(8192, 1);
  auto write_with = [&](std::string cap) {
    auto w = MakeWrite(kIno, 0, f.chain, 0, data);
    w.set_capability(std::move(cap));
    return raw.Call(weft::FRAME_WRITE, w, data).reply;
  };

  const std::string good = TestCapability(signer, kIno);
  std::string forged = good;
  forged.back() = static_cast<char>(forged.back() ^ 1);
  std::string widened = TestCapability(signer, kIno, kCapRead);
  widened[1] = static_cast<char>(kCapRead | kCapWrite);  // access bits changed after signing
  const ClusterKey other_key = ClusterKey::FromBytes(std::string(32, 'x'));
  const CapabilitySigner other(other_key);

  struct Case {
    const char* what;
    std::string cap;
    const char* reason;
  };
  const std::vector<Case> refused = {
      {"no capability", "", "no capability"},
      {"a forged MAC", forged, "MAC is invalid"},
      {"access bits changed after signing", widened, "MAC is invalid"},
      {"an expired capability", TestCapability(signer, kIno, kCapRead | kCapWrite, -60000), "expired"},
      {"a capability for another inode", TestCapability(signer, kIno + 1), "for inode"},
      {"a read-only capability", TestCapability(signer, kIno, kCapRead), "does not grant write"},
      {"another cluster's key", TestCapability(other, kIno), "signed with key"},
      {"a truncated capability", good.substr(0, 20), "malformed"},
  };
  for (const auto& c : refused) {
    INFO("write with " << c.what);
    auto reply = write_with(c.cap);
    CHECK(reply.err() == EACCES);
    CHECK_THAT(reply.message(), Catch::Contains(c.reason));
  }

  // Truncate and remove need write access too; reads need a capability of their own inode.
  const std::string read_only = TestCapability(signer, kIno, kCapRead);
  CHECK(raw.Call(weft::FRAME_TRUNCATE, MakeTruncate(f.chain, 0, read_only)).reply.err() == EACCES);
  CHECK(raw.Call(weft::FRAME_TRUNCATE, MakeTruncate(f.chain, 0, "")).reply.err() == EACCES);
  CHECK(raw.Call(weft::FRAME_REMOVE, MakeRemove(f.chain, read_only)).reply.err() == EACCES);
  CHECK(raw.Call(weft::FRAME_REMOVE, MakeRemove(f.chain, forged)).reply.err() == EACCES);
  auto read = MakeRead(kIno, 0, f.chain, 0, 4096);
  CHECK(raw.Call(weft::FRAME_READ, read).reply.err() == EACCES);
  read.set_capability(TestCapability(signer, kIno + 1, kCapRead));
  CHECK(raw.Call(weft::FRAME_READ, read).reply.err() == EACCES);

  // The same connection then serves valid requests: a write through the chain (every replica checks the
  // forwarded capability), and reads with a read-only capability from each replica.
  REQUIRE(write_with(good).err() == 0);
  // Verified capabilities are remembered per connection: that must not let a near-copy through, nor the
  // remembered one serve another inode.
  CHECK(write_with(forged).err() == EACCES);
  auto other_ino = MakeWrite(kIno + 1, 0, f.chain, 0, data);
  other_ino.set_capability(good);
  CHECK(raw.Call(weft::FRAME_WRITE, other_ino, data).reply.err() == EACCES);
  read.set_capability(read_only);
  for (int pos = 0; pos < 3; ++pos) {
    TestDataClient c(f.Addr(pos), nullptr, f.tls());
    auto r = c.Call(weft::FRAME_READ, read);
    REQUIRE(r.reply.err() == 0);
    CHECK(r.payload == data.substr(0, 4096));
  }
  CHECK(raw.Call(weft::FRAME_TRUNCATE, MakeTruncate(f.chain, 4096, good)).reply.err() == 0);
  CHECK(raw.Call(weft::FRAME_REMOVE, MakeRemove(f.chain, good)).reply.err() == 0);
  CHECK(f.cluster.chunk(f.Index(0)).process.running());

  // The refusals are logged with their reason and nothing secret (the key, the credential, the bytes).
  auto log = weft::ReadSmallFile(f.cluster.dir() + "/chunk" + std::to_string(f.Index(0)) + ".log");
  REQUIRE(log.ok());
  CHECK_THAT(*log, Catch::Contains("capability MAC is invalid"));
  CHECK_THAT(*log, !Catch::Contains(f.Key().control_credential()));
  CHECK(log->find(good.substr(22)) == std::string::npos);
}

TEST_CASE("server-internal calls need the cluster key, and a chunk server without it cannot join",
          "[chunk][integration][security]") {
  ChainFixture f;
  // ChunkControl.RemoveChunks (weft-meta's GC) and Stats without the credential: refused.
  auto stub = weft::ChunkControl::NewStub(weft::MakeChannel(f.cluster.chunk(0).control_address, f.tls()));
  {
    grpc::ClientContext ctx;
    weft::PrepareContext(&ctx, std::chrono::seconds(5));
    weft::RemoveChunksRequest req;
    req.set_ino(1);
    weft::RemoveChunksResponse resp;
    CHECK(stub->RemoveChunks(&ctx, req, &resp).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    weft::PrepareContext(&ctx, std::chrono::seconds(5));
    weft::RemoveInodesRequest req;
    req.add_inos(1);
    weft::RemoveInodesResponse resp;
    CHECK(stub->RemoveInodes(&ctx, req, &resp).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    // With the credential: more inodes than one call may carry is refused whole.
    grpc::ClientContext ctx;
    weft::PrepareContext(&ctx, std::chrono::seconds(5));
    f.Key().Attach(&ctx);
    weft::RemoveInodesRequest req;
    for (uint64_t i = 0; i < 5000; ++i) req.add_inos(1000000 + i);
    weft::RemoveInodesResponse resp;
    CHECK(stub->RemoveInodes(&ctx, req, &resp).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext ctx;
    weft::PrepareContext(&ctx, std::chrono::seconds(5));
    ctx.AddMetadata(weft::kClusterCredentialHeader, std::string(64, '0'));
    weft::ChunkStatsResponse resp;
    CHECK(stub->Stats(&ctx, weft::ChunkStatsRequest(), &resp).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  CHECK_NOTHROW(f.Stats(0));  // with it: served

  // Cluster.Register without the credential: refused; GetChainTable stays open to clients.
  auto cluster = weft::Cluster::NewStub(weft::MakeChannel(f.cluster.meta_address(), f.tls()));
  {
    grpc::ClientContext ctx;
    weft::PrepareContext(&ctx, std::chrono::seconds(5));
    weft::RegisterRequest req;
    req.set_address("127.0.0.1:1");
    req.set_control_address("127.0.0.1:2");
    weft::RegisterResponse resp;
    CHECK(cluster->Register(&ctx, req, &resp).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  CHECK(weft::test::FetchTable(f.cluster.meta_address(), f.tls()).servers_size() == 3);

  // weft-chunk refuses to start without a readable key file.
  {
    weft::test::Process p({weft::test::TestCluster::BinDir() + "/weft-chunk", "--listen", "127.0.0.1:0",
                           "--control-listen", "127.0.0.1:0", "--meta", f.cluster.meta_address(), "--data",
                           f.cluster.dir() + "/nokey", "--cluster-key-file", f.cluster.dir() + "/missing.key"},
                          f.cluster.dir() + "/nokey.log");
    REQUIRE(p.WaitExit(10000));
    CHECK(p.exit_status() != 0);
    auto log = weft::ReadSmallFile(f.cluster.dir() + "/nokey.log");
    REQUIRE(log.ok());
    CHECK_THAT(*log, Catch::Contains("cannot load the cluster key"));
  }

  // A chunk server with another key starts but never registers.
  const std::string wrong = f.cluster.dir() + "/wrong.key";
  {
    std::ofstream out(wrong, std::ios::binary);
    out << std::string(32, 'w');
  }
  int i = f.cluster.AddChunk({"--cluster-key-file", wrong});
  CHECK_FALSE(f.cluster.WaitServersUp(4, 1500));
  auto log = weft::ReadSmallFile(f.cluster.dir() + "/chunk" + std::to_string(i) + ".log");
  REQUIRE(log.ok());
  CHECK_THAT(*log, Catch::Contains("cannot register"));
  CHECK_THAT(*log, Catch::Contains("cluster credential"));
}
