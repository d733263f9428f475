// FRAME_TRUNCATE: set chunk (ino, index)'s length and remove this replica's chunks of ino with a larger
// index, at every replica down the chain; versioned like a write.
#include <spdlog/spdlog.h>

#include "server/chunk/service.h"

namespace weft::chunk {

asio::awaitable<Response> ChunkService::HandleTruncate(Request& r) {
  const TruncateRequest& req = std::get<TruncateRequest>(r.msg);
  const uint32_t chain_id = req.chain().chain_id();
  if (Status s = ValidateTruncate(req, options_.limits); !s.ok()) co_return Fail(s, chain_id);
  auto view = co_await ResolveChain(req.chain());
  if (!view.ok()) co_return Fail(view.status(), chain_id);
  if (view->position != static_cast<int>(req.hop())) {
    co_return Fail(Err(ESTALE, "truncate at hop {} reached position {} of chain {} v{}", req.hop(), view->position,
                       chain_id, view->version),
                   chain_id);
  }
  const ChunkKey key{req.chunk().ino(), req.chunk().index()};
  std::optional<ChunkMeta> result;
  uint64_t uv = 0;
  {
    auto locks = locks_.Get(key);
    auto update = co_await locks->update.Scoped();
    if (Status s = CheckChainCurrent(*view); !s.ok()) co_return Fail(s, chain_id);
    auto old = store_->GetMeta(key);
    if (!old.ok()) co_return Fail(old.status(), chain_id);
    const uint64_t base = *old ? (*old)->version : 0;
    uv = req.hop() == 0 ? base + 1 : req.update_version();
    const bool tail = view->is_tail();
    const UpdateVersion v{uv, tail ? uv : (*old ? (*old)->committed : 0), req.chunk_size(), chain_id};
    if (*old || req.length() > 0) {  // truncating a chunk that does not exist to 0 leaves nothing to record
      StatusOr<ChunkMeta> applied = Err(EIO, "not applied");
      {
        auto data = co_await locks->data.Exclusive();
        if (req.hop() > 0 && uv != base + 1) {
          applied = co_await SyncFromPredecessor(*view, key, *old, v);
        } else {
          applied = co_await store_->Truncate(key, *old, req.length(), v);
          if (!applied.ok() && applied.status().err() == EIO && *old) {
            Status rs = co_await RepairEdges(*view, key, **old, req.length(), req.length());
            if (rs.ok()) applied = co_await store_->Truncate(key, *old, req.length(), v);
          }
        }
      }
      if (!applied.ok()) co_return Fail(applied.status().Annotate("truncate chunk " + key.ToString()), chain_id);
      result = *applied;
    }
    // The inode's higher chunks on this server go (whichever chain they belong to: they are past the end).
    auto higher = key.index == UINT32_MAX ? StatusOr<std::vector<ChunkKey>>(std::vector<ChunkKey>())
                                          : store_->List(key.ino, key.index + 1);
    if (!higher.ok()) co_return Fail(higher.status(), chain_id);
    for (const ChunkKey& k : *higher) {
      if (Status s = co_await RemoveOne(k); !s.ok()) co_return Fail(s, chain_id);
    }
    if (!view->is_tail()) {
      TruncateRequest fwd = req;
      fwd.set_hop(req.hop() + 1);
      fwd.set_update_version(uv);
      fwd.mutable_chain()->set_chain_version(view->version);
      const std::string& next = view->addresses[static_cast<size_t>(view->position) + 1];
      auto reply = co_await peers_->Call(next, static_cast<int>(fwd.hop()), FRAME_TRUNCATE, fwd, {},
                                         options_.forward_timeout);
      if (!reply.ok()) {
        co_return Fail(Err(EAGAIN, "forward to {} failed ({}): refresh the chain table and retry", next,
                           reply.status().ToString()),
                       chain_id);
      }
      if (reply->reply.err() != 0) {
        co_return Fail(Status(reply->reply.err(), "from " + next + ": " + reply->reply.message()), chain_id);
      }
      if (result) {
        result->committed = uv;
        store_->MarkCommitted(key, *result);
      }
    }
  }
  Response resp;
  resp.reply.set_chunk_version(uv);
  resp.reply.set_chunk_length(result ? result->length : 0);
  resp.reply.set_chain_version(view->version);
  co_return resp;
}

}  // namespace weft::chunk
