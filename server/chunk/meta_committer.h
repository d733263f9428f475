// Group commit of chunk metadata. Coroutines on the event loop queue record updates; one commit thread
// takes everything queued, writes it as one (synced) batch to the MetaStore, and resumes the waiting
// coroutines. The loop never blocks on a synced RocksDB write, and one sync covers many updates.
//
// Updates are visible to Get/List on the loop as soon as they are queued (an in-memory overlay holds
// them until the batch that carries them is written). Put waits until the update is durable; PutLazy
// does not wait (commit marks: losing one in a crash only makes a chunk look dirty). A failed batch drops
// its updates from the overlay, so Get returns the last durable record again, and fails its waiters.
//
// Get also keeps the durable records it returned in a bounded LRU cache (cache_bytes), so that reads of
// a chunk need not look up and decode its record (a 4 MiB chunk's CRCs are 4 KiB) each time. A record
// enters the cache only when no update of it is queued (then the store cannot change it under us: only
// this committer writes the store), and a queued update evicts it; a written batch puts its records in.
//
// Thread-safety: Get, List, Put and PutLazy are loop-confined (the executor given at construction).
// Stop may be called from any thread once the loop no longer queues updates.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "server/chunk/async_sync.h"
#include "server/chunk/meta_store.h"

namespace weft::chunk {

class MetaCommitter {
 public:
  // store is not owned and must outlive the committer. sync = durable batches (fsync of the WAL).
  // cache_bytes: the bound of the record cache (0 = none); default 16 MiB, ~4,000 chunks' records.
  MetaCommitter(MetaStore* store, boost::asio::any_io_executor loop, bool sync, size_t cache_bytes = 16u << 20);
  ~MetaCommitter();
  MetaCommitter(const MetaCommitter&) = delete;
  MetaCommitter& operator=(const MetaCommitter&) = delete;

  StatusOr<std::optional<ChunkMeta>> Get(const ChunkKey& key);
  StatusOr<std::vector<ChunkKey>> List(uint64_t ino, uint32_t from_index);
  // The records of chain chain_id among the next `limit` records after `after` (from the first with
  // nullopt), queued updates included. next: where to continue, nullopt at the end.
  struct ChainPage {
    std::vector<std::pair<ChunkKey, ChunkMeta>> entries;
    std::optional<ChunkKey> next;
  };
  StatusOr<ChainPage> ScanChain(uint32_t chain_id, const std::optional<ChunkKey>& after, size_t limit);
  // Completes when the batch holding the update is durable.
  boost::asio::awaitable<Status> Put(const ChunkKey& key, const ChunkMeta& meta);
  boost::asio::awaitable<Status> Delete(const ChunkKey& key);
  void PutLazy(const ChunkKey& key, std::optional<ChunkMeta> meta);

  // Writes what is queued and stops the commit thread. Idempotent.
  void Stop();

  uint64_t batches() const { return batches_; }  // batches written (loop thread)
  // Record cache (loop thread): lookups answered from it, and its current size.
  uint64_t cache_hits() const { return cache_hits_; }
  size_t cache_bytes() const { return cache_bytes_; }

 private:
  using Done = Resumer<void(Status)>;
  struct Pending {
    uint64_t seq;
    MetaMutation mutation;
    Done done;  // empty for lazy updates
  };
  boost::asio::awaitable<Status> Update(const ChunkKey& key, std::optional<ChunkMeta> meta);
  void Enqueue(const ChunkKey& key, std::optional<ChunkMeta> meta, Done done);
  void Run();
  void Finish(std::vector<Pending> batch, const Status& s);
  void CachePut(const ChunkKey& key, const ChunkMeta& meta);
  void CacheErase(const ChunkKey& key);

  MetaStore* const store_;
  const boost::asio::any_io_executor loop_;
  const bool sync_;

  // Loop-confined.
  struct Overlay {
    uint64_t seq;
    std::optional<ChunkMeta> meta;
  };
  std::map<ChunkKey, Overlay> overlay_;
  uint64_t next_seq_ = 1;
  uint64_t batches_ = 0;
  // The record cache: most recently used first.
  const size_t cache_limit_;
  using CacheList = std::list<std::pair<ChunkKey, ChunkMeta>>;
  CacheList lru_;
  std::unordered_map<ChunkKey, CacheList::iterator, ChunkKeyHash> cache_;
  size_t cache_bytes_ = 0;
  uint64_t cache_hits_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;  // guarded by mu_
  bool stop_ = false;           // guarded by mu_
  std::thread thread_;
};

}  // namespace weft::chunk
