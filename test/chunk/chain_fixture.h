// A real cluster (test/fixture/cluster.h: weft-meta + 3 weft-chunk processes) and one chain of three
// servers from weft-meta's chain table, with the helpers the chunk-server integration tests share.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/capability.h"
#include "common/cluster_key.h"
#include "common/grpc_util.h"
#include "test/chunk/data_client.h"
#include "test/fixture/cluster.h"
#include "weft/cluster.grpc.pb.h"

namespace weft::test {

class ChainFixture {
 public:
  explicit ChainFixture(ClusterOptions opts = {}) : cluster(std::move(opts)) {
    chain = WaitChain(cluster.meta_address(), cluster.tls(), 3);
    table = FetchTable(cluster.meta_address(), cluster.tls());
  }

  // The cluster's TLS (null when off), for TestDataClient.
  const weft::Tls* tls() const { return cluster.tls(); }
  // The data address of the server at position pos of the chain.
  std::string Addr(int pos) const { return ServerAddress(table, chain.servers(pos)); }
  // The fixture's index of the server at position pos.
  int Index(int pos) {
    std::string a = Addr(pos);
    for (int i = 0; i < cluster.chunk_count(); ++i) {
      if (cluster.chunk(i).data_address == a) return i;
    }
    throw std::runtime_error("no fixture server at " + a);
  }
  void Refresh() {
    chain = GetChain(cluster.meta_address(), cluster.tls(), chain.id());
    table = FetchTable(cluster.meta_address(), cluster.tls());
  }
  ChunkStatsResponse Stats(int pos) {
    auto stub = ChunkControl::NewStub(MakeChannel(cluster.chunk(Index(pos)).control_address, cluster.tls()));
    grpc::ClientContext ctx;
    PrepareContext(&ctx, std::chrono::seconds(5));
    Key().Attach(&ctx);
    ChunkStatsResponse resp;
    grpc::Status s = stub->Stats(&ctx, ChunkStatsRequest(), &resp);
    if (!s.ok()) throw std::runtime_error("Stats: " + s.error_message());
    return resp;
  }

  // The cluster's key (weft-meta created it) and a signer over it, standing in for weft-meta's.
  const ClusterKey& Key() {
    if (!key_) {
      auto k = ClusterKey::Load(cluster.cluster_key_file());
      if (!k.ok()) throw std::runtime_error(k.status().ToString());
      key_.emplace(std::move(*k));
      signer_ = std::make_unique<CapabilitySigner>(*key_);
    }
    return *key_;
  }
  const CapabilitySigner* Signer() {
    Key();
    return signer_.get();
  }

  TestCluster cluster;
  ChainInfo chain;
  ChainTable table;

 private:
  std::optional<ClusterKey> key_;
  std::unique_ptr<CapabilitySigner> signer_;
};

}  // namespace weft::test
