// weft-meta: the metadata service. Skeleton: answers Health until the metadata issue lands.
#include <CLI/CLI.hpp>

#include "common/clock.h"
#include "common/flags.h"
#include "common/grpc_util.h"
#include "common/log.h"
#include "common/net.h"
#include "common/signals.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/kv.h"
#include "weft/meta.grpc.pb.h"

namespace {

struct Options {
  std::string listen = "127.0.0.1:7400";  // gRPC address; port 0 picks a free one
  std::string data = "./weft-meta-data";  // RocksDB directory
  std::string ready_file;                 // written with "grpc=HOST:PORT" once serving
  weft::meta::ClusterOptions cluster;
  weft::LogOptions log;
};

class MetaHealth final : public weft::Meta::CallbackService {
 public:
  grpc::ServerUnaryReactor* Health(grpc::CallbackServerContext* ctx, const weft::HealthRequest*,
                                   weft::HealthResponse* resp) override {
    resp->set_service("weft-meta");
    resp->set_version(WEFT_VERSION);
    resp->set_uptime_ms(weft::MonoMs() - start_ms_);
    resp->set_serving(true);
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }

 private:
  int64_t start_ms_ = weft::MonoMs();
};

}  // namespace

int main(int argc, char** argv) {
  weft::BlockShutdownSignals();
  Options opt;
  CLI::App app{"weft-meta: the weft metadata service"};
  app.add_option("--listen", opt.listen, "gRPC listen address")->capture_default_str();
  app.add_option("--data", opt.data, "data directory (RocksDB)")->capture_default_str();
  app.add_option("--ready-file", opt.ready_file, "write the bound address here once serving");
  app.add_option("--heartbeat-interval-ms", opt.cluster.heartbeat_interval_ms, "chunk server heartbeat interval")
      ->capture_default_str();
  app.add_option("--server-timeout-ms", opt.cluster.server_timeout_ms,
                 "a chunk server silent this long is declared down and leaves its chains")
      ->capture_default_str();
  app.add_option("--chains-per-server", opt.cluster.chains_per_server, "chains formed per server and replication")
      ->capture_default_str();
  weft::AddLogFlags(app, &opt.log);
  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;
  weft::InitLogging("weft-meta", opt.log);

  auto kv = weft::meta::OpenRocksKv({.path = opt.data});
  if (!kv.ok()) {
    spdlog::critical("cannot open {}: {}", opt.data, kv.status().ToString());
    return 1;
  }
  auto cluster = weft::meta::ClusterManager::Open(kv->get(), opt.cluster);
  if (!cluster.ok()) {
    spdlog::critical("cannot load cluster state: {}", cluster.status().ToString());
    return 1;
  }
  MetaHealth service;
  auto started = weft::StartGrpcServer(opt.listen, {&service, (*cluster)->service()});
  if (!started.ok()) {
    spdlog::critical("cannot start: {}", started.status().ToString());
    return 1;
  }
  auto hp = weft::ParseHostPort(opt.listen);
  std::string bound = fmt::format("{}:{}", hp.ok() ? hp->host : "127.0.0.1", started->port);
  spdlog::info("serving gRPC on {}", bound);
  if (!opt.ready_file.empty()) {
    if (auto s = weft::WriteFileAtomic(opt.ready_file, "grpc=" + bound + "\n"); !s.ok()) {
      spdlog::critical("ready file: {}", s.ToString());
      return 1;
    }
  }
  int sig = weft::WaitForShutdownSignal();
  spdlog::info("signal {}: shutting down", sig);
  started->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  (*cluster)->Stop();
  return 0;
}
