// Membership of this chunk server in the cluster: registers with weft-meta (Cluster.Register), persists
// the server id it is given, heartbeats every interval weft-meta asks for with capacity, usage and chunk
// count, and installs the chain tables that come back. While weft-meta is unreachable it keeps retrying
// with backoff (the server keeps running). RequestRefresh makes it fetch the chain table now
// (Cluster.GetChainTable), for requests that carry a newer chain version than the server has.
//
// Thread-safety: thread-safe. Runs its own thread between Start and Stop; callbacks run on that thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/cluster_key.h"
#include "common/status.h"
#include "common/tls.h"
#include "server/chunk/chain_table.h"
#include "weft/cluster.pb.h"

namespace weft::chunk {

struct MembershipOptions {
  std::string meta;             // REQUIRED: weft-meta's host:port
  std::string address;          // REQUIRED (or SetAddresses): data-plane host:port, as clients reach it
  std::string control_address;  // REQUIRED (or SetAddresses): gRPC host:port
  std::string failure_domain;   // default "" (weft-meta then treats every server as its own domain)
  std::vector<std::string> disks;
  std::string id_file;          // REQUIRED: where the assigned server id persists
  int rpc_timeout_ms = 3000;    // per call; default 3 s
  int max_backoff_ms = 5000;    // between registration attempts; default 5 s
  const Tls* tls = nullptr;     // TLS toward weft-meta (not owned); default plain text
};

struct Usage {
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t chunks = 0;
  std::vector<ChainSync> syncs;  // chains being filled here (re-replication progress)
};

class Membership {
 public:
  // chains and key are not owned and must outlive the membership; every call to weft-meta carries
  // key's cluster credential. usage is polled for each beat; on_table runs after a new chain table was
  // installed.
  Membership(const MembershipOptions& options, const ClusterKey* key, ChainTableCache* chains,
             std::function<Usage()> usage, std::function<void()> on_table);
  ~Membership();

  // Reads the persisted server id (0 when none yet) and tells the chain cache who this server is.
  Status LoadId();
  // Sets the advertised addresses once the listeners are bound. REQUIRES: before Start.
  void SetAddresses(std::string address, std::string control_address) {
    options_.address = std::move(address);
    options_.control_address = std::move(control_address);
  }
  void Start();
  void Stop();  // idempotent
  void RequestRefresh();

  uint64_t server_id() const { return id_.load(); }
  bool registered() const { return registered_.load(); }

 private:
  void Run();
  Status Register();
  Status Beat();
  Status FetchTable();
  void Install(const ChainTable& table, bool force);

  struct Rpc;
  MembershipOptions options_;  // addresses set before Start, then read-only
  const ClusterKey* const key_;
  ChainTableCache* const chains_;
  const std::function<Usage()> usage_;
  const std::function<void()> on_table_;
  std::unique_ptr<Rpc> rpc_;
  std::atomic<uint64_t> id_{0};
  std::atomic<bool> registered_{false};
  uint32_t interval_ms_ = 1000;  // membership thread only

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;     // guarded by mu_
  bool refresh_ = false;  // guarded by mu_
  std::thread thread_;
};

// Total and free bytes of the file systems holding dirs (each file system counted once).
Usage DiskUsage(const std::vector<std::string>& dirs);

}  // namespace weft::chunk
