// Re-replication on the chunk server (docs/data-protocol.md "Re-replication"). weft-meta adds a server
// to a chain as a replica being filled (ChainInfo.syncing) when a member is drained or lost. From then
// on the chain's updates reach it (it follows the tail on the write path), and this file copies in
// everything older: it lists the chain's chunks at the last readable member (FRAME_LIST), copies each
// chunk whole under the chunk's update lock unless its own copy is already as new, lists again to catch
// what was in flight during the first listing, and reports the chain done in its heartbeats. weft-meta
// then makes it a member, and the server being drained leaves the chain; a server that leaves a chain
// removes its chunks of that chain.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "server/chunk/service.h"

namespace weft::chunk {
namespace {

constexpr size_t kPurgeScan = 4096;  // records scanned per step of a purge

}  // namespace

void ChunkService::OnTableChanged() {
  table_changed_.NotifyAll();
  if (stopping_) return;
  std::map<uint32_t, uint64_t> now;
  for (const ChainView& v : chains_->All()) {
    if (v.member()) now[v.id] = v.version;
    if (v.syncing() && filling_.insert(v.id).second) {
      asio::co_spawn(loop_, FillChain(v.id, background_.Start()), asio::detached);
    }
  }
  // Chains this server left (a newer version of the chain without it). Not on a table whose chain is
  // older than the one this server knew (weft-meta lost its state).
  for (const auto& [id, version] : member_of_) {
    if (now.count(id) || filling_.count(id)) continue;
    auto v = chains_->Find(id);
    if (v && v->version > version) left_.insert(id);
  }
  member_of_ = std::move(now);
  // Its copies there are removed once the chain holds every replica without it: until then they may be
  // the last copies left if the chain's members fail too (e.g. weft-meta cut off from every server).
  for (auto it = left_.begin(); it != left_.end();) {
    auto v = chains_->Find(*it);
    if (!v || v->member()) {
      it = left_.erase(it);
    } else if (v->readable >= v->replication && v->readable > 0) {
      asio::co_spawn(loop_, PurgeLeftChain(*it, background_.Start()), asio::detached);
      it = left_.erase(it);
    } else {
      ++it;
    }
  }
}

void ChunkService::StopBackground() {
  stopping_ = true;
  table_changed_.NotifyAll();
}

asio::awaitable<bool> ChunkService::WaitBackground(std::chrono::milliseconds grace) {
  co_return co_await background_.WaitIdle(grace);
}

std::vector<ChainSync> ChunkService::SyncReport() const {
  std::lock_guard lock(sync_mu_);
  std::vector<ChainSync> out;
  for (const auto& [id, s] : sync_state_) out.push_back(s);
  return out;
}

asio::awaitable<bool> ChunkService::Pause(std::chrono::milliseconds timeout) {
  if (stopping_) co_return false;
  co_await table_changed_.WaitFor(timeout);
  co_return !stopping_;
}

asio::awaitable<void> ChunkService::Throttle(uint64_t bytes) {
  if (options_.fill_rate_bytes == 0 || bytes == 0) co_return;
  const int64_t now = MonoMs();
  fill_next_ms_ = std::max(fill_next_ms_, now) + static_cast<int64_t>(bytes * 1000 / options_.fill_rate_bytes);
  for (int64_t left = fill_next_ms_ - MonoMs(); left > 0 && !stopping_; left = fill_next_ms_ - MonoMs()) {
    co_await table_changed_.WaitFor(std::chrono::milliseconds(left));
  }
}

asio::awaitable<void> ChunkService::FillChain(uint32_t chain_id, TaskCounter::Token token) {
  bool purged = false;
  int failures = 0;
  uint64_t reported = 0;  // the chain version this server reported itself complete at
  for (;;) {
    auto view = chains_->Find(chain_id);
    if (stopping_ || !view || !view->syncing()) break;
    if (reported == view->version) {  // complete: wait for weft-meta to make this server a member
      if (!co_await Pause(std::chrono::seconds(5))) break;
      continue;
    }
    Status s;
    if (!purged) {
      // Copies from an earlier membership of this chain may hold updates the chain dropped: start empty.
      // (Updates arriving from now on are the chain's own.)
      auto n = co_await PurgeChain(chain_id, /*unless_member=*/false);
      if (n.ok()) {
        purged = true;
        if (*n) spdlog::info("chain {}: removed {} old chunk copies before filling", chain_id, *n);
      } else {
        s = n.status();
      }
    }
    if (s.ok()) {
      spdlog::info("chain {} v{}: filling this server from server {}", chain_id, view->version,
                   view->readable ? view->servers[view->readable - 1] : 0);
      s = co_await CopyChainPass(*view, /*count=*/true);
    }
    // A second listing catches chunks that updates in flight at the first one were still creating.
    if (s.ok()) s = co_await CopyChainPass(*view, /*count=*/false);
    if (s.ok()) {
      auto now = chains_->Find(chain_id);
      if (now && now->syncing() && now->version == view->version) {
        std::lock_guard lock(sync_mu_);
        ChainSync& st = sync_state_[chain_id];
        st.set_done(true);
        reported = view->version;
        failures = 0;
        spdlog::info("chain {} v{}: filled ({} chunks copied, {} bytes)", chain_id, view->version, st.chunks_done(),
                     st.bytes_done());
      }
      continue;
    }
    if (failures++ < 3 || failures % 20 == 0) {
      spdlog::warn("chain {}: filling this server failed (attempt {}): {}; retrying", chain_id, failures, s.ToString());
    }
    if (!co_await Pause(std::chrono::milliseconds(std::min(200 * failures, 5000)))) break;
  }
  {
    std::lock_guard lock(sync_mu_);
    sync_state_.erase(chain_id);
  }
  auto view = chains_->Find(chain_id);
  if (!stopping_ && view && !view->member()) {
    // Dropped before it was complete (the drain was cancelled, or the chain changed): what was copied is
    // no one's copy.
    auto n = co_await PurgeChain(chain_id, /*unless_member=*/true);
    if (n.ok() && *n) spdlog::info("chain {}: this server was dropped while filling; removed {} chunks", chain_id, *n);
  }
  filling_.erase(chain_id);
  view = chains_->Find(chain_id);
  if (!stopping_ && view && view->syncing() && filling_.insert(chain_id).second) {
    asio::co_spawn(loop_, FillChain(chain_id, background_.Start()), asio::detached);  // added again meanwhile
  }
}

asio::awaitable<Status> ChunkService::CopyChainPass(const ChainView& view, bool count) {
  // The last readable member holds the newest copy of everything the chain acknowledged.
  if (view.readable == 0 || view.addresses[view.readable - 1].empty()) {
    co_return Err(EAGAIN, "chain {} has no member to copy from", view.id);
  }
  const std::string src = view.addresses[view.readable - 1];
  std::vector<ChunkListEntry> entries;
  std::optional<ChunkId> after;
  for (;;) {
    ListRequest rq;
    rq.mutable_chain()->set_chain_id(view.id);
    rq.mutable_chain()->set_chain_version(view.version);
    if (after) *rq.mutable_after() = *after;
    rq.set_capability(ListCapability());
    auto reply = co_await peers_->Call(src, PeerPool::kRepairLane, FRAME_LIST, rq, {}, options_.peer_read_timeout);
    if (!reply.ok()) co_return Err(EAGAIN, "list chain {} at {}: {}", view.id, src, reply.status().ToString());
    const DataReply& d = reply->reply;
    if (d.err() != 0) co_return Status(d.err(), fmt::format("list chain {} at {}: {}", view.id, src, d.message()));
    entries.insert(entries.end(), d.entries().begin(), d.entries().end());
    if (!d.more()) break;
    after = d.next();
    if (stopping_) co_return Err(ECANCELED, "stopping");
  }
  if (count) {
    std::lock_guard lock(sync_mu_);
    ChainSync& st = sync_state_[view.id];
    st.set_chain_id(view.id);
    st.set_chain_version(view.version);
    st.set_done(false);
    st.set_chunks_total(entries.size());
    st.set_chunks_done(0);
    st.set_bytes_done(0);
  }
  for (const ChunkListEntry& e : entries) {
    if (stopping_) co_return Err(ECANCELED, "stopping");
    const ChunkKey key{e.ino(), e.index()};
    uint64_t bytes = 0;
    auto local = store_->GetMeta(key);
    if (!local.ok()) co_return local.status();
    if (!*local || (*local)->version < e.version()) {
      auto copied = co_await CopyChunk(view, src, key, e.chunk_size());
      if (!copied.ok()) co_return copied.status();
      bytes = *copied;
      co_await Throttle(bytes);
    }
    if (count) {
      std::lock_guard lock(sync_mu_);
      ChainSync& st = sync_state_[view.id];
      st.set_chunks_done(st.chunks_done() + 1);
      st.set_bytes_done(st.bytes_done() + bytes);
    }
  }
  co_return Status::Ok();
}

asio::awaitable<StatusOr<uint64_t>> ChunkService::CopyChunk(const ChainView& view, const std::string& src,
                                                            const ChunkKey& key, uint32_t chunk_size) {
  auto locks = locks_.Get(key);
  auto update = co_await locks->update.Scoped();
  if (Status s = CheckChainCurrent(view); !s.ok()) co_return s;
  auto local = store_->GetMeta(key);
  if (!local.ok()) co_return local.status();
  // From the read tail; when its copy cannot be read (a block failing its checksum there), from the other
  // readable members, which hold the same version or a newer one.
  std::vector<std::string> sources{src};
  for (size_t i = view.readable; i-- > 0;) {
    if (!view.addresses[i].empty() && view.addresses[i] != src) sources.push_back(view.addresses[i]);
  }
  std::string tried;
  for (const std::string& from : sources) {
    const ReadRequest rq = WholeChunkRead(view, key);
    auto reply = co_await peers_->Call(from, PeerPool::kRepairLane, FRAME_READ, rq, {}, options_.peer_read_timeout);
    if (!reply.ok()) {
      tried += fmt::format("; {}: {}", from, reply.status().ToString());
      continue;
    }
    const DataReply& d = reply->reply;
    if (d.err() == ESTALE) {
      co_return Status(ESTALE, fmt::format("copy chunk {} from {}: {}", key.ToString(), from, d.message()));
    }
    if (d.err() != 0) {
      tried += fmt::format("; {}: {} {}", from, ErrnoName(d.err()), d.message());
      continue;
    }
    if (d.chunk_version() == 0) co_return 0;  // removed since the listing (the removal reached here too)
    // An update that reached this copy first (replicas apply concurrently) is newer than the source's.
    if (*local && (*local)->version >= d.chunk_version()) co_return 0;
    long bad = FirstBadBlock(reply->payload.data(), d.length(), {d.crcs().data(), static_cast<size_t>(d.crcs_size())});
    if (bad >= 0) {
      tried += fmt::format("; {}: piece {} fails its CRC in transit", from, bad);
      continue;
    }
    IoBuffer buf = d.length() ? std::move(reply->payload) : store_->pool()->Get(kCrcBlock);
    auto data = co_await locks->data.Exclusive();
    // This server ends the write path, so the copy is committed as it lands.
    const UpdateVersion v{d.chunk_version(), d.chunk_version(), chunk_size, view.id};
    auto m = co_await store_->Install(key, *local, buf, d.length(), v);
    if (!m.ok()) co_return m.status().Annotate("copy chunk " + key.ToString());
    ++stats_.filled_chunks;
    co_return uint64_t{d.length()};
  }
  co_return Err(EAGAIN, "copy chunk {}: no member of chain {} gave a good copy{}", key.ToString(), view.id, tried);
}

asio::awaitable<StatusOr<uint64_t>> ChunkService::PurgeChain(uint32_t chain_id, bool unless_member) {
  uint64_t removed = 0;
  std::optional<ChunkKey> after;
  for (;;) {
    auto page = store_->ScanChain(chain_id, after, kPurgeScan);
    if (!page.ok()) co_return page.status();
    for (const auto& [k, m] : page->entries) {
      if (unless_member) {  // stop when this server became a member again meanwhile
        auto v = chains_->Find(chain_id);
        if (v && v->member()) co_return removed;
      }
      Status s = co_await RemoveOne(k);
      if (!s.ok()) co_return s;
      ++removed;
      ++stats_.purged_chunks;
    }
    if (!page->next) break;
    after = page->next;
  }
  co_return removed;
}

asio::awaitable<void> ChunkService::PurgeLeftChain(uint32_t chain_id, TaskCounter::Token token) {
  auto n = co_await PurgeChain(chain_id, /*unless_member=*/true);
  if (!n.ok()) {
    spdlog::error("chain {}: this server left it, but removing its chunks failed: {}", chain_id, n.status().ToString());
  } else if (*n) {
    spdlog::info("chain {}: this server left it; removed its {} chunks", chain_id, *n);
  }
}

}  // namespace weft::chunk
