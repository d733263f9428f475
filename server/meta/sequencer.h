// The sequencer: the one writer of every namespace, tenant and volume mutation (RunOp's home).
//
// A single thread takes the queued operations as a group, runs each body against one KvBatch (reads
// through the batch see the earlier ops of the group), brackets each with a savepoint (a failed op
// leaves no trace; a successful one is kept with its volume/tenant counters flushed), records the reply
// of every op that carries (session_id, request_id) in the same batch, commits the whole group with ONE
// synced KvStore::Commit (not synced when no op of the group needs it: OpContext::SkipSync, e.g. a
// close; the store's log is ordered, so the next synced group makes it durable too), then runs the ops'
// commit hooks and completes each op. This is group commit
// at the application level: no locks, no conflicts, no retries, exact counters, and concurrent clients
// share one fsync.
//
// Idempotency: before running an op with a request id, the sequencer looks for the reply recorded
// under (session_id, request_id) and, when present, answers from it (the body does not run again).
// Replies of the last MetaOptions::dedupe_window request ids of a session are kept (clients number
// their mutations with increasing ids); a session's replies go with the session.
//
// Thread-safety: Submit and Run are thread-safe and never block on the queue. done callbacks run on
// the sequencer thread: they must be quick and must not call Run.
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
  std::function<void(const Status&)> done;     // called exactly once
};

struct SequencerStats {
  uint64_t ops = 0;
  uint64_t groups = 0;
  uint64_t synced_groups = 0;  // groups committed with a sync (options.sync and an op that needs it)
  uint64_t deduplicated = 0;
};

class Sequencer {
 public:
  // kv and env's collaborators are not owned and must outlive the sequencer. Starts the thread.
  Sequencer(KvStore* kv, const MetaEnv& env);
  ~Sequencer();  // Stop()
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Queues op; op.done runs once its group has committed (or failed). After Stop(), done runs at once
  // with ESHUTDOWN.
  void Submit(PendingOp op);
  // Queues body and waits for its result. REQUIRES: not called from the sequencer thread.
  Status Run(std::function<Status(OpContext&)> body);

  // Runs what is queued, then stops the thread. Idempotent.
  void Stop();
  SequencerStats stats() const;

 private:
  void Loop();
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
  SequencerStats stats_;         // GUARDED_BY(mu_)
  int64_t last_ns_ = 0;          // sequencer thread only
  std::thread thread_;
};

}  // namespace weft::meta
