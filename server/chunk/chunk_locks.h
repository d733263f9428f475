// Per-chunk locks, created on first use and dropped when nobody holds or waits for them.
//   update: serializes the updates (write, truncate, remove, sync) of one chunk for their whole trip
//           down the chain, which gives every replica the same order and version numbers;
//   data:   keeps reads of a chunk (shared) apart from the local application of an update (exclusive),
//           so a reader never sees half-written blocks or a record that does not match the bytes.
// Lock order: update before data; several chunks' locks only in ascending (ino, index) order.
//
// Thread-safety: loop-confined. A Ref must outlive the guards taken on its locks (declare it first).
#pragma once

#include <memory>
#include <unordered_map>
#include <utility>

#include "server/chunk/async_sync.h"
#include "server/chunk/chunk_meta.h"

namespace weft::chunk {

struct ChunkLocks {
  AsyncMutex update;
  AsyncRwLock data;
  int refs = 0;
};

class ChunkLockTable {
 public:
  class Ref {
   public:
    Ref(ChunkLockTable* table, const ChunkKey& key, ChunkLocks* locks) : table_(table), key_(key), locks_(locks) {}
    Ref(Ref&& o) noexcept : table_(std::exchange(o.table_, nullptr)), key_(o.key_), locks_(o.locks_) {}
    Ref(const Ref&) = delete;
    ~Ref() {
      if (table_) table_->Unref(key_);
    }
    ChunkLocks* operator->() const { return locks_; }
    ChunkLocks* get() const { return locks_; }

   private:
    ChunkLockTable* table_;
    ChunkKey key_;
    ChunkLocks* locks_;
  };

  Ref Get(const ChunkKey& key) {
    auto& slot = map_[key];
    if (!slot) slot = std::make_unique<ChunkLocks>();
    ++slot->refs;
    return Ref(this, key, slot.get());
  }
  size_t size() const { return map_.size(); }
  // True while an update of key holds or waits for its update lock.
  bool UpdateInFlight(const ChunkKey& key) const {
    auto it = map_.find(key);
    return it != map_.end() && !it->second->update.idle();
  }

 private:
  void Unref(const ChunkKey& key) {
    auto it = map_.find(key);
    if (it != map_.end() && --it->second->refs == 0) map_.erase(it);
  }

  std::unordered_map<ChunkKey, std::unique_ptr<ChunkLocks>, ChunkKeyHash> map_;
};

}  // namespace weft::chunk
