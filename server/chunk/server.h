// weft-chunk's process: options (every field documented with its default), their flags, and the server
// that wires the chunk store, the data plane, the control plane and cluster membership together.
//
// Thread-safety: RunServer is called once, from main, after BlockShutdownSignals().
#pragma once

#include <string>
#include <vector>

#include "common/log.h"
#include "common/tls.h"
#include "server/chunk/buffer_pool.h"
#include "server/chunk/data_server.h"
#include "server/chunk/meta_store.h"
#include "server/chunk/service.h"

namespace CLI {
class App;
}

namespace weft::chunk {

struct ServerOptions {
  std::string listen = "127.0.0.1:7500";          // data-plane address; port 0 picks one; default :7500
  std::string control_listen = "127.0.0.1:7501";  // gRPC ChunkControl address; default :7501
  std::string advertise_host;                     // host clients use to reach this server; default: listen's
  std::string meta = "127.0.0.1:7400";            // weft-meta; default :7400
  std::string cluster_key_file;                   // REQUIRED: the cluster key weft-meta created (0600)
  std::vector<std::string> data_dirs;             // REQUIRED: one per disk; the first also holds metadata
  std::string failure_domain;                     // rack or host group; default ""
  std::string ready_file;                         // "control=HOST:PORT\ndata=HOST:PORT\n" once serving
  std::string durability = "sync";               // sync (fdatasync + synced metadata) | none; default sync
  std::string io_backend = "uring";               // uring | threads; default uring (threads if refused)
  size_t fd_cache = 1024;                         // open chunk files kept; default 1024
  size_t meta_cache_mb = 16;                      // decoded chunk records kept for reads; default 16 MiB
  bool direct_io = true;                          // O_DIRECT chunk files; default true
  BufferPoolOptions buffers;                      // default 16 x (4 MiB + 8 KiB), registered with the ring
  DataServerOptions data;                         // default 64 requests / 64 MiB per connection
  ServiceOptions service;                         // default 10 s forward timeout, 16 MiB chunks
  int shutdown_grace_ms = 5000;                   // wait for running requests on SIGTERM; default 5 s
  // The process's memory, MiB (FitMemoryBudget); default 1024. 0 = leave every knob as given.
  uint64_t memory_budget_mb = 1024;
  MetaStoreMemory records_memory;                 // the chunk-record store's caches; set by FitMemoryBudget
  TlsFiles tls;                                   // TLS on both ports and toward peers; default off
  LogOptions log;
};

// Fits the knobs that hold memory into memory_budget_mb: kChunkReserveBytes for the process itself;
// the record store's block cache (at most 1/16 of the budget) and memtables (2 x 1/32); the registered
// I/O buffers (at most 1/8); the record cache (1/32); then half of what is left for client request bytes
// in flight (--client-inflight-mb) and an eighth per connection (peers' forwarded writes included).
// Lowers, never raises. EINVAL when less than 32 MiB would be left for requests.
inline constexpr uint64_t kChunkReserveBytes = 64ull << 20;
Status FitMemoryBudget(ServerOptions* o);

// Registers every flag on app (the test fixture passes --listen, --control-listen, --meta, --data,
// --cluster-key-file, --failure-domain, --ready-file, --log-level; single-valued flags keep the last value
// given).
void AddServerFlags(CLI::App& app, ServerOptions* opts);

// Runs until SIGTERM/SIGINT, then shuts down gracefully. Returns the process exit code.
int RunServer(const ServerOptions& opts);

}  // namespace weft::chunk
