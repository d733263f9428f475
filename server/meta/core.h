// MetaCore: the metadata service without its gRPC face — namespaces, tenants and volumes in the KV
// store behind the sequencer (every mutation), reads straight from the committed store, the session
// table with its reaper (expired sessions end through the sequencer), and the GC worker. The gRPC
// services (service/) and the op-level tests drive it the same way.
//
// Thread-safety: thread-safe. Submit never blocks; Run blocks until the op's group has committed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "server/meta/dir_leases.h"
#include "server/meta/gc.h"
#include "server/meta/kv.h"
#include "server/meta/meta_options.h"
#include "server/meta/op_context.h"
#include "server/meta/sequencer.h"
#include "server/meta/session_table.h"
#include "weft/admin.pb.h"
#include "weft/meta.pb.h"

namespace weft::meta {

class ClusterManager;

template <typename Req, typename Resp>
using OpFn = Status (*)(OpContext&, const Req&, Resp*);

// The directory a mutation adds a name to (DirLeases), 0 when none.
inline uint64_t AddedDir(const CreateRequest& r) { return r.parent(); }
inline uint64_t AddedDir(const MkdirRequest& r) { return r.parent(); }
inline uint64_t AddedDir(const SymlinkRequest& r) { return r.parent(); }
inline uint64_t AddedDir(const LinkRequest& r) { return r.new_parent(); }
// An exchange adds no name: both existed.
inline uint64_t AddedDir(const RenameRequest& r) { return r.flags() & RENAME_EXCHANGE_FLAG ? 0 : r.new_parent(); }

// The directory a read reads by name or lists (DirLeases::BlockedUntilRead), 0 when none.
inline uint64_t ReadDirOf(const LookupRequest& r) { return r.parent(); }
inline uint64_t ReadDirOf(const ReadDirRequest& r) { return r.ino(); }
// The directory a mutation takes a name out of (waited for as a read: a deferring holder may have
// answered an unlink there that weft-meta has not seen), 0 when none.
inline uint64_t RemovedFromDir(const UnlinkRequest& r) { return r.parent(); }
inline uint64_t RemovedFromDir(const RenameRequest& r) { return r.parent(); }

struct MetaCounts {
  uint32_t volumes = 0;
  uint32_t tenants = 0;
  uint32_t sessions = 0;
  uint64_t gc_pending = 0;
};

class MetaCore {
 public:
  // kv and cluster (may be null: no chunk servers) are not owned and must outlive the core. Loads the
  // persisted sessions (each gets a fresh TTL) and starts the sequencer, the reaper and the GC worker.
  static StatusOr<std::unique_ptr<MetaCore>> Open(KvStore* kv, ClusterManager* cluster, MetaOptions options);
  ~MetaCore();  // Stop()
  MetaCore(const MetaCore&) = delete;
  MetaCore& operator=(const MetaCore&) = delete;

  // Queues a mutation; done(status) runs on the sequencer thread once its group committed. req and
  // resp must stay valid until then. Requests with (session_id, request_id) are deduplicated.
  template <typename Req, typename Resp>
  void Submit(OpFn<Req, Resp> op, const Req& req, Resp* resp, std::function<void(const Status&)> done) {
    PendingOp p;
    if constexpr (requires { req.request_id(); }) {
      p.session_id = req.session_id();
      p.request_id = req.request_id();
    }
    p.body = [op, &req, resp](OpContext& ctx) { return op(ctx, req, resp); };
    p.reply = resp;
    p.done = std::move(done);
    sequencer_->Submit(std::move(p));
  }
  // Runs a mutation and waits for its result. An add to a directory another session holds a lease on
  // waits (on this thread, outside the sequencer) until that lease ends.
  template <typename Req, typename Resp>
  Status Run(OpFn<Req, Resp> op, const Req& req, Resp* resp) {
    for (;;) {
      if constexpr (requires { AddedDir(req); }) {
        if (uint64_t dir = AddedDir(req)) WaitForLease(dir, req.session_id());
      }
      if constexpr (requires { RemovedFromDir(req); }) {
        if (uint64_t dir = RemovedFromDir(req)) WaitForRead(dir, req.session_id());
      }
      OpWaiter waiter;
      Submit(op, req, resp, waiter.Done());
      Status s = waiter.Wait();
      if (s.err() != kRetryLater) return s;
      resp->Clear();  // the body ran into a lease granted meanwhile: wait for it, and run again
      // (an add waits above; a removal of a directory another session fills ahead polls until it may)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // Runs a read on the calling thread against the committed store.
  // A lookup or listing in a directory another session holds a deferring lease on waits for that lease
  // (DirLeases::BlockedUntilRead).
  template <typename Req, typename Resp>
  Status Read(OpFn<Req, Resp> op, const Req& req, Resp* resp) {
    if constexpr (requires { ReadDirOf(req); }) {
      if (uint64_t dir = ReadDirOf(req)) WaitForRead(dir, req.session_id());
    }
    OpContext ctx(kv_, env_);
    return op(ctx, req, resp);
  }

  // Renews a session (memory only): ESTALE when unknown.
  Status Keepalive(const KeepaliveRequest& req, KeepaliveResponse* resp);
  MetaCounts Counts();

  SessionTable& sessions() { return sessions_; }
  DirLeases& leases() { return leases_; }
  Sequencer& sequencer() { return *sequencer_; }
  GcWorker& gc() { return *gc_; }
  const MetaOptions& options() const { return options_; }
  // Ends every expired session now (the reaper does this periodically). Returns how many ended.
  size_t ReapExpired();

  // Stops the reaper, the GC worker and (after the queued ops) the sequencer. Idempotent.
  void Stop();

 private:
  MetaCore(KvStore* kv, ClusterManager* cluster, MetaOptions options);
  Status LoadSessions();
  // Sleeps while another session's lease on dir is live (marking it revoked).
  void WaitForLease(uint64_t dir, uint64_t session_id);
  // Sleeps while another, deferring session's lease on dir is live (DirLeases::BlockedUntilRead).
  void WaitForRead(uint64_t dir, uint64_t session_id);
  void ReaperLoop();

  KvStore* const kv_;
  ClusterManager* const cluster_;
  const MetaOptions options_;
  SessionTable sessions_;
  DirLeases leases_;
  MetaEnv env_;
  std::unique_ptr<Sequencer> sequencer_;
  std::unique_ptr<GcWorker> gc_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread reaper_;
};

}  // namespace weft::meta
