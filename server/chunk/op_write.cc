// FRAME_WRITE: verify the payload's CRCs, apply the write locally under the chunk's locks, forward it to
// the next replica, and acknowledge once the rest of the chain has; the head assigns the version.
#include <spdlog/spdlog.h>

#include "server/chunk/service.h"

namespace weft::chunk {

asio::awaitable<Response> ChunkService::HandleWrite(Request& r) {
  const WriteRequest& req = std::get<WriteRequest>(r.msg);
  const uint32_t chain_id = req.chain().chain_id();
  if (Status s = ValidateWrite(req, r.payload_len, options_.limits); !s.ok()) co_return Fail(s, chain_id);
  const char* payload = r.payload.data() + r.payload_skip;
  long bad = FirstBadBlock(payload, r.payload_len, {req.crcs().data(), static_cast<size_t>(req.crcs_size())});
  if (bad >= 0) {
    ++stats_.transit_errors;
    co_return Fail(Err(EBADMSG, "write payload piece {} does not match its CRC (damaged in transit)", bad), chain_id);
  }
  auto view = co_await ResolveChain(req.chain());
  if (!view.ok()) co_return Fail(view.status(), chain_id);
  if (view->position != static_cast<int>(req.hop())) {
    co_return Fail(Err(ESTALE, "write at hop {} reached position {} of chain {} v{}", req.hop(), view->position,
                       chain_id, view->version),
                   chain_id);
  }
  const ChunkKey key{req.chunk().ino(), req.chunk().index()};
  auto locks = locks_.Get(key);
  auto update = co_await locks->update.Scoped();
  if (Status s = CheckChainCurrent(*view); !s.ok()) co_return Fail(s, chain_id);
  auto old = store_->GetMeta(key);
  if (!old.ok()) co_return Fail(old.status(), chain_id);
  const uint64_t base = *old ? (*old)->version : 0;
  const uint64_t uv = req.hop() == 0 ? base + 1 : req.update_version();
  const bool tail = view->is_tail();
  const UpdateVersion v{uv, tail ? uv : (*old ? (*old)->committed : 0), req.chunk_size()};

  StatusOr<ChunkMeta> applied = Err(EIO, "not applied");
  {
    auto data = co_await locks->data.Exclusive();
    if (req.hop() > 0 && uv != base + 1) {
      // This copy missed updates (or holds one the chain dropped): take the predecessor's whole chunk.
      applied = co_await SyncFromPredecessor(*view, key, *old, v);
    } else {
      applied = co_await store_->Write(key, *old, req.offset(), req.length(), r.payload, v);
      if (!applied.ok() && applied.status().err() == EIO && *old) {
        // An edge block to merge with failed its checksum: repair it from a replica and try again.
        Status rs = co_await RepairEdges(*view, key, **old, req.offset(), uint64_t{req.offset()} + req.length());
        if (rs.ok()) applied = co_await store_->Write(key, *old, req.offset(), req.length(), r.payload, v);
      }
    }
  }
  if (!applied.ok()) co_return Fail(applied.status().Annotate("write chunk " + key.ToString()), chain_id);

  if (!tail) {
    WriteRequest fwd = req;
    fwd.set_hop(req.hop() + 1);
    fwd.set_update_version(uv);
    fwd.mutable_chain()->set_chain_version(view->version);
    const std::string& next = view->addresses[static_cast<size_t>(view->position) + 1];
    auto reply = co_await peers_->Call(next, static_cast<int>(fwd.hop()), FRAME_WRITE, fwd,
                                       {payload, r.payload_len}, options_.forward_timeout);
    if (!reply.ok()) {
      co_return Fail(Err(EAGAIN, "forward to {} failed ({}): refresh the chain table and retry", next,
                         reply.status().ToString()),
                     chain_id);
    }
    if (reply->reply.err() != 0) {
      co_return Fail(Status(reply->reply.err(), "from " + next + ": " + reply->reply.message()), chain_id);
    }
    applied->committed = uv;
    store_->MarkCommitted(key, *applied);
  }
  Response resp;
  resp.reply.set_chunk_version(uv);
  resp.reply.set_chunk_length(applied->length);
  resp.reply.set_chain_version(view->version);
  co_return resp;
}

}  // namespace weft::chunk
