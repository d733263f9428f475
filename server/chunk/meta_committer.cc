#include "server/chunk/meta_committer.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "server/chunk/async_sync.h"

namespace weft::chunk {

namespace {
size_t RecordBytes(const ChunkMeta& m) { return sizeof(ChunkKey) + sizeof(ChunkMeta) + m.crcs.size() * 4 + 64; }
}  // namespace

MetaCommitter::MetaCommitter(MetaStore* store, boost::asio::any_io_executor loop, bool sync, size_t cache_bytes)
    : store_(store), loop_(std::move(loop)), sync_(sync), cache_limit_(cache_bytes), thread_([this] { Run(); }) {}

MetaCommitter::~MetaCommitter() { Stop(); }

void MetaCommitter::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

StatusOr<std::optional<ChunkMeta>> MetaCommitter::Get(const ChunkKey& key) {
  auto it = overlay_.find(key);
  if (it != overlay_.end()) return it->second.meta;
  if (auto c = cache_.find(key); c != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, c->second);
    ++cache_hits_;
    return std::optional<ChunkMeta>(c->second->second);
  }
  auto stored = store_->Get(key);
  // No update of key is queued (the overlay would hold it), so the store holds its latest record.
  if (stored.ok() && stored->has_value()) CachePut(key, **stored);
  return stored;
}

void MetaCommitter::CachePut(const ChunkKey& key, const ChunkMeta& meta) {
  if (cache_limit_ == 0) return;
  CacheErase(key);
  size_t bytes = RecordBytes(meta);
  if (bytes > cache_limit_) return;
  lru_.emplace_front(key, meta);
  cache_.emplace(key, lru_.begin());
  cache_bytes_ += bytes;
  while (cache_bytes_ > cache_limit_) {
    auto& [k, m] = lru_.back();
    cache_bytes_ -= RecordBytes(m);
    cache_.erase(k);
    lru_.pop_back();
  }
}

void MetaCommitter::CacheErase(const ChunkKey& key) {
  auto c = cache_.find(key);
  if (c == cache_.end()) return;
  cache_bytes_ -= RecordBytes(c->second->second);
  lru_.erase(c->second);
  cache_.erase(c);
}

StatusOr<std::vector<ChunkKey>> MetaCommitter::List(uint64_t ino, uint32_t from_index) {
  auto stored = store_->List(ino, from_index);
  if (!stored.ok()) return stored.status();
  std::map<ChunkKey, bool> keys;
  for (const auto& k : *stored) keys[k] = true;
  for (auto it = overlay_.lower_bound({ino, from_index}); it != overlay_.end() && it->first.ino == ino; ++it) {
    keys[it->first] = it->second.meta.has_value();
  }
  std::vector<ChunkKey> out;
  for (const auto& [k, present] : keys) {
    if (present) out.push_back(k);
  }
  return out;
}

StatusOr<MetaCommitter::ChainPage> MetaCommitter::ScanChain(uint32_t chain_id, const std::optional<ChunkKey>& after,
                                                             size_t limit) {
  std::map<ChunkKey, std::optional<ChunkMeta>> found;
  auto next = store_->Scan(after, std::max<size_t>(limit, 1), [&](const ChunkKey& k, const ChunkMeta& m) {
    found[k] = m;
  });
  if (!next.ok()) return next.status();
  // Queued updates in the scanned range win over the stored records.
  for (auto it = after ? overlay_.upper_bound(*after) : overlay_.begin();
       it != overlay_.end() && (!*next || it->first <= **next); ++it) {
    found[it->first] = it->second.meta;
  }
  ChainPage page;
  page.next = *next;
  for (auto& [k, m] : found) {
    if (m && m->chain_id == chain_id) page.entries.emplace_back(k, std::move(*m));
  }
  return page;
}

// Not a coroutine (see async_sync.h): returns the awaitable that queues the update when awaited.
boost::asio::awaitable<Status> MetaCommitter::Update(const ChunkKey& key, std::optional<ChunkMeta> meta) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(Status)>(
      [this, key, meta = std::move(meta)](auto handler) mutable {
        Enqueue(key, std::move(meta), Done(std::move(handler)));
      },
      boost::asio::use_awaitable);
}

boost::asio::awaitable<Status> MetaCommitter::Put(const ChunkKey& key, const ChunkMeta& meta) {
  return Update(key, meta);
}

boost::asio::awaitable<Status> MetaCommitter::Delete(const ChunkKey& key) { return Update(key, std::nullopt); }

void MetaCommitter::PutLazy(const ChunkKey& key, std::optional<ChunkMeta> meta) {
  Enqueue(key, std::move(meta), Done());
}

void MetaCommitter::Enqueue(const ChunkKey& key, std::optional<ChunkMeta> meta, Done done) {
  uint64_t seq = next_seq_++;
  CacheErase(key);
  overlay_[key] = Overlay{seq, meta};
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Pending{seq, MetaMutation{key, std::move(meta)}, std::move(done)});
  }
  cv_.notify_one();
}

void MetaCommitter::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping with nothing left
    std::vector<Pending> batch;
    batch.swap(queue_);
    lock.unlock();
    std::vector<MetaMutation> mutations;
    mutations.reserve(batch.size());
    for (const auto& p : batch) mutations.push_back(p.mutation);
    Status s = store_->Apply(mutations, sync_);
    if (!s.ok()) spdlog::error("chunk metadata batch of {} updates failed: {}", batch.size(), s.ToString());
    boost::asio::post(loop_, [this, batch = std::move(batch), s]() mutable { Finish(std::move(batch), s); });
    lock.lock();
  }
}

void MetaCommitter::Finish(std::vector<Pending> batch, const Status& s) {
  ++batches_;
  for (auto& p : batch) {
    auto it = overlay_.find(p.mutation.key);
    if (it != overlay_.end() && it->second.seq == p.seq) {
      overlay_.erase(it);
      // The last queued update of the key is now the stored record (or, failed, the store kept the old).
      if (s.ok() && p.mutation.meta) CachePut(p.mutation.key, *p.mutation.meta);
    }
    if (p.done) std::move(p.done).Resume(s);
  }
}

}  // namespace weft::chunk
