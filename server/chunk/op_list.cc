// FRAME_LIST: one page of this server's chunks of a chain, for a replica being filled (chain_sync.cc).
// Peers only: Authorize requires a kCapList capability, which only chunk servers mint.
#include "server/chunk/service.h"

namespace weft::chunk {
namespace {

// Records scanned per page. The scan runs on the loop, so it is kept short; every entry is at most
// ~30 bytes, so a page's header stays far below the frame limits.
constexpr size_t kListScan = 1024;

}  // namespace

asio::awaitable<Response> ChunkService::HandleList(Request& r) {
  const ListRequest& req = std::get<ListRequest>(r.msg);
  const uint32_t chain_id = req.chain().chain_id();
  if (Status s = ValidateList(req); !s.ok()) co_return Fail(s, chain_id);
  // The lister must see the chain at least at the requester's version: from then on, every update of the
  // chain goes through the replica being filled too, so what the list misses reaches it anyway.
  auto view = co_await ResolveChain(req.chain());
  if (!view.ok()) co_return Fail(view.status(), chain_id);
  std::optional<ChunkKey> after;
  if (req.has_after()) after = ChunkKey{req.after().ino(), req.after().index()};
  auto page = store_->ScanChain(chain_id, after, kListScan);
  if (!page.ok()) co_return Fail(page.status().Annotate("list chain " + std::to_string(chain_id)), chain_id);
  Response resp;
  resp.reply.set_chain_version(view->version);
  for (const auto& [k, m] : page->entries) {
    ChunkListEntry* e = resp.reply.add_entries();
    e->set_ino(k.ino);
    e->set_index(k.index);
    e->set_version(m.version);
    e->set_length(m.length);
    e->set_chunk_size(m.chunk_size);
  }
  if (page->next) {
    resp.reply.set_more(true);
    resp.reply.mutable_next()->set_ino(page->next->ino);
    resp.reply.mutable_next()->set_index(page->next->index);
  }
  co_return resp;
}

}  // namespace weft::chunk
