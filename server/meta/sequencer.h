// The sequencer: the one writer of every namespace, tenant and volume mutation (RunOp's home).
//
// Ops run in groups, one group at a time: each body runs against one KvBatch (reads through the batch
// see the earlier ops of the group), bracketed by a savepoint (a failed op leaves no trace; a
// successful one is kept with its volume/tenant counters flushed), the reply of every op that carries
// (session_id, request_id) is recorded in the same batch, the whole group commits with ONE synced
// KvStore::Commit (not synced when no op of the group needs it: OpContext::SkipSync, e.g. a close; the
// store's log is ordered, so the next synced group makes it durable too), then the ops' commit hooks
// run and each op completes. This is group commit at the application level: no locks, no conflicts,
// no retries, exact counters, and concurrent clients share one fsync.
//
// Who runs a group (leader/follower, as RocksDB's write groups): a Submit that finds no group running
// runs one itself, on the caller's thread, with whatever is queued by then. Ops submitted while a group
// runs wait in the queue; when the caller's group ends and ops are waiting, the sequencer's own thread
// takes over and runs groups until the queue is empty. So a lone client's mutation is run by the thread
// that received it (no handoff: on a small VM each wake-up of another thread costs ~90 us), and
// concurrent clients still share commits.
//
// Durability: a group whose ops all deferred their sync (OpContext::DeferSync, SkipSync) commits
// without one: its ops are applied and in the log, so a crash of weft-meta loses none of them. The
// sync thread then syncs the log within MetaOptions::sync_interval_ms (one fsync for every group
// committed meanwhile), and Sync() syncs at once for a client's fsync. A crash of the machine may lose
// the last interval's acknowledged namespace changes -- whole ops, in order, as the log holds them.
//
// Idempotency: before running an op with a request id, the sequencer looks for the reply recorded
// under (session_id, request_id) and, when present, answers from it (the body does not run again).
// Replies of the last MetaOptions::dedupe_window request ids of a session are kept (clients number
// their mutations with increasing ids); a session's replies go with the session.
//
// Thread-safety: Submit and Run are thread-safe. Submit may run a group before it returns (the
// caller's thread blocks for that commit); done callbacks run on whichever thread runs the group (the
// submitter's or the sequencer's): they must be quick and must not call Submit or Run.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <google/protobuf/message.h>

#include "common/status.h"
#include "server/meta/kv.h"
#include "server/meta/op_context.h"

namespace weft::meta {

struct PendingOp {
  uint64_t session_id = 0;  // with request_id: the idempotency key
  uint64_t request_id = 0;  // 0 = not deduplicated
  std::function<Status(OpContext&)> body;
  google::protobuf::Message* reply = nullptr;  // recorded for retries (may be null)
  std::function<void(const Status&)> done;     // called exactly once (kRetryLater: submit it again)
};

// The result of one op, for the thread that submitted it and waits. It costs no system call when the
// op completes on that same thread (a lone client's op runs on the thread that received it), where a
// std::promise's set_value always makes one (call_once's futex wake).
//
// Thread-safety: Done()'s callback may run on any thread, once; Wait on the submitting thread.
class OpWaiter {
 public:
  // The op's done callback. REQUIRES: this outlives the call (Wait returns only after it ran).
  std::function<void(const Status&)> Done() {
    return [this](const Status& s) {
      std::lock_guard lock(mu_);  // held through the notify: Wait cannot return (and free this) before
      status_ = s;
      done_ = true;
      cv_.notify_one();
    };
  }
  Status Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_; });
    return status_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // GUARDED_BY(mu_)
  Status status_;      // GUARDED_BY(mu_)
};

struct SequencerStats {
  uint64_t ops = 0;
  uint64_t groups = 0;
  uint64_t synced_groups = 0;  // groups committed with a sync (options.sync and an op that needs it)
  uint64_t deduplicated = 0;
  uint64_t background_syncs = 0;  // syncs of the log by the sync thread and Sync(by_server)
  uint64_t explicit_syncs = 0;    // Sync() calls for clients
};

class Sequencer {
 public:
  // kv and env's collaborators are not owned and must outlive the sequencer. Starts the thread.
  Sequencer(KvStore* kv, const MetaEnv& env);
  ~Sequencer();  // Stop()
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Queues op; op.done runs once its group has committed (or failed), possibly before Submit returns
  // (when no group was running, the caller runs one). After Stop(), done runs at once with ESHUTDOWN.
  void Submit(PendingOp op);
  // Queues body and waits for its result. REQUIRES: not called from a done callback.
  Status Run(std::function<Status(OpContext&)> body);

  // Makes every group committed before the call durable. Thread-safe; not from a done callback.
  // Counted in stats as requested (a client's) unless by_server (the GC's).
  Status Sync(bool by_server = false);

  // Runs what is queued, syncs what is unsynced, then stops the threads. Idempotent.
  void Stop();
  SequencerStats stats() const;

 private:
  void Loop();
  void SyncLoop();
  // After a group committed without a sync: the sync thread syncs within sync_interval_ms.
  void MarkUnsynced();
  // Moves up to max_group_ops queued ops into a group. REQUIRES: mu_ held.
  std::deque<PendingOp> TakeGroup();
  void RunGroup(std::deque<PendingOp>& group);
  // Runs one op into the batch. Returns its status; *hooks receives its commit hooks when it succeeded.
  // *sync_needed becomes true when the op changed the store and did not opt out of the group's sync.
  Status RunOne(KvBatch& batch, PendingOp& op, std::vector<std::function<void()>>* hooks, bool* sync_needed);
  int64_t NextTimestamp();

  KvStore* const kv_;
  const MetaEnv env_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingOp> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;        // GUARDED_BY(mu_)
  // Who runs groups now: nobody (the queue is empty), a submitter, or the sequencer thread.
  enum class Leader { kNone, kCaller, kThread };
  Leader leader_ = Leader::kNone;  // GUARDED_BY(mu_)
  SequencerStats stats_;         // GUARDED_BY(mu_)
  int64_t last_ns_ = 0;          // the leader's only (leadership changes hands under mu_)
  std::thread thread_;

  // The sync thread's state.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool unsynced_ = false;       // GUARDED_BY(sync_mu_): a group committed since the last sync began
  bool sync_stopping_ = false;  // GUARDED_BY(sync_mu_)
  std::thread sync_thread_;
};

}  // namespace weft::meta
