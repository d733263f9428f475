// weft-chunk: the chunk server. Skeleton: answers Health until the chunk-server issue lands.
#include <CLI/CLI.hpp>

#include "common/clock.h"
#include "common/flags.h"
#include "common/grpc_util.h"
#include "common/log.h"
#include "common/net.h"
#include "common/signals.h"
#include "weft/cluster.grpc.pb.h"

namespace {

struct Options {
  std::string listen = "127.0.0.1:7500";          // data-plane address
  std::string control_listen = "127.0.0.1:7501";  // gRPC address; port 0 picks a free one
  std::string meta = "127.0.0.1:7400";
  std::vector<std::string> data_dirs;
  std::string ready_file;
  std::string failure_domain;
  weft::LogOptions log;
};

class ChunkHealth final : public weft::ChunkControl::CallbackService {
 public:
  grpc::ServerUnaryReactor* Health(grpc::CallbackServerContext* ctx, const weft::HealthRequest*,
                                   weft::HealthResponse* resp) override {
    resp->set_service("weft-chunk");
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
  CLI::App app{"weft-chunk: the weft chunk server"};
  app.add_option("--listen", opt.listen, "data-plane listen address")->capture_default_str();
  app.add_option("--control-listen", opt.control_listen, "gRPC listen address")->capture_default_str();
  app.add_option("--meta", opt.meta, "metadata service address")->capture_default_str();
  app.add_option("--data", opt.data_dirs, "data directory (repeat for several disks)");
  app.add_option("--ready-file", opt.ready_file, "write the bound addresses here once serving");
  app.add_option("--failure-domain", opt.failure_domain, "rack or host group; chains spread across these");
  weft::AddLogFlags(app, &opt.log);
  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;
  weft::InitLogging("weft-chunk", opt.log);

  ChunkHealth service;
  auto started = weft::StartGrpcServer(opt.control_listen, {&service});
  if (!started.ok()) {
    spdlog::critical("cannot start: {}", started.status().ToString());
    return 1;
  }
  auto hp = weft::ParseHostPort(opt.control_listen);
  std::string bound = fmt::format("{}:{}", hp.ok() ? hp->host : "127.0.0.1", started->port);
  spdlog::info("serving control gRPC on {}", bound);
  if (!opt.ready_file.empty()) {
    if (auto s = weft::WriteFileAtomic(opt.ready_file, "control=" + bound + "\ndata=" + bound + "\n"); !s.ok()) {
      spdlog::critical("ready file: {}", s.ToString());
      return 1;
    }
  }
  int sig = weft::WaitForShutdownSignal();
  spdlog::info("signal {}: shutting down", sig);
  started->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}
