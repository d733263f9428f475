// The GC worker: reclaims the data of released inodes (G<ino> records: their last link and last handle
// are gone) and purges deleted volumes. A pass takes up to 1024 queued inodes, asks the chunk servers of
// their layouts to remove every chunk of them (ClusterManager::RemoveInodes: one call per server for
// the whole pass), then forgets those removed everywhere through the sequencer in one op (FinishGc). A
// failed removal is retried with exponential backoff, so a crash or an unreachable server never leaks and never double-frees (removal is idempotent; the record goes only after it succeeded).
//
// Thread-safety: Wake and Stop are thread-safe; RunOnce is for tests (not concurrent with the thread).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

#include "server/meta/kv.h"
#include "server/meta/meta_options.h"
#include "server/meta/sequencer.h"

namespace weft::meta {

class ClusterManager;

class GcWorker {
 public:
  // None owned; all outlive the worker. cluster may be null (no data to remove).
  GcWorker(KvStore* kv, Sequencer* sequencer, ClusterManager* cluster, const MetaOptions& options);
  ~GcWorker();  // Stop()

  void Start();
  // Work was queued: run a pass soon.
  void Wake();
  void Stop();
  // One pass: GC queue, then volume purges. Returns the number of inodes and purge steps finished.
  size_t RunOnce();

 private:
  void Loop();
  size_t CollectInodes();
  size_t PurgeVolumes();

  KvStore* const kv_;
  Sequencer* const sequencer_;
  ClusterManager* const cluster_;
  const MetaOptions& options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  bool woken_ = false;     // GUARDED_BY(mu_)
  std::thread thread_;
  struct Backoff {
    int64_t next_ms;
    uint32_t delay_ms;
  };
  std::map<uint64_t, Backoff> backoff_;  // worker thread only
  bool backlog_ = false;                 // worker thread only: the last pass left work behind
};

}  // namespace weft::meta
