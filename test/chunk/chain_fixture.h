// A real cluster (test/fixture/cluster.h: weft-meta + 3 weft-chunk processes) and one chain of three
// servers from weft-meta's chain table, with the helpers the chunk-server integration tests share.
#pragma once

#include <stdexcept>
#include <string>

#include "common/grpc_util.h"
#include "test/chunk/data_client.h"
#include "test/fixture/cluster.h"
#include "weft/cluster.grpc.pb.h"

namespace weft::test {

class ChainFixture {
 public:
  explicit ChainFixture(ClusterOptions opts = {}) : cluster(std::move(opts)) {
    chain = WaitChain(cluster.meta_address(), 3);
    table = FetchTable(cluster.meta_address());
  }

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
    chain = GetChain(cluster.meta_address(), chain.id());
    table = FetchTable(cluster.meta_address());
  }
  ChunkStatsResponse Stats(int pos) {
    auto stub = ChunkControl::NewStub(MakeChannel(cluster.chunk(Index(pos)).control_address));
    grpc::ClientContext ctx;
    PrepareContext(&ctx, std::chrono::seconds(5));
    ChunkStatsResponse resp;
    grpc::Status s = stub->Stats(&ctx, ChunkStatsRequest(), &resp);
    if (!s.ok()) throw std::runtime_error("Stats: " + s.error_message());
    return resp;
  }

  TestCluster cluster;
  ChainInfo chain;
  ChainTable table;
};

}  // namespace weft::test
