// FRAME_READ: serve a clean copy (or any copy at the tail, or to a peer with any_state), verifying every
// stored block's CRC; a bad block is counted, logged, fetched from another replica, repaired on disk,
// and the reader gets the good bytes. Bytes past the chunk's length (and holes) read as zeros.
#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

#include "server/chunk/service.h"

namespace weft::chunk {

asio::awaitable<Response> ChunkService::HandleRead(Request& r) {
  const ReadRequest& req = std::get<ReadRequest>(r.msg);
  const uint32_t chain_id = req.chain().chain_id();
  if (Status s = ValidateRead(req, options_.limits); !s.ok()) co_return Fail(s, chain_id);
  auto view = co_await ResolveChain(req.chain());
  if (!view.ok()) co_return Fail(view.status(), chain_id);
  if (view->syncing() && !req.any_state()) {
    co_return Fail(Err(ESTALE, "server {} is still being filled for chain {}: read from its members", chains_->self(),
                       chain_id),
                   chain_id);
  }

  const ChunkKey key{req.chunk().ino(), req.chunk().index()};
  auto locks = locks_.Get(key);
  auto shared = co_await locks->data.Shared();
  auto meta = store_->GetMeta(key);
  if (!meta.ok()) co_return Fail(meta.status(), chain_id);

  Response resp;
  resp.reply.set_chain_version(view->version);
  if (!meta->has_value()) {  // no such chunk here: a hole
    uint32_t len = req.whole_chunk() ? 0 : req.length();
    resp.payload = store_->pool()->Get(len, /*zero=*/true);
    resp.reply.set_length(len);
    SetReplyCrcs(&resp.reply, resp.payload.data(), len);
    co_return resp;
  }
  const ChunkMeta& m = **meta;
  // Dirty: an update applied here but not yet acknowledged by the chain, or one on its way (this copy may
  // apply it after the tail did, since replicas apply concurrently): only the tail answers then. With a
  // replica being filled behind it, the last readable member is that tail: the filler holds nothing newer
  // that the readable members lack.
  if (!req.any_state() && !view->is_read_tail() && (!m.clean() || locks_.UpdateInFlight(key))) {
    co_return Fail(Err(EAGAIN, "chunk {} is dirty here (v{}, committed v{}): read from the tail", key.ToString(),
                       m.version, m.committed),
                   chain_id);
  }
  const uint32_t offset = req.whole_chunk() ? 0 : req.offset();
  const uint32_t length = req.whole_chunk() ? m.length : req.length();
  auto rr = co_await store_->Read(key, m, offset, length);
  if (!rr.ok()) co_return Fail(rr.status().Annotate("read chunk " + key.ToString()), chain_id);
  if (!rr->bad_blocks.empty()) {
    stats_.checksum_errors += rr->bad_blocks.size();
    spdlog::error("chunk {}: {} block(s) fail their checksum on disk (first: block {})", key.ToString(),
                  rr->bad_blocks.size(), rr->bad_blocks.front());
    if (req.any_state()) {
      co_return Fail(Err(EIO, "chunk {} block {} fails its checksum here", key.ToString(), rr->bad_blocks.front()),
                     chain_id);
    }
    Status s = co_await RepairBlocks(*view, key, m, rr->bad_blocks, &*rr);
    if (!s.ok()) co_return Fail(s, chain_id);
  }
  const char* payload = rr->buf.data() + rr->skip;
  resp.reply.set_length(length);
  resp.reply.set_chunk_version(m.version);
  resp.reply.set_chunk_length(m.length);
  if (offset % kCrcBlock == 0) {
    // Whole stored blocks already carry their CRCs (zero-extended, which the zero-filled reply matches).
    auto* crcs = resp.reply.mutable_crcs();
    for (uint32_t off = 0; off < length; off += kCrcBlock) {
      uint32_t b = (offset + off) / kCrcBlock;
      bool whole = length - off >= kCrcBlock;
      crcs->Add(whole && b < m.crcs.size() ? m.crcs[b]
                                           : Crc32c(payload + off, std::min<size_t>(kCrcBlock, length - off)));
    }
  } else {
    SetReplyCrcs(&resp.reply, payload, length);
  }
  resp.skip = rr->skip;
  resp.payload = std::move(rr->buf);
  co_return resp;
}

}  // namespace weft::chunk
