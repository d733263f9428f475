#include "server/chunk/service.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace weft::chunk {

ChunkService::ChunkService(const ServiceOptions& options, ChunkStore* store, ChainTableCache* chains,
                           PeerPool* peers, std::function<void()> request_refresh)
    : options_(options), store_(store), chains_(chains), peers_(peers), request_refresh_(std::move(request_refresh)) {}

asio::awaitable<Response> ChunkService::Handle(Request req) {
  switch (req.type) {
    case FRAME_WRITE:
      ++stats_.writes;
      co_return co_await HandleWrite(req);
    case FRAME_READ:
      ++stats_.reads;
      co_return co_await HandleRead(req);
    case FRAME_TRUNCATE:
      ++stats_.truncates;
      co_return co_await HandleTruncate(req);
    case FRAME_REMOVE:
      ++stats_.removes;
      co_return co_await HandleRemove(req);
    case FRAME_PING:
      co_return Response{};
    default:
      co_return Fail(Err(EPROTO, "unknown frame type {}", req.type), 0);
  }
}

Response ChunkService::Fail(const Status& s, uint32_t chain_id) {
  Response r;
  r.reply.set_err(s.err() ? s.err() : EIO);
  r.reply.set_message(s.message());
  if (auto v = chains_->Find(chain_id)) r.reply.set_chain_version(v->version);
  if (s.err() == ESTALE) ++stats_.stale;
  if (s.err() == ESTALE || s.err() == EAGAIN || s.err() == EINVAL) {
    spdlog::debug("request on chain {}: {}", chain_id, s.ToString());
  } else {
    spdlog::warn("request on chain {}: {}", chain_id, s.ToString());
  }
  return r;
}

asio::awaitable<StatusOr<ChainView>> ChunkService::ResolveChain(const ChainRef& ref) {
  const int64_t deadline = MonoMs() + options_.refresh_wait.count();
  for (;;) {
    std::optional<ChainView> v = chains_->Find(ref.chain_id());
    if (v && ref.chain_version() == v->version) {
      if (!v->member()) {
        co_return Err(ESTALE, "this server (id {}) is not in chain {} v{}", chains_->self(), v->id, v->version);
      }
      co_return std::move(*v);
    }
    if (v && ref.chain_version() < v->version) {
      co_return Err(ESTALE, "chain {} is at v{}, the request used v{}", v->id, v->version, ref.chain_version());
    }
    // The request knows a newer chain (or one this server has not seen): ask weft-meta.
    request_refresh_();
    int64_t left = deadline - MonoMs();
    if (left <= 0) {
      if (v) {
        co_return Err(EAGAIN, "chain {}: this server has v{}, the request v{} (table refresh pending)", v->id,
                      v->version, ref.chain_version());
      }
      co_return Err(ESTALE, "chain {} is not in this server's table v{}", ref.chain_id(), chains_->version());
    }
    co_await table_changed_.WaitFor(std::chrono::milliseconds(left));
  }
}

Status ChunkService::CheckChainCurrent(const ChainView& view) const {
  std::optional<ChainView> now = chains_->Find(view.id);
  if (!now || now->version != view.version) {
    return Err(ESTALE, "chain {} changed from v{} while the request waited", view.id, view.version);
  }
  return Status::Ok();
}

asio::awaitable<Status> ChunkService::RemoveOne(const ChunkKey& key) {
  auto locks = locks_.Get(key);
  auto update = co_await locks->update.Scoped();
  auto data = co_await locks->data.Exclusive();
  auto meta = store_->GetMeta(key);
  if (!meta.ok()) co_return meta.status();
  if (!meta->has_value()) co_return Status::Ok();
  co_return co_await store_->Remove(key, **meta);
}

asio::awaitable<StatusOr<uint64_t>> ChunkService::RemoveLocal(uint64_t ino, uint32_t from_index) {
  auto keys = store_->List(ino, from_index);
  if (!keys.ok()) co_return keys.status();
  uint64_t n = 0;
  for (const ChunkKey& k : *keys) {
    Status s = co_await RemoveOne(k);
    if (!s.ok()) co_return s;
    ++n;
  }
  co_return n;
}

void SetReplyCrcs(DataReply* reply, const char* payload, size_t len) {
  auto* crcs = reply->mutable_crcs();
  crcs->Reserve(static_cast<int>((len + kCrcBlock - 1) / kCrcBlock));
  for (size_t off = 0; off < len; off += kCrcBlock) {
    crcs->Add(Crc32c(payload + off, std::min<size_t>(kCrcBlock, len - off)));
  }
}

}  // namespace weft::chunk
