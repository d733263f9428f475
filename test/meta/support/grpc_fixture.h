// The integration-test fixture: a real weft-meta (RocksDB, gRPC) started by TestCluster (with no chunk
// servers unless asked), a gRPC transport to it, and client `c` mounted on volume "v" of tenant "t" as root.
//
// Thread-safety: one test thread (clients may be copied to other threads).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "test/fixture/cluster.h"
#include "test/meta/support/client.h"

namespace weft::meta::test {

// How the fixture's client reaches weft-meta's session calls: gRPC, or the metadata wire (which a TLS
// cluster does not serve: there the fixture uses gRPC, and over_wire() says so).
enum class Via { kGrpc, kWire };

class GrpcFixture {
 public:
  // chunk_servers > 0 starts that many weft-chunk processes and waits until they have registered.
  explicit GrpcFixture(std::vector<std::string> meta_args = {}, int chunk_servers = 0, Via via = Via::kGrpc);
  bool over_wire() const { return over_wire_; }

  weft::test::TestCluster& cluster() { return *cluster_; }
  Transport& transport() { return *transport_; }
  TestClient NewClient() { return TestClient(transport_.get()); }
  std::string data_dir() const { return cluster_->dir() + "/meta"; }
  // Stops weft-meta (sig), runs `weft-meta check --data`, starts it again. Returns the exit code;
  // *output gets what the checker printed.
  int StopCheckRestart(std::string* output, int sig = SIGTERM);
  // Runs `weft-meta check` on the (stopped) store.
  int RunChecker(std::string* output);
  ClusterStatusResponse Status();
  // Waits until ClusterStatus reports no GC backlog. False on timeout.
  bool WaitGcDrained(int timeout_ms = 10000);

  TestClient c;

 private:
  std::unique_ptr<weft::test::TestCluster> cluster_;
  std::unique_ptr<Transport> transport_;
  bool over_wire_ = false;
};

}  // namespace weft::meta::test
