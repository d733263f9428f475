// Cluster membership inside weft-meta: chunk servers register and heartbeat (the Cluster gRPC service),
// chains of each replication factor are formed from the registered servers (spread across failure
// domains), a server that misses its heartbeat deadline leaves its chains (their versions bump), and the
// versioned chain table is served to clients and servers. State persists in the metadata KV store under
// the key prefix "C" (see docs/meta-keys.md).
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/cluster_key.h"
#include "common/tls.h"
#include "common/status.h"
#include "server/meta/kv.h"
#include "weft/admin.pb.h"
#include "weft/common.pb.h"

namespace weft::meta {

struct ClusterOptions {
  uint32_t heartbeat_interval_ms = 1000;  // what servers are told to use; default 1 s
  uint32_t server_timeout_ms = 10000;     // missed-heartbeat deadline before a server is down; default 10 s
  uint32_t chains_per_server = 4;         // chains formed per server and replication factor; default 4
  uint32_t max_replication = 3;           // chains are formed for replication 1..max; default 3
};

class ClusterManager {
 public:
  // Loads persisted membership from kv (not owned; must outlive the manager) and starts the failure
  // detector thread. key (not owned; must outlive the manager) authenticates the server-internal calls:
  // Register and Heartbeat must carry its control credential, and RemoveChunks calls carry it.
  // tls (null = plain text; else not owned, must outlive the manager) secures the calls to chunk servers.
  static StatusOr<std::unique_ptr<ClusterManager>> Open(KvStore* kv, const ClusterOptions& options,
                                                        const ClusterKey* key, const Tls* tls);
  virtual ~ClusterManager() = default;

  // The weft.Cluster gRPC service (Register, Heartbeat, GetChainTable) to register on the server.
  // Register and Heartbeat are refused (EACCES) without the cluster credential; GetChainTable is not
  // checked here: clients read the chain table too (client/chain_map.cc), so it is a client call, for
  // the bearer-token auth of client calls to cover.
  virtual grpc::Service* service() = 0;

  // Chain ids for a new inode's stripe: `width` chains whose target length is `replication`, chosen to
  // spread load. Empty when no such chain exists yet (metadata-only use before servers register).
  virtual std::vector<uint32_t> PickStripe(uint32_t replication, uint32_t width) = 0;

  virtual ChainTable Snapshot() const = 0;
  virtual uint64_t version() const = 0;

  // Removes every chunk of `ino` with index >= from_index from every live server of the layout's
  // chains (ChunkControl.RemoveChunks). OK when all of them acknowledged.
  virtual Status RemoveChunks(const Layout& layout, uint64_t ino, uint32_t from_index) = 0;
  // Removes every chunk of each (inode, its layout) from every live server of its chains: one
  // ChunkControl.RemoveInodes call per server for up to 1024 inodes (weft-meta's garbage collection),
  // RemoveChunks per inode on a server too old to know that call. Returns the inodes whose removal
  // failed on some server, each with why; empty when every server acknowledged every inode.
  virtual std::map<uint64_t, Status> RemoveInodes(const std::vector<std::pair<uint64_t, Layout>>& inodes) = 0;

  // Fills the cluster part of a status response: table, servers_up/down, degraded_chains.
  virtual void FillStatus(ClusterStatusResponse* out) const = 0;
  virtual StatusOr<ServerResponse> GetServer(uint64_t id) const = 0;
  // Starts (drain) or stops (undrain) moving server id's chain memberships to other servers
  // (chain_builder.h StartDrain/StopDrain): replicas are filled, then the server leaves each chain, and it
  // is drained when it is in none. Returns the server's view after the change.
  virtual StatusOr<ServerResponse> Drain(uint64_t id, bool drain) = 0;

  // Stops the failure detector (idempotent; also done by the destructor).
  virtual void Stop() = 0;
};

}  // namespace weft::meta
