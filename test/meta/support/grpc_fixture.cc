#include "test/meta/support/grpc_fixture.h"

#include <catch2/catch.hpp>

#include <thread>

#include "common/grpc_status.h"
#include "common/grpc_util.h"

namespace weft::meta::test {

GrpcFixture::GrpcFixture(std::vector<std::string> meta_args, int chunk_servers, Via via) : c(nullptr) {
  weft::test::ClusterOptions o;
  o.chunk_servers = chunk_servers;
  o.meta_args = std::move(meta_args);
  cluster_ = std::make_unique<weft::test::TestCluster>(o);
  over_wire_ = via == Via::kWire && !cluster_->tls();
  transport_ = over_wire_ ? NewWireTransport(cluster_->meta_address(), cluster_->admin_token())
                          : NewGrpcTransport(cluster_->meta_address(), cluster_->tls(), cluster_->admin_token());
  c = TestClient(transport_.get());
  REQUIRE(c.CreateTenant("t").ok());
  REQUIRE(c.CreateVolume("v", "t").ok());
  REQUIRE(c.MountVolume("v").ok());
}

int GrpcFixture::RunChecker(std::string* output) {
  return weft::test::RunCommand(weft::test::TestCluster::BinDir() + "/weft-meta check --data " + data_dir(), output);
}

int GrpcFixture::StopCheckRestart(std::string* output, int sig) {
  cluster_->meta().Stop(sig, 10000);
  int rc = RunChecker(output);
  cluster_->RestartMeta(SIGTERM);
  return rc;
}

ClusterStatusResponse GrpcFixture::Status() {
  auto stub = Admin::NewStub(MakeChannel(cluster_->meta_address(), cluster_->tls()));
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::seconds(10), cluster_->admin_token());
  ClusterStatusResponse r;
  REQUIRE(stub->ClusterStatus(&ctx, ClusterStatusRequest(), &r).ok());
  return r;
}

bool GrpcFixture::WaitGcDrained(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Status().gc_pending() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace weft::meta::test
