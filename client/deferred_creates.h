// DeferredCreates: creates this client answered itself (ClientOptions::deferred_creates), on their way
// to weft-meta in batches (docs/async-creates.md). ClientImpl answers a create in a directory it holds
// the lease on with an inode number weft-meta reserved for the session (and charged to the quotas), and
// queues it here; a thread of its own sends what is queued as one CreateBatch once `delay_ms` passed
// since the oldest, at `max_batch` creates, or when Flush asks.
//
// Order: every other metadata call of the session first calls Flush (MetaClient's before-call hook), so
// weft-meta sees the creates before anything that could depend on them.
//
// Failures: a create weft-meta refuses (its lease was lost first, weft-meta unreachable for the retry
// window, the session gone) is recorded by inode: Failure(ino) then says why, and the file's handle
// reports it at flush, fsync and close, as a write-back error is reported. At most kMaxFailures are kept.
//
// Unlinks (DeferredCreate.unlink) the client answered itself go through the same queue, in order with
// the creates. One weft-meta refuses has nobody left to tell (the unlink returned long ago, and no handle
// is open on the file here): it is logged, and counted (unlinks_failed); the file stays.
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "weft/meta.pb.h"

namespace weft::client {

class DeferredCreates {
 public:
  // Reserves `count` inodes (ReserveInodes): the first. Called on this object's thread only.
  using ReserveFn = std::function<StatusOr<uint64_t>(uint32_t count)>;
  // Sends one batch (CreateBatch); the reply has a result per create.
  using SendFn = std::function<StatusOr<CreateBatchResponse>(const CreateBatchRequest& req)>;
  // Told of every batch sent at sent_ms and its reply (the lease renewals), before Flush returns.
  using ResultFn = std::function<void(const CreateBatchRequest& req, const CreateBatchResponse& resp, int64_t sent_ms)>;
  static constexpr size_t kMaxFailures = 65536;

  struct Options {
    uint32_t reserve = 256;   // inodes per reservation
    size_t max_batch = 256;   // creates per batch
    uint32_t delay_ms = 5;    // the longest a create waits in the queue
  };
  DeferredCreates(ReserveFn reserve, SendFn send, ResultFn on_result, Options options);
  ~DeferredCreates();  // sends what is queued, then stops
  DeferredCreates(const DeferredCreates&) = delete;
  DeferredCreates& operator=(const DeferredCreates&) = delete;

  // An inode number for a create answered here, 0 when none is at hand (the caller creates the usual
  // way; a new reservation is asked for in the background).
  uint64_t TakeIno();
  // Asks for a reservation in the background unless one is at hand or on its way: the session made a
  // directory, so creates may follow. Nothing is reserved before the first Warm or TakeIno, so a mount
  // that never creates under a lease holds no inodes of the quota.
  void Warm();
  // Queues a create (its inode from TakeIno), or an unlink (create.unlink()).
  void Add(DeferredCreate create);
  // Returns once every create queued before the call has been sent and its result recorded. Cheap when
  // nothing is queued.
  void Flush();
  // Whether ino's create is still queued or on its way.
  bool Pending(uint64_t ino);
  // Why ino's create was refused after it was answered; Ok when it was not (or is not known here).
  Status Failure(uint64_t ino);
  // Creates answered here so far, and refused after they were answered.
  uint64_t answered() const;
  uint64_t failed() const;
  // Unlinks answered here so far, and refused after they were answered.
  uint64_t unlinks_answered() const;
  uint64_t unlinks_failed() const;

 private:
  void Loop();
  // Sends the first max_batch queued creates. REQUIRES: lock holds mu_ (released while sending).
  void SendBatch(std::unique_lock<std::mutex>& lock);
  void Refill(std::unique_lock<std::mutex>& lock);

  const ReserveFn reserve_;
  const SendFn send_;
  const ResultFn on_result_;
  const Options opts_;

  mutable std::mutex mu_;
  std::condition_variable cv_;        // the thread waits for work; Flush waits for sends
  std::deque<DeferredCreate> queue_;  // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, int> pending_;        // GUARDED_BY(mu_): ino -> 1 while queued or sending
  std::unordered_map<uint64_t, Status> failures_;    // GUARDED_BY(mu_)
  int64_t oldest_ms_ = 0;             // GUARDED_BY(mu_): when the oldest queued create came
  uint64_t queued_total_ = 0;         // GUARDED_BY(mu_): creates ever queued
  uint64_t sent_total_ = 0;           // GUARDED_BY(mu_): creates whose batch came back (or failed)
  uint64_t flush_to_ = 0;             // GUARDED_BY(mu_): Flush wants everything up to here sent now
  uint64_t next_ino_ = 0, end_ino_ = 0;  // GUARDED_BY(mu_): the reservation at hand
  bool want_refill_ = false;          // GUARDED_BY(mu_)
  bool refill_failed_ = false;        // GUARDED_BY(mu_): the last reservation was refused (not asked again soon)
  int64_t refill_retry_ms_ = 0;       // GUARDED_BY(mu_)
  uint64_t failed_total_ = 0;         // GUARDED_BY(mu_)
  uint64_t unlinks_total_ = 0;        // GUARDED_BY(mu_)
  uint64_t unlinks_failed_ = 0;       // GUARDED_BY(mu_)
  bool stopping_ = false;             // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace weft::client
