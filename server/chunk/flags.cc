// weft-chunk's flags: one per ServerOptions field that deployments tune.
#include <CLI/CLI.hpp>

#include "server/chunk/server.h"

namespace weft::chunk {

void AddServerFlags(CLI::App& app, ServerOptions* o) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--listen", o->listen, "data-plane listen address (port 0 picks one)")->capture_default_str();
  app.add_option("--control-listen", o->control_listen, "gRPC listen address (port 0 picks one)")
      ->capture_default_str();
  app.add_option("--advertise-host", o->advertise_host, "host name clients reach this server by (default: listen's)");
  app.add_option("--meta", o->meta, "weft-meta address")->capture_default_str();
  app.add_option("--cluster-key-file", o->cluster_key_file,
                 "the cluster key file weft-meta created (required; copy it with mode 0600)");
  app.add_option_function<int>(
      "--capability-skew-ms", [o](int ms) { o->service.capability_skew = std::chrono::milliseconds(ms); },
      "accept capabilities this long past their expiry (clock skew; default 5000)");
  app.add_option("--data", o->data_dirs, "data directory (repeat for several disks; the first holds metadata)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--failure-domain", o->failure_domain, "rack or host group; chains spread across these");
  app.add_option("--ready-file", o->ready_file, "write the bound addresses here once serving");
  app.add_option("--durability", o->durability, "sync: fdatasync data and sync metadata before acknowledging; none")
      ->check(CLI::IsMember({"sync", "none"}))
      ->capture_default_str();
  app.add_option("--io-backend", o->io_backend, "uring or threads (pread/pwrite)")
      ->check(CLI::IsMember({"uring", "threads"}))
      ->capture_default_str();
  app.add_option("--fd-cache", o->fd_cache, "open chunk files kept")->capture_default_str();
  app.add_option("--meta-cache-mb", o->meta_cache_mb, "MiB of chunk records (CRCs) kept in memory for reads")
      ->capture_default_str();
  app.add_option("--direct-io", o->direct_io, "open chunk files with O_DIRECT")->capture_default_str();
  app.add_option("--io-buffers", o->buffers.buffers, "registered I/O buffers")->capture_default_str();
  app.add_option("--max-requests-per-connection", o->data.max_requests, "requests in flight per connection")
      ->capture_default_str();
  app.add_option_function<uint64_t>(
      "--client-inflight-mb", [o](uint64_t mb) { o->data.client_bytes = mb << 20; },
      "client request bytes in flight, whole server, in MiB (default 1024)");
  app.add_option_function<int>(
      "--forward-timeout-ms", [o](int ms) { o->service.forward_timeout = std::chrono::milliseconds(ms); },
      "wait this long for the rest of the chain (default 10000)");
  app.add_option_function<uint64_t>(
      "--fill-rate-mb", [o](uint64_t mb) { o->service.fill_rate_bytes = mb << 20; },
      "re-replication: copy chunks into this server at most this many MiB/s, all chains together (default 0: "
      "as fast as the disks and network allow)");
  app.add_option("--shutdown-grace-ms", o->shutdown_grace_ms, "wait for running requests on SIGTERM")
      ->capture_default_str();
  app.add_option("--memory-budget-mb", o->memory_budget_mb,
                 "memory this process may use: fits the record store's caches, --io-buffers, --meta-cache-mb and "
                 "the request bytes in flight into it (0: as given)")
      ->capture_default_str();
  AddTlsFlags(app, &o->tls, /*server=*/true);
  AddLogFlags(app, &o->log);
}

}  // namespace weft::chunk
