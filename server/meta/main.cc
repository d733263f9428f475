// weft-meta: the metadata service (default), or `weft-meta check --data DIR`, the offline checker.
#include <CLI/CLI.hpp>

#include "common/flags.h"
#include "common/log.h"
#include "common/signals.h"
#include "server/meta/check/check_command.h"
#include "server/meta/server.h"

int main(int argc, char** argv) {
  weft::BlockShutdownSignals();
  weft::meta::ServerOptions opt;
  opt.version = WEFT_VERSION;
  weft::LogOptions log;
  std::vector<std::string> classes;
  std::string grant_increment = "64Mi";
  CLI::App app{"weft-meta: the weft metadata service"};
  app.add_option("--listen", opt.listen, "gRPC listen address")->capture_default_str();
  app.add_option("--data", opt.data, "data directory (RocksDB)")->capture_default_str();
  app.add_option("--ready-file", opt.ready_file, "write the bound address here once serving");
  app.add_option("--admin-token-file", opt.admin_token_file,
                 "the admin token: read from this file, or created in it (mode 0600) when missing"
                 " (default DATA/admin.token)");
  app.add_option("--heartbeat-interval-ms", opt.cluster.heartbeat_interval_ms, "chunk server heartbeat interval")
      ->capture_default_str();
  app.add_option("--server-timeout-ms", opt.cluster.server_timeout_ms,
                 "a chunk server silent this long is declared down and leaves its chains")
      ->capture_default_str();
  app.add_option("--chains-per-server", opt.cluster.chains_per_server, "chains formed per server and replication")
      ->capture_default_str();
  app.add_option("--cluster-key-file", opt.cluster_key_file,
                 "cluster key shared with the chunk servers (created, mode 0600, if missing; default DATA/cluster.key)");
  app.add_option("--capability-ttl-ms", opt.capability_ttl_ms, "data-path capabilities are valid this long")
      ->capture_default_str()
      ->check(CLI::Range(1000u, 86400000u));
  app.add_option("--session-ttl-ms", opt.meta.session_ttl_ms, "a client session not renewed this long expires")
      ->capture_default_str();
  app.add_option("--grant-increment", grant_increment, "space grants reserve quota in multiples of this")
      ->capture_default_str();
  app.add_option("--class", classes,
                 "override or add a volume class, e.g. small:quota=10Gi,inodes=1M,replication=3,stripe=4,chunk=4Mi"
                 " (repeatable)");
  app.add_option("--gc-interval-ms", opt.meta.gc_interval_ms, "GC queue rescan interval")->capture_default_str();
  app.add_option("--dir-lease-ms", opt.meta.dir_lease_ms,
                 "directory leases (a client answers lookups in a directory it made itself) last this long past "
                 "each of its adds; another client's first add to such a directory waits at most this long (0 = off)")
      ->capture_default_str();
  app.add_option("--max-call-threads", opt.max_call_threads,
                 "metadata calls served at once (calls past it are refused busy and retried by clients)")
      ->check(CLI::Range(4, 4096))
      ->capture_default_str();
  app.add_option("--wire-listen", opt.wire_listen,
                 "metadata wire address (HOST:PORT), 'off', or empty for --listen's host on a free port;"
                 " never with TLS")
      ->capture_default_str();
  app.add_option("--wire-max-connections", opt.wire_max_connections,
                 "metadata wire connections served at once (clients past it use gRPC)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 65536u));
  app.add_flag("!--no-sync", opt.meta.sync, "never fsync the log (benchmarks only: a machine crash loses acknowledged ops)");
  app.add_flag("--sync-each-change", opt.meta.sync_each_change,
               "sync every namespace change before its reply (default: within --sync-interval-ms, and at a "
               "client's fsync)");
  app.add_option("--sync-interval-ms", opt.meta.sync_interval_ms,
                 "namespace changes acknowledged unsynced are synced within this")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10000u));
  weft::AddTlsFlags(app, &opt.tls, /*server=*/true);
  weft::AddLogFlags(app, &log);
  std::string check_data;
  CLI::App* check = app.add_subcommand("check", "verify the metadata of a stopped weft-meta and exit");
  check->add_option("--data", check_data, "data directory (RocksDB)")->required();
  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;
  if (*check) return weft::meta::RunCheck(check_data);

  weft::InitLogging("weft-meta", log);
  auto inc = weft::meta::ParseSize(grant_increment);
  if (!inc.ok() || *inc == 0) {
    spdlog::critical("--grant-increment: {}", inc.ok() ? "must be > 0" : inc.status().ToString());
    return 2;
  }
  opt.meta.grant_increment = *inc;
  for (const auto& spec : classes) {
    if (auto s = weft::meta::ApplyClassSpec(spec, &opt.meta.classes); !s.ok()) {
      spdlog::critical("--class: {}", s.ToString());
      return 2;
    }
  }
  return weft::meta::RunServer(opt);
}
