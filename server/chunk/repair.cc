// Getting good bytes from other replicas: repair of blocks that fail their CRC, and the whole-chunk
// copy a replica takes from its predecessor when its copy is not at the version an update builds on.
#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

#include "server/chunk/service.h"

namespace weft::chunk {
namespace {

// Other readable members of the chain, the tail first (it holds the newest committed copy). Replicas
// being filled may lack the chunk.
std::vector<size_t> PeersTailFirst(const ChainView& view) {
  std::vector<size_t> out;
  for (size_t i = view.readable; i > 0; --i) {
    if (static_cast<int>(i - 1) != view.position && !view.addresses[i - 1].empty()) out.push_back(i - 1);
  }
  return out;
}

}  // namespace

ReadRequest ChunkService::WholeChunkRead(const ChainView& view, const ChunkKey& key) const {
  ReadRequest rq;
  rq.mutable_chunk()->set_ino(key.ino);
  rq.mutable_chunk()->set_index(key.index);
  rq.mutable_chain()->set_chain_id(view.id);
  rq.mutable_chain()->set_chain_version(view.version);
  rq.set_whole_chunk(true);
  rq.set_any_state(true);
  rq.set_capability(PeerCapability(key.ino));
  return rq;
}

asio::awaitable<Status> ChunkService::RepairBlocks(const ChainView& view, const ChunkKey& key, const ChunkMeta& meta,
                                                   const std::vector<uint32_t>& bad, ReadResult* rr) {
  // Contiguous runs of bad blocks, each fetched with one read.
  size_t i = 0;
  while (i < bad.size()) {
    size_t j = i + 1;
    while (j < bad.size() && bad[j] == bad[j - 1] + 1) ++j;
    const uint32_t first = bad[i];
    const uint32_t n = static_cast<uint32_t>(j - i);
    bool repaired = false;
    std::string tried;
    for (size_t p : PeersTailFirst(view)) {
      ReadRequest rq;
      rq.mutable_chunk()->set_ino(key.ino);
      rq.mutable_chunk()->set_index(key.index);
      rq.mutable_chain()->set_chain_id(view.id);
      rq.mutable_chain()->set_chain_version(view.version);
      rq.set_offset(first * kCrcBlock);
      rq.set_length(n * kCrcBlock);
      rq.set_any_state(true);
      rq.set_capability(PeerCapability(key.ino));
      auto reply = co_await peers_->Call(view.addresses[p], PeerPool::kRepairLane, FRAME_READ, rq, {},
                                         options_.peer_read_timeout);
      std::string why;
      if (!reply.ok()) {
        why = reply.status().ToString();
      } else if (reply->reply.err() != 0) {
        why = fmt::format("{} {}", ErrnoName(reply->reply.err()), reply->reply.message());
      } else if (reply->reply.chunk_version() != meta.version) {
        why = fmt::format("its copy is at v{}, this one at v{}", reply->reply.chunk_version(), meta.version);
      } else if (reply->reply.length() != n * kCrcBlock) {
        why = "short reply";
      } else {
        const char* data = reply->payload.data();
        for (uint32_t k = 0; k < n && why.empty(); ++k) {
          if (Crc32c(data + size_t{k} * kCrcBlock, kCrcBlock) != meta.crcs[first + k]) {
            why = fmt::format("its block {} does not match the expected checksum either", first + k);
          }
        }
      }
      if (!why.empty()) {
        tried += fmt::format("; server {}: {}", view.servers[p], why);
        continue;
      }
      Status s = co_await store_->RewriteBlocks(key, first, reply->payload, n);
      if (!s.ok()) {
        spdlog::error("chunk {}: rewriting repaired blocks failed: {}", key.ToString(), s.ToString());
      } else {
        stats_.repairs += n;
        spdlog::warn("chunk {}: repaired {} block(s) from {} with server {}'s copy", key.ToString(), n, first,
                     view.servers[p]);
      }
      repaired = true;
      if (rr) {  // give the reader the good bytes
        memcpy(rr->buf.data() + size_t{first - rr->first_block} * kCrcBlock, reply->payload.data(),
               size_t{n} * kCrcBlock);
      }
      break;
    }
    if (!repaired) {
      co_return Err(EIO, "chunk {} blocks {}..{} fail their checksums and no replica has a good copy{}",
                    key.ToString(), first, first + n - 1, tried);
    }
    i = j;
  }
  co_return Status::Ok();
}

asio::awaitable<Status> ChunkService::RepairEdges(const ChainView& view, const ChunkKey& key, const ChunkMeta& meta,
                                                  uint64_t start, uint64_t end) {
  std::vector<uint32_t> blocks;
  for (uint64_t edge : {start, end}) {
    if (edge % kCrcBlock == 0 || AlignDown(edge) >= meta.length) continue;
    uint32_t b = static_cast<uint32_t>(edge / kCrcBlock);
    if (blocks.empty() || blocks.back() != b) blocks.push_back(b);
  }
  std::vector<uint32_t> bad;
  for (uint32_t b : blocks) {
    auto rr = co_await store_->Read(key, meta, b * kCrcBlock, kCrcBlock);
    if (!rr.ok()) co_return rr.status();
    bad.insert(bad.end(), rr->bad_blocks.begin(), rr->bad_blocks.end());
  }
  if (bad.empty()) co_return Status::Ok();
  stats_.checksum_errors += bad.size();
  spdlog::error("chunk {}: block {} to merge a partial update with fails its checksum", key.ToString(), bad.front());
  co_return co_await RepairBlocks(view, key, meta, bad, nullptr);
}

asio::awaitable<StatusOr<ChunkMeta>> ChunkService::SyncFromPredecessor(const ChainView& view, const ChunkKey& key,
                                                                       const std::optional<ChunkMeta>& old,
                                                                       const UpdateVersion& v) {
  if (view.position <= 0) co_return Err(EINVAL, "the head has no predecessor to sync chunk {} from", key.ToString());
  const std::string& prev = view.addresses[static_cast<size_t>(view.position) - 1];
  const ReadRequest rq = WholeChunkRead(view, key);
  auto reply = co_await peers_->Call(prev, PeerPool::kRepairLane, FRAME_READ, rq, {}, options_.peer_read_timeout);
  if (!reply.ok()) co_return Err(EAGAIN, "sync chunk {} from {}: {}", key.ToString(), prev, reply.status().ToString());
  const DataReply& d = reply->reply;
  if (d.err() != 0) co_return Status(d.err(), fmt::format("sync chunk {} from {}: {}", key.ToString(), prev, d.message()));
  if (d.chunk_version() != v.version) {
    co_return Err(EAGAIN, "sync chunk {} from {}: its copy is at v{}, the update at v{}", key.ToString(), prev,
                  d.chunk_version(), v.version);
  }
  long bad = FirstBadBlock(reply->payload.data(), d.length(), {d.crcs().data(), static_cast<size_t>(d.crcs_size())});
  if (bad >= 0) co_return Err(EBADMSG, "sync chunk {} from {}: piece {} fails its CRC", key.ToString(), prev, bad);
  IoBuffer buf = d.length() ? std::move(reply->payload) : store_->pool()->Get(kCrcBlock);
  auto m = co_await store_->Install(key, old, buf, d.length(), v);
  if (m.ok()) {
    ++stats_.syncs;
    spdlog::info("chunk {}: copied whole from {} at v{} (this copy was at v{})", key.ToString(), prev, v.version,
                 old ? old->version : 0);
  }
  co_return m;
}

}  // namespace weft::chunk
