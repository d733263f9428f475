// ClusterManager::RemoveInodes against scripted chunk servers on loopback: one RemoveInodes call per
// server for a batch, RemoveChunks per inode on a server that does not know RemoveInodes (an older
// weft-chunk), and each failure reported for exactly the inodes it concerns.
#include <catch2/catch.hpp>

#include <mutex>
#include <set>

#include <grpcpp/grpcpp.h>

#include "common/cluster_key.h"
#include "common/grpc_util.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/kv.h"
#include "weft/cluster.grpc.pb.h"

using namespace weft;
using weft::meta::ClusterManager;

namespace {

// A chunk server's control service that records what it was asked. `batched` false: RemoveInodes is
// not overridden, so gRPC answers it UNIMPLEMENTED, as an older weft-chunk would. fail_ino: the inode
// whose removal fails.
class FakeControl final : public ChunkControl::Service {
 public:
  FakeControl(bool batched, uint64_t fail_ino) : batched_(batched), fail_ino_(fail_ino) {}
  grpc::Status RemoveChunks(grpc::ServerContext*, const RemoveChunksRequest* req, RemoveChunksResponse*) override {
    std::lock_guard lock(mu_);
    ++single_calls;
    if (req->ino() == fail_ino_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "disk gone");
    removed.insert(req->ino());
    return grpc::Status::OK;
  }
  grpc::Status RemoveInodes(grpc::ServerContext* ctx, const RemoveInodesRequest* req, RemoveInodesResponse* resp) override {
    if (!batched_) return ChunkControl::Service::RemoveInodes(ctx, req, resp);
    std::lock_guard lock(mu_);
    ++batch_calls;
    for (uint64_t ino : req->inos()) {
      if (ino == fail_ino_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "disk gone");
    }
    removed.insert(req->inos().begin(), req->inos().end());
    return grpc::Status::OK;
  }
  std::mutex mu_;
  std::set<uint64_t> removed;
  int single_calls = 0, batch_calls = 0;

 private:
  const bool batched_;
  const uint64_t fail_ino_;
};

struct Served {
  std::unique_ptr<grpc::Server> server;
  std::string address;
};
Served Serve(grpc::Service* service) {
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(service);
  Served s{b.BuildAndStart(), ""};
  REQUIRE(s.server);
  s.address = "127.0.0.1:" + std::to_string(port);
  return s;
}

// weft-meta's cluster manager with one registered server whose control service is `control`; returns
// the layout of an inode striped over that server's chain of replication 1.
struct MetaWithOneServer {
  explicit MetaWithOneServer(grpc::Service* control) : key(ClusterKey::FromBytes(std::string(32, 'k'))), kv(meta::NewMemKv()) {
    meta::ClusterOptions o;
    o.max_replication = 1;
    o.chains_per_server = 1;
    auto m = ClusterManager::Open(kv.get(), o, &key, nullptr);
    REQUIRE(m.ok());
    manager = std::move(*m);
    meta = Serve(manager->service());
    chunk = Serve(control);
    auto stub = weft::Cluster::NewStub(MakeChannel(meta.address, nullptr));
    grpc::ClientContext ctx;
    PrepareContext(&ctx, std::chrono::seconds(5));
    key.Attach(&ctx);
    RegisterRequest req;
    req.set_address("127.0.0.1:1");  // the data plane is not used here
    req.set_control_address(chunk.address);
    RegisterResponse resp;
    REQUIRE(stub->Register(&ctx, req, &resp).ok());
    auto chains = manager->PickStripe(1, 1);
    REQUIRE(chains.size() == 1);
    layout.add_chains(chains[0]);
  }
  ~MetaWithOneServer() {
    chunk.server->Shutdown();
    meta.server->Shutdown();
  }
  ClusterKey key;
  std::unique_ptr<meta::KvStore> kv;
  std::unique_ptr<ClusterManager> manager;
  Served meta, chunk;
  Layout layout;
};

}  // namespace

TEST_CASE("RemoveInodes makes one call per server, and reports only the inodes a failure concerns",
          "[meta][cluster][gc]") {
  FakeControl control(/*batched=*/true, /*fail_ino=*/0);
  MetaWithOneServer c(&control);
  std::vector<std::pair<uint64_t, Layout>> inodes;
  for (uint64_t ino = 100; ino < 110; ++ino) inodes.emplace_back(ino, c.layout);
  CHECK(c.manager->RemoveInodes(inodes).empty());
  CHECK(control.batch_calls == 1);
  CHECK(control.single_calls == 0);
  CHECK(control.removed.size() == 10);
}

TEST_CASE("a failed RemoveInodes call fails every inode it carried", "[meta][cluster][gc]") {
  FakeControl control(/*batched=*/true, /*fail_ino=*/105);
  MetaWithOneServer c(&control);
  std::vector<std::pair<uint64_t, Layout>> inodes;
  for (uint64_t ino = 100; ino < 110; ++ino) inodes.emplace_back(ino, c.layout);
  auto failed = c.manager->RemoveInodes(inodes);
  CHECK(failed.size() == 10);
  CHECK(failed.at(105).err() != 0);
}

TEST_CASE("a server without RemoveInodes gets RemoveChunks per inode, and one failure fails that inode only",
          "[meta][cluster][gc]") {
  FakeControl control(/*batched=*/false, /*fail_ino=*/103);
  MetaWithOneServer c(&control);
  std::vector<std::pair<uint64_t, Layout>> inodes;
  for (uint64_t ino = 100; ino < 106; ++ino) inodes.emplace_back(ino, c.layout);
  auto failed = c.manager->RemoveInodes(inodes);
  CHECK(control.single_calls == 6);
  REQUIRE(failed.size() == 1);
  CHECK(failed.count(103) == 1);
  CHECK(control.removed == std::set<uint64_t>{100, 101, 102, 104, 105});
}

TEST_CASE("RemoveInodes to a server that is gone fails every inode, within the call's deadline",
          "[meta][cluster][gc]") {
  FakeControl control(/*batched=*/true, /*fail_ino=*/0);
  MetaWithOneServer c(&control);
  c.chunk.server->Shutdown();
  c.chunk.server->Wait();
  auto failed = c.manager->RemoveInodes({{7, c.layout}, {8, c.layout}});
  CHECK(failed.size() == 2);
}
