#include "server/chunk/service.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/secret.h"

namespace weft::chunk {

ChunkService::ChunkService(const ServiceOptions& options, asio::any_io_executor loop, ChunkStore* store,
                           ChainTableCache* chains, PeerPool* peers, const CapabilitySigner* signer,
                           std::function<void()> request_refresh)
    : options_(options), loop_(std::move(loop)), store_(store), chains_(chains), peers_(peers), signer_(signer),
      request_refresh_(std::move(request_refresh)) {}

Status ChunkService::Authorize(const Request& r) const {
  const ChunkId* chunk = nullptr;
  const std::string* cap = nullptr;
  uint8_t access = kCapWrite;
  const char* what = "";
  if (const auto* w = std::get_if<WriteRequest>(&r.msg)) {
    chunk = &w->chunk(), cap = &w->capability(), what = "write";
  } else if (const auto* rd = std::get_if<ReadRequest>(&r.msg)) {
    chunk = &rd->chunk(), cap = &rd->capability(), what = "read", access = kCapRead;
  } else if (const auto* t = std::get_if<TruncateRequest>(&r.msg)) {
    chunk = &t->chunk(), cap = &t->capability(), what = "truncate";
  } else if (const auto* rm = std::get_if<RemoveRequest>(&r.msg)) {
    chunk = &rm->chunk(), cap = &rm->capability(), what = "remove";
  } else if (const auto* l = std::get_if<ListRequest>(&r.msg)) {
    // Only chunk servers list: a capability for inode 0 granting kCapList, which weft-meta never issues.
    auto c = signer_->Verify(l->capability());
    Status s = c.ok() ? CheckCapability(*c, 0, kCapList, NowUnixMs(), options_.capability_skew.count()) : c.status();
    if (!s.ok()) return s.Annotate(fmt::format("list of chain {} refused", l->chain().chain_id()));
    return s;
  } else {
    return Status::Ok();  // PING: no data
  }
  const Capability* known = nullptr;
  if (r.verified) {
    for (const auto& [wire, c] : r.verified->slots) {
      if (!wire.empty() && SecretEqual(wire, *cap)) known = &c;
    }
  }
  Status s;
  if (known) {
    s = CheckCapability(*known, chunk->ino(), access, NowUnixMs(), options_.capability_skew.count());
  } else if (auto c = signer_->Verify(*cap); !c.ok()) {
    s = c.status();
  } else {
    s = CheckCapability(*c, chunk->ino(), access, NowUnixMs(), options_.capability_skew.count());
    if (r.verified) r.verified->slots[r.verified->next++ % VerifiedCapabilities::kSlots] = {*cap, *c};
  }
  if (!s.ok()) return s.Annotate(fmt::format("{} of chunk {}/{} refused", what, chunk->ino(), chunk->index()));
  return s;
}

std::string ChunkService::PeerCapability(uint64_t ino) const {
  return signer_->Mint({.ino = ino, .access = kCapRead, .expiry_ms = NowUnixMs() + 60000});
}

std::string ChunkService::ListCapability() const {
  return signer_->Mint({.ino = 0, .access = kCapList, .expiry_ms = NowUnixMs() + 60000});
}

asio::awaitable<Response> ChunkService::Handle(Request req) {
  if (Status s = Authorize(req); !s.ok()) {
    ++stats_.refused;
    uint32_t chain_id = 0;
    std::visit([&chain_id](const auto& m) {
      if constexpr (!std::is_same_v<std::decay_t<decltype(m)>, std::monostate>) chain_id = m.chain().chain_id();
    }, req.msg);
    co_return Fail(s, chain_id);
  }
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
    case FRAME_LIST:
      co_return co_await HandleList(req);
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
