// The weft-meta server: opens the RocksDB store, the cluster manager and the metadata core, serves
// Meta, Admin and Cluster over gRPC, writes the ready file, and on SIGINT/SIGTERM drains and stops.
//
// Thread-safety: RunServer is called once from main.
#pragma once

#include <string>

#include "common/tls.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/meta_options.h"

namespace weft::meta {

struct ServerOptions {
  std::string listen = "127.0.0.1:7400";  // gRPC address; port 0 picks a free one
  std::string data = "./weft-meta-data";  // RocksDB directory
  std::string ready_file;                 // written with "grpc=HOST:PORT" once serving ("" = none)
  // The admin token: read from this file, or created there (mode 0600) when missing. "" = <data>/admin.token.
  std::string admin_token_file;
  std::string version = "dev";            // reported by Health and ClusterStatus
  // The cluster key shared with the chunk servers (common/cluster_key.h); created (random, mode 0600)
  // when missing. Default "" = <data>/cluster.key.
  std::string cluster_key_file;
  // Data-path capabilities handed out by Open/Create/GetCapability are valid this long. Default 10 min.
  uint32_t capability_ttl_ms = 600000;
  // TLS on the gRPC port, and toward chunk servers' control ports (common/tls.h); default off.
  TlsFiles tls;
  // Threads serving metadata calls at once (each holds one call, a mutation until its group commits);
  // calls past it are refused RESOURCE_EXHAUSTED, which clients retry. Default 256.
  int max_call_threads = 256;
  // The metadata wire (common/meta_wire.h): "" = --listen's host on a free port (the default), "off" =
  // none, or "HOST:PORT". Never with TLS: clients of a TLS weft-meta use gRPC.
  std::string wire_listen;
  uint32_t wire_max_connections = 1024;  // wire connections served at once; default 1024
  ClusterOptions cluster;
  MetaOptions meta;
};

// Serves until a shutdown signal. REQUIRES: BlockShutdownSignals() was called before any thread
// started. Returns the process exit code.
int RunServer(const ServerOptions& options);

}  // namespace weft::meta
