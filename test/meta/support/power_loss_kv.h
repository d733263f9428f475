// PowerLossKv: a KvStore that models what a power failure keeps. Every commit is applied to a live
// in-memory store at once (what weft-meta reads and what a crash of the process keeps: the log is
// written before the reply); only a synced commit or Sync() moves the commits since the last sync to
// the durable image. CrashImage() is the store a machine would come back up with.
//
// Thread-safety: as KvStore (batches belong to one thread).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/meta/kv.h"

namespace weft::meta::test {

class PowerLossKv final : public KvStore {
 public:
  PowerLossKv();

  StatusOr<std::optional<std::string>> Get(std::string_view key) override { return live_->Get(key); }
  std::unique_ptr<KvIterator> Scan(std::string_view start, std::string_view end) override {
    return live_->Scan(start, end);
  }
  std::unique_ptr<KvBatch> NewBatch() override;
  Status Commit(KvBatch& batch, bool sync) override;
  Status Sync() override;

  // A fresh store holding what was synced so far (the live state is untouched).
  std::unique_ptr<KvStore> CrashImage();
  // While set, Sync() and synced commits fail with EIO (a disk that stopped taking writes).
  void set_fail_syncs(bool fail);
  uint64_t syncs() const;            // Sync() calls
  uint64_t synced_commits() const;   // commits with sync
  uint64_t unsynced_commits() const; // commits without sync that wrote something
  size_t pending() const;            // writes committed since the last sync

 private:
  using Write = std::pair<std::string, std::optional<std::string>>;  // nullopt = delete
  void SyncLocked();  // REQUIRES: mu_ held

  std::unique_ptr<KvStore> live_;
  mutable std::mutex mu_;
  std::vector<Write> pending_;  // GUARDED_BY(mu_)
  std::vector<Write> durable_;  // GUARDED_BY(mu_): every synced write, in order
  uint64_t syncs_ = 0;          // GUARDED_BY(mu_)
  uint64_t synced_commits_ = 0;    // GUARDED_BY(mu_)
  uint64_t unsynced_commits_ = 0;  // GUARDED_BY(mu_)
  bool fail_syncs_ = false;        // GUARDED_BY(mu_)
};

}  // namespace weft::meta::test
