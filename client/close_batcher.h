// CloseBatcher: the closes of clean handles (nothing left to commit), sent to weft-meta in batches from a
// thread of its own, so that closing a file costs the caller no metadata round trip and weft-meta one
// sequenced op per batch instead of one per file.
//
// Why it is safe: a close promises no durability and reports nothing a caller could act on (FUSE's
// release is already asynchronous to close(2)). What a pending close still holds on weft-meta: the
// handle, so an unlinked file's data stays until the close lands, and the handle's space reservation.
// Callers that depend on those call Flush() first (unlink, rename, statfs) or after a refusal for
// quota (a create or a grant refused EDQUOT/ENOSPC is tried once more after Flush()).
//
// A batch leaves once `delay_ms` passed since the first close queued, or at `max_batch` closes; the
// destructor sends what is queued. A batch that fails is logged and dropped: the handles go with the
// session at unmount or expiry.
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace weft::client {

class CloseBatcher {
 public:
  // send(handles) closes the handles (one metadata call); called on the batcher's thread or in Flush.
  using SendFn = std::function<Status(const std::vector<uint64_t>& handles)>;
  CloseBatcher(SendFn send, uint32_t delay_ms, size_t max_batch);
  ~CloseBatcher();  // sends what is queued, then stops the thread
  CloseBatcher(const CloseBatcher&) = delete;
  CloseBatcher& operator=(const CloseBatcher&) = delete;

  void Add(uint64_t handle);
  // Returns once every close queued before the call has been sent (by this call or by a batch already
  // on its way). True when there was any.
  bool Flush();

 private:
  void Loop();
  // Moves the oldest max_batch_ queued closes out of the queue. REQUIRES: mu_ held.
  std::vector<uint64_t> TakeBatch();
  // Sends handles; logs a failure.
  void Send(const std::vector<uint64_t>& handles);

  const SendFn send_;
  const uint32_t delay_ms_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;       // the thread waits for closes; Flush waits for sends in flight
  std::vector<uint64_t> queue_;      // GUARDED_BY(mu_)
  int in_flight_ = 0;                // GUARDED_BY(mu_): batches taken and not yet sent
  bool stopping_ = false;            // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace weft::client
