// The data-plane request handler of weft-chunk: writes, reads, truncates and removes of chunks, with
// chain replication (CRAQ-style, docs/data-protocol.md) and end-to-end CRC32C. One operation per file:
// op_write.cc, op_read.cc, op_truncate.cc, op_remove.cc; chain checks in chain_check.cc; repair of bad
// blocks and whole-chunk sync from a replica in repair.cc.
//
// Every WRITE, READ, TRUNCATE and REMOVE must carry a capability (common/capability.h) for the chunk's
// inode, signed with the cluster key, unexpired, granting write for all but reads; it is checked before
// anything else and a refusal is EACCES (the connection stays up). Forwarded requests carry the
// client's capability, so each replica checks it; the server's own peer reads (repair, sync) carry
// capabilities it mints itself.
//
// Thread-safety: loop-confined, except stats() (atomics) and the members documented otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/capability.h"
#include "server/chunk/async_sync.h"
#include "server/chunk/chain_table.h"
#include "server/chunk/chunk_locks.h"
#include "server/chunk/chunk_store.h"
#include "server/chunk/data_conn.h"
#include "server/chunk/data_server.h"
#include "server/chunk/validate.h"
#include "weft/cluster.pb.h"

namespace weft::chunk {

struct ServiceOptions {
  RequestLimits limits;                                // default 16 MiB chunks, 15 hops
  std::chrono::milliseconds forward_timeout{10000};    // wait for the rest of the chain; default 10 s
  std::chrono::milliseconds peer_read_timeout{5000};   // repair and sync reads from replicas; default 5 s
  std::chrono::milliseconds refresh_wait{2000};        // wait for a newer chain table; default 2 s
  std::chrono::milliseconds capability_skew{5000};     // accept capabilities this long past expiry; default 5 s
  uint64_t fill_rate_bytes = 0;                        // re-replication copy rate per second; default 0 = unlimited
};

struct ServiceStats {
  std::atomic<uint64_t> writes{0}, reads{0}, truncates{0}, removes{0};
  std::atomic<uint64_t> checksum_errors{0};  // stored blocks that failed their CRC on read
  std::atomic<uint64_t> repairs{0};          // blocks rewritten from a replica's good copy
  std::atomic<uint64_t> transit_errors{0};   // payloads that failed their CRC on receipt
  std::atomic<uint64_t> syncs{0};            // whole chunks copied from the predecessor
  std::atomic<uint64_t> stale{0};            // requests answered ESTALE
  std::atomic<uint64_t> refused{0};          // requests refused for their capability (EACCES)
  std::atomic<uint64_t> filled_chunks{0};    // chunks copied in while being filled (re-replication)
  std::atomic<uint64_t> purged_chunks{0};    // chunks removed after leaving a chain
};

class ChunkService final : public RequestHandler {
 public:
  // Collaborators are not owned and must outlive the service. request_refresh asks the membership
  // thread for a fresh chain table (thread-safe, non-blocking).
  ChunkService(const ServiceOptions& options, asio::any_io_executor loop, ChunkStore* store, ChainTableCache* chains,
               PeerPool* peers, const CapabilitySigner* signer, std::function<void()> request_refresh);

  asio::awaitable<Response> Handle(Request req) override;

  // A newer chain table was installed: wake requests waiting for it, start filling the chains this
  // server was added to as a replica being filled, and remove the chunks of chains it left
  // (chain_sync.cc). Loop thread.
  void OnTableChanged();
  // Shutdown: StopBackground tells the chain fills and removals to stop; WaitBackground waits for them
  // (true when they ended within grace). Loop thread.
  void StopBackground();
  asio::awaitable<bool> WaitBackground(std::chrono::milliseconds grace);
  // The fills in progress or done, for the heartbeat. Thread-safe.
  std::vector<ChainSync> SyncReport() const;
  // Removes this server's chunks of ino with index >= from_index (garbage collection from weft-meta;
  // no chain involved). Returns how many were removed.
  asio::awaitable<StatusOr<uint64_t>> RemoveLocal(uint64_t ino, uint32_t from_index);

  const ServiceStats& stats() const { return stats_; }

 private:
  // OK when the request's capability allows it (data frames only); EACCES naming the reason. A
  // capability found in the connection's r.verified skips the MAC check (expiry, inode and access are
  // checked every time); a newly verified one is added there.
  Status Authorize(const Request& r) const;
  // A short-lived read capability for this server's own peer reads of ino (repair, sync).
  std::string PeerCapability(uint64_t ino) const;

  asio::awaitable<Response> HandleWrite(Request& r);
  asio::awaitable<Response> HandleRead(Request& r);
  asio::awaitable<Response> HandleTruncate(Request& r);
  asio::awaitable<Response> HandleRemove(Request& r);
  asio::awaitable<Response> HandleList(Request& r);
  // A capability for this server's own chain listings (inode 0, kCapList).
  std::string ListCapability() const;
  // A peer read of key's whole chunk in any state, with this server's own capability (sync and fill).
  ReadRequest WholeChunkRead(const ChainView& view, const ChunkKey& key) const;

