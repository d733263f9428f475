#include "server/meta/server.h"

#include <spdlog/spdlog.h>

#include "common/cluster_key.h"
#include "common/grpc_util.h"
#include "common/net.h"
#include "common/signals.h"
#include "server/meta/core.h"
#include "server/meta/kv.h"
#include "server/meta/service/admin_service.h"
#include "server/meta/service/admin_token.h"
#include "server/meta/service/auth.h"
#include "server/meta/service/capability_issuer.h"
#include "server/meta/service/meta_service.h"
#include "server/meta/service/meta_wire_server.h"

namespace weft::meta {

int RunServer(const ServerOptions& opt) {
  auto kv = OpenRocksKv({.path = opt.data});
  if (!kv.ok()) {
    spdlog::critical("cannot open {}: {}", opt.data, kv.status().ToString());
    return 1;
  }
  const std::string key_file = opt.cluster_key_file.empty() ? opt.data + "/cluster.key" : opt.cluster_key_file;
  auto key = ClusterKey::LoadOrCreate(key_file);
  if (!key.ok()) {
    spdlog::critical("cannot load the cluster key: {}", key.status().ToString());
    return 1;
  }
  spdlog::info("cluster key {:08x} from {}; capabilities valid {} ms", key->key_id(), key_file, opt.capability_ttl_ms);
  auto tls = Tls::Load(opt.tls, /*server=*/true);
  if (!tls.ok()) {
    spdlog::critical("{}", tls.status().ToString());
    return 1;
  }
  auto cluster = ClusterManager::Open(kv->get(), opt.cluster, &*key, tls->get());
  if (!cluster.ok()) {
    spdlog::critical("cannot load cluster state: {}", cluster.status().ToString());
    return 1;
  }
  auto core = MetaCore::Open(kv->get(), cluster->get(), opt.meta);
  if (!core.ok()) {
    spdlog::critical("cannot load metadata: {}", core.status().ToString());
    return 1;
  }
  const std::string token_file = opt.admin_token_file.empty() ? opt.data + "/admin.token" : opt.admin_token_file;
  if (auto s = InstallAdminToken(core->get(), token_file); !s.ok()) {
    spdlog::critical("admin token: {}", s.ToString());
    return 1;
  }
  Auth auth(kv->get(), &(*core)->sessions());
  CapabilityIssuer caps(*key, opt.capability_ttl_ms);
  MetaService meta(core->get(), cluster->get(), &auth, &caps, opt.version);
  AdminService admin(core->get(), cluster->get(), &auth, opt.version);
  // Meta and Admin authenticate every call with a bearer token (service/auth.h). The Cluster service
  // (chunk servers: Register, Heartbeat, GetChainTable) authenticates with a credential derived from the
  // cluster key (cluster_manager.cc), not with bearer tokens.
  auto started = StartGrpcServer(opt.listen, {&meta, &admin, (*cluster)->service()}, tls->get(),
                                 opt.max_call_threads);
  if (!started.ok()) {
    spdlog::critical("cannot start: {}", started.status().ToString());
    return 1;
  }
  auto hp = ParseHostPort(opt.listen);
  std::string bound = fmt::format("{}:{}", hp.ok() ? hp->host : "127.0.0.1", started->port);
  spdlog::info("serving gRPC on {} ({}; data {}, session TTL {} ms)", bound, *tls ? "TLS" : "plain text", opt.data,
               opt.meta.session_ttl_ms);
  std::unique_ptr<MetaWireServer> wire;
  if (*tls || opt.wire_listen == "off") {
    spdlog::info("metadata wire off ({}): clients use gRPC", *tls ? "TLS is on" : "--wire-listen off");
  } else {
    MetaWireOptions wo;
    wo.listen = opt.wire_listen;
    if (wo.listen.empty()) {
      HostPort any{hp.ok() ? hp->host : "127.0.0.1", 0};
      wo.listen = any.ToString();
    }
    wo.max_connections = opt.wire_max_connections;
    auto w = MetaWireServer::Start(wo, &meta);
    if (!w.ok()) {
      spdlog::critical("{}", w.status().ToString());
      return 1;
    }
    wire = std::move(*w);
    meta.set_wire_port(wire->port());
    spdlog::info("serving the metadata wire on port {} (at most {} connections)", wire->port(),
                 wo.max_connections);
  }
  if (!opt.ready_file.empty()) {
    if (auto s = WriteFileAtomic(opt.ready_file, "grpc=" + bound + "\n"); !s.ok()) {
      spdlog::critical("ready file: {}", s.ToString());
      return 1;
    }
  }
  int sig = WaitForShutdownSignal();
  spdlog::info("signal {}: shutting down", sig);
  // In-flight calls finish (the sequencer still runs) before the core stops.
  started->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (wire) wire->Stop();
  (*core)->Stop();
  (*cluster)->Stop();
  return 0;
}

}  // namespace weft::meta
