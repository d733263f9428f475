// FRAME_WRITE: verify the payload's CRCs, apply the write locally under the chunk's locks, forward it to
// the next replica, and acknowledge once the rest of the chain has; the head assigns the version.
// When the local write needs no read-merge and no sync, it runs concurrently with the forward (the chain's
// latency is then one disk write plus the hops, not one disk write per replica); the chunk's update lock
// keeps the order either way.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <spdlog/spdlog.h>

#include "server/chunk/service.h"

namespace weft::chunk {

using namespace boost::asio::experimental::awaitable_operators;

asio::awaitable<Status> ChunkService::Forward(const ChainView& view, uint8_t type,
                                              const google::protobuf::MessageLite& msg, std::span<const char> payload,
                                              int lane) {
  const std::string& next = view.addresses[static_cast<size_t>(view.position) + 1];
  auto reply = co_await peers_->Call(next, lane, type, msg, payload, options_.forward_timeout);
  if (!reply.ok()) {
    co_return Err(EAGAIN, "forward to {} failed ({}): refresh the chain table and retry", next,
                  reply.status().ToString());
  }
  if (reply->reply.err() != 0) co_return Status(reply->reply.err(), "from " + next + ": " + reply->reply.message());
  co_return Status::Ok();
}

asio::awaitable<ChunkService::Applied> ChunkService::ApplyWrite(const ChainView& view, const ChunkKey& key,
                                                                ChunkLocks* locks, const std::optional<ChunkMeta>& old,
                                                                const WriteRequest& req, IoBuffer& payload,
                                                                const UpdateVersion& v, bool sync) {
  Applied out;
  auto data = co_await locks->data.Exclusive();
  StatusOr<ChunkMeta> m = Err(EIO, "not applied");
  if (sync) {
    // This copy missed updates (or holds one the chain dropped): take the predecessor's whole chunk.
    m = co_await SyncFromPredecessor(view, key, old, v);
  } else {
    const std::span<const uint32_t> crcs(req.crcs().data(), static_cast<size_t>(req.crcs_size()));
    m = co_await store_->Write(key, old, req.offset(), req.length(), payload, v, crcs);
    if (!m.ok() && m.status().err() == EIO && old) {
      // An edge block to merge with failed its checksum: repair it from a replica and try again.
      Status rs = co_await RepairEdges(view, key, *old, req.offset(), uint64_t{req.offset()} + req.length());
      if (rs.ok()) m = co_await store_->Write(key, old, req.offset(), req.length(), payload, v, crcs);
    }
  }
  if (m.ok()) {
    out.meta = std::move(*m);
  } else {
    out.status = m.status().Annotate("write chunk " + key.ToString());
  }
  co_return out;
}

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
  const uint64_t old_len = *old ? (*old)->length : 0;
  const uint64_t uv = req.hop() == 0 ? base + 1 : req.update_version();
  const bool tail = view->is_tail();
  const bool sync = req.hop() > 0 && uv != base + 1;
  const UpdateVersion v{uv, tail ? uv : (*old ? (*old)->committed : 0), req.chunk_size(), chain_id};

  Applied applied;
  if (tail) {
    applied = co_await ApplyWrite(*view, key, locks.get(), *old, req, r.payload, v, sync);
  } else {
    WriteRequest fwd = req;
    fwd.set_hop(req.hop() + 1);
    fwd.set_update_version(uv);
    fwd.mutable_chain()->set_chain_version(view->version);
    const std::span<const char> bytes(payload, r.payload_len);
    const uint64_t end = uint64_t{req.offset()} + req.length();
    const bool merge = (req.offset() % kCrcBlock && AlignDown(req.offset()) < old_len) ||
                       (end % kCrcBlock && AlignDown(end) < old_len);
    Status forwarded;
    if (sync || merge) {
      // Sequential: a sync or a repair reads from the other replicas, which must not be mid-update.
      applied = co_await ApplyWrite(*view, key, locks.get(), *old, req, r.payload, v, sync);
      if (applied.status.ok()) forwarded = co_await Forward(*view, FRAME_WRITE, fwd, bytes, static_cast<int>(fwd.hop()));
    } else {
      std::tie(applied, forwarded) =
          co_await (ApplyWrite(*view, key, locks.get(), *old, req, r.payload, v, false) &&
                    Forward(*view, FRAME_WRITE, fwd, bytes, static_cast<int>(fwd.hop())));
    }
    if (applied.status.ok() && !forwarded.ok()) co_return Fail(forwarded, chain_id);
    if (applied.status.ok()) {
      applied.meta.committed = uv;
      store_->MarkCommitted(key, applied.meta);
    }
  }
  if (!applied.status.ok()) co_return Fail(applied.status, chain_id);
  Response resp;
  resp.reply.set_chunk_version(uv);
  resp.reply.set_chunk_length(applied.meta.length);
  resp.reply.set_chain_version(view->version);
  co_return resp;
}

}  // namespace weft::chunk