  // --- Re-replication (chain_sync.cc) ---
  // Fills this server with chain_id's chunks while it is a replica being filled there, then reports
  // it done (SyncReport) until weft-meta makes it a member. Removes what it copied if it is dropped.
  asio::awaitable<void> FillChain(uint32_t chain_id, TaskCounter::Token token);
  // One pass over the source's list of the chain: copies each chunk this server lacks or holds at a
  // lower version. With count, the pass is the chain's progress (SyncReport).
  asio::awaitable<Status> CopyChainPass(const ChainView& view, bool count);
  // Copies one chunk whole from src under its update lock, unless this copy is already as new.
  asio::awaitable<StatusOr<uint64_t>> CopyChunk(const ChainView& view, const std::string& src, const ChunkKey& key,
                                                uint32_t chunk_size);
  // Removes this server's chunks of chain_id; with unless_member, stops once this server is a member again.
  asio::awaitable<StatusOr<uint64_t>> PurgeChain(uint32_t chain_id, bool unless_member);
  asio::awaitable<void> PurgeLeftChain(uint32_t chain_id, TaskCounter::Token token);
  // Waits for a table change or the timeout; false when stopping.
  asio::awaitable<bool> Pause(std::chrono::milliseconds timeout);
  // Holds the fills to options_.fill_rate_bytes after `bytes` were copied (a shared budget).
  asio::awaitable<void> Throttle(uint64_t bytes);

  struct Applied {
    Status status;
    ChunkMeta meta;
  };
  // Applies a write to the local copy (or, with sync, copies the predecessor's whole chunk) under the
  // chunk's data lock.
  asio::awaitable<Applied> ApplyWrite(const ChainView& view, const ChunkKey& key, ChunkLocks* locks,
                                      const std::optional<ChunkMeta>& old, const WriteRequest& req, IoBuffer& payload,
                                      const UpdateVersion& v, bool sync);
  // Sends msg to the next server of the chain on lane `lane` and waits. OK, the successor's error, or
  // EAGAIN when it cannot be reached or does not answer in time.
  asio::awaitable<Status> Forward(const ChainView& view, uint8_t type, const google::protobuf::MessageLite& msg,
                                  std::span<const char> payload, int lane);

  // The chain of ref as this server sees it, after refreshing the table when ref is newer. ESTALE when
  // ref is older than the server's chain or the server is not in the chain; EAGAIN when the server's
  // table stays behind ref.
  asio::awaitable<StatusOr<ChainView>> ResolveChain(const ChainRef& ref);
  // ESTALE when the chain moved on since view was resolved (checked again under the update lock).
  Status CheckChainCurrent(const ChainView& view) const;
  Response Fail(const Status& s, uint32_t chain_id);

  // Fetches blocks `bad` of key from the other replicas (a copy at meta.version whose blocks match
  // meta's CRCs), rewrites them locally and, when rr is given, patches the read result. EIO when no
  // replica has a good copy.
  asio::awaitable<Status> RepairBlocks(const ChainView& view, const ChunkKey& key, const ChunkMeta& meta,
                                       const std::vector<uint32_t>& bad, ReadResult* rr);
  // Reads the blocks an update would read-merge and repairs the bad ones. REQUIRES the data lock.
  asio::awaitable<Status> RepairEdges(const ChainView& view, const ChunkKey& key, const ChunkMeta& meta,
                                      uint64_t start, uint64_t end);
  // Copies the whole chunk from the predecessor in the chain, which holds it at version v.version
  // (it applied the update and holds the chunk's update lock while it waits for this server).
  asio::awaitable<StatusOr<ChunkMeta>> SyncFromPredecessor(const ChainView& view, const ChunkKey& key,
                                                           const std::optional<ChunkMeta>& old,
                                                           const UpdateVersion& v);
  // Removes one local chunk under its locks.
  asio::awaitable<Status> RemoveOne(const ChunkKey& key);

  const ServiceOptions options_;
  const asio::any_io_executor loop_;
  ChunkStore* const store_;
  ChainTableCache* const chains_;
  PeerPool* const peers_;
  const CapabilitySigner* const signer_;
  const std::function<void()> request_refresh_;
  ChunkLockTable locks_;
  AsyncNotifier table_changed_;
  ServiceStats stats_;

  // Re-replication state (loop thread, except sync_mu_'s members).
  TaskCounter background_;
  bool stopping_ = false;
  std::set<uint32_t> filling_;                 // chains with a FillChain running
  std::map<uint32_t, uint64_t> member_of_;     // chain -> version, for the chains this server is in
  std::set<uint32_t> left_;                    // chains left whose copies here wait for the chain to be full
  int64_t fill_next_ms_ = 0;                   // --fill-rate-mb: when the next copy may start (monotonic ms)
  mutable std::mutex sync_mu_;
  std::map<uint32_t, ChainSync> sync_state_;   // GUARDED_BY(sync_mu_): progress per chain being filled
};

// Fills reply.crcs with the CRC32C of each 4 KiB piece of payload (len bytes).
void SetReplyCrcs(DataReply* reply, const char* payload, size_t len);

}  // namespace weft::chunk
