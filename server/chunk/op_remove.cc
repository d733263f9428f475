// FRAME_REMOVE: remove this replica's chunks of ino with index >= chunk.index, at every replica down
// the chain. Not versioned: removal is idempotent, and weft-meta's garbage collection
// (ChunkControl.RemoveChunks) sweeps any replica that missed it.
#include "server/chunk/service.h"

namespace weft::chunk {

asio::awaitable<Response> ChunkService::HandleRemove(Request& r) {
  const RemoveRequest& req = std::get<RemoveRequest>(r.msg);
  const uint32_t chain_id = req.chain().chain_id();
  if (Status s = ValidateRemove(req, options_.limits); !s.ok()) co_return Fail(s, chain_id);
  auto view = co_await ResolveChain(req.chain());
  if (!view.ok()) co_return Fail(view.status(), chain_id);
  if (view->position != static_cast<int>(req.hop())) {
    co_return Fail(Err(ESTALE, "remove at hop {} reached position {} of chain {} v{}", req.hop(), view->position,
                       chain_id, view->version),
                   chain_id);
  }
  auto removed = co_await RemoveLocal(req.chunk().ino(), req.chunk().index());
  if (!removed.ok()) co_return Fail(removed.status(), chain_id);
  if (!view->is_tail()) {
    RemoveRequest fwd = req;
    fwd.set_hop(req.hop() + 1);
    fwd.mutable_chain()->set_chain_version(view->version);
    const std::string& next = view->addresses[static_cast<size_t>(view->position) + 1];
    auto reply = co_await peers_->Call(next, static_cast<int>(fwd.hop()), FRAME_REMOVE, fwd, {},
                                       options_.forward_timeout);
    if (!reply.ok()) {
      co_return Fail(Err(EAGAIN, "forward to {} failed ({}): refresh the chain table and retry", next,
                         reply.status().ToString()),
                     chain_id);
    }
    if (reply->reply.err() != 0) {
      co_return Fail(Status(reply->reply.err(), "from " + next + ": " + reply->reply.message()), chain_id);
    }
  }
  Response resp;
  resp.reply.set_chain_version(view->version);
  co_return resp;
}

}  // namespace weft::chunk
