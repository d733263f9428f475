#include "client/data/chunk_io.h"

#include <cstring>
#include <future>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "client/data/connection.h"
#include "common/clock.h"
#include "common/crc32c.h"
#include "weft/data.pb.h"

namespace weft::client {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

// Errors after which another attempt (after a chain-table refresh) may succeed.
bool Retryable(int err) {
  switch (err) {
    case ESTALE: case EAGAIN: case ECONNREFUSED: case ECONNRESET: case EPIPE: case ETIMEDOUT:
    case ENOTCONN: case EHOSTUNREACH: case ESHUTDOWN: case ECONNABORTED: case ECANCELED:
      return true;
    default:
      return false;
  }
}

Status ReplyStatus(const CallResult& r) {
  if (!r.status.ok()) return r.status;
  if (r.reply.err() != 0) return Status(r.reply.err(), r.reply.message().empty() ? "chunk server error" : r.reply.message());
  return Status::Ok();
}

void FillChainRef(ChainRef* out, const ChainView& v) {
  out->set_chain_id(v.id);
  out->set_chain_version(v.version);
}

// The serialized ReadRequest for `length` bytes at `offset` of chunk c on chain v.
std::string ReadRequestFor(const ChunkRef& c, const ChainView& v, uint32_t offset, size_t length) {
  ReadRequest req;
  req.mutable_chunk()->set_ino(c.ino);
  req.mutable_chunk()->set_index(c.index);
  FillChainRef(req.mutable_chain(), v);
  req.set_offset(offset);
  req.set_length(static_cast<uint32_t>(length));
  req.set_capability(c.capability);
  return req.SerializeAsString();
}

template <typename T>
T RunSync(IoLoop& loop, awaitable<T> aw) {
  std::promise<T> p;
  auto f = p.get_future();
  asio::co_spawn(loop.io, std::move(aw), [&p](std::exception_ptr e, T v) {
    if (e) p.set_value(Err(EIO, "data-plane coroutine failed with an exception"));
    else p.set_value(std::move(v));
  });
  return f.get();
}

}  // namespace

ChunkRef ChunkFor(const Layout& layout, uint64_t ino, uint64_t file_offset, std::string capability) {
  ChunkRef c;
  c.ino = ino;
  c.capability = std::move(capability);
  c.chunk_size = layout.chunk_size();
  c.index = static_cast<uint32_t>(file_offset / layout.chunk_size());
  if (layout.chains_size() > 0) c.chain_id = layout.chains(static_cast<int>(c.index % layout.chains_size()));
  return c;
}

ChunkIo::ChunkIo(IoRuntime* runtime, ChainMap* chains, const ChunkIoOptions& options)
    : runtime_(runtime),
      chains_(chains),
      opts_(options),
      blocking_(options.blocking_reads ? std::make_unique<BlockingCalls>() : nullptr) {}

awaitable<void> ChunkIo::Backoff(IoLoop& loop, int attempt) {
  asio::steady_timer t(loop.io, std::chrono::milliseconds(std::min(50 << std::min(attempt, 5), 1000)));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

template <typename Fn>
awaitable<Status> ChunkIo::Mutate(IoLoop& loop, ChunkRef c, const char* what, Fn&& send) {
  int64_t deadline = MonoMs() + opts_.retry_window_ms;
  Status last;
  for (int attempt = 0;; ++attempt) {
    auto chain = chains_->Get(c.chain_id);
    if (chain && !chain->servers.empty()) {
      auto conn = loop.pool->Get(chain->servers.front());
      CallResult r = co_await send(*conn, *chain);
      last = ReplyStatus(r);
      if (last.ok()) co_return last;
      if (!Retryable(last.err())) {
        co_return last.Annotate(fmt::format("{} chunk {}/{} via {}", what, c.ino, c.index, chain->servers.front()));
      }
      spdlog::debug("{} chunk {}/{} via {}: {} (retrying)", what, c.ino, c.index, chain->servers.front(),
                    last.ToString());
    } else {
      last = Err(EIO, "chain {} has no live chunk server", c.chain_id);
    }
    chains_->RequestRefresh();
    if (MonoMs() > deadline) {
      co_return last.Annotate(fmt::format("{} chunk {}/{} gave up after {} ms", what, c.ino, c.index,
                                          opts_.retry_window_ms));
    }
    co_await Backoff(loop, attempt);
  }
}

awaitable<Status> ChunkIo::Write(IoLoop& loop, ChunkRef c, uint32_t offset, std::span<const char> data,
                                 std::span<const uint32_t> crcs) {
  if (c.chain_id == 0 && c.chunk_size == 0) co_return Err(EIO, "file has no data layout");
  co_return co_await Mutate(loop, c, "write", [&](Connection& conn, const ChainView& v) {
    WriteRequest req;
    req.mutable_chunk()->set_ino(c.ino);
    req.mutable_chunk()->set_index(c.index);
    FillChainRef(req.mutable_chain(), v);
    req.set_offset(offset);
    req.set_length(static_cast<uint32_t>(data.size()));
    req.mutable_crcs()->Add(crcs.begin(), crcs.end());
    req.set_chunk_size(c.chunk_size);
    req.set_capability(c.capability);
    return conn.Call(FRAME_WRITE, req.SerializeAsString(), data, {}, std::chrono::milliseconds(opts_.request_timeout_ms));
  });
}

awaitable<Status> ChunkIo::Truncate(IoLoop& loop, ChunkRef c, uint32_t length) {
  co_return co_await Mutate(loop, c, "truncate", [&](Connection& conn, const ChainView& v) {
    TruncateRequest req;
    req.mutable_chunk()->set_ino(c.ino);
    req.mutable_chunk()->set_index(c.index);
    FillChainRef(req.mutable_chain(), v);
    req.set_length(length);
    req.set_chunk_size(c.chunk_size);
    req.set_capability(c.capability);
    return conn.Call(FRAME_TRUNCATE, req.SerializeAsString(), {}, {}, std::chrono::milliseconds(opts_.request_timeout_ms));
  });
}

awaitable<Status> ChunkIo::Remove(IoLoop& loop, ChunkRef c) {
  co_return co_await Mutate(loop, c, "remove", [&](Connection& conn, const ChainView& v) {
    RemoveRequest req;
    req.mutable_chunk()->set_ino(c.ino);
    req.mutable_chunk()->set_index(c.index);
    FillChainRef(req.mutable_chain(), v);
    req.set_capability(c.capability);
    return conn.Call(FRAME_REMOVE, req.SerializeAsString(), {}, {}, std::chrono::milliseconds(opts_.request_timeout_ms));
  });
}

awaitable<Status> ChunkIo::Read(IoLoop& loop, ChunkRef c, uint32_t offset, std::span<char> out) {
  if (out.empty()) co_return Status::Ok();
  int64_t deadline = MonoMs() + opts_.retry_window_ms;
  Status last;
  for (int attempt = 0;; ++attempt) {
    auto chain = chains_->Get(c.chain_id);
    bool stale = false;
    if (chain && !chain->servers.empty()) {
      size_t n = chain->servers.size();
      // Spread reads of clean chunks over the replicas; a dirty replica sends us to the tail.
      size_t first = static_cast<size_t>((c.ino * 31 + c.index) % n);
      std::vector<size_t> order;
      for (size_t i = 0; i < n; ++i) order.push_back((first + i) % n);
      for (size_t k = 0; k < order.size() && !stale; ++k) {
        const std::string& addr = chain->servers[order[k]];
        auto conn = loop.pool->Get(addr);
        CallResult r = co_await conn->Call(FRAME_READ, ReadRequestFor(c, *chain, offset, out.size()), {}, out,
                                           std::chrono::milliseconds(opts_.request_timeout_ms));
        last = ReplyStatus(r);
        if (last.ok()) {
          size_t got = r.reply.length();
          std::span<const uint32_t> crcs(r.reply.crcs().data(), static_cast<size_t>(r.reply.crcs_size()));
          long bad = FirstBadBlock(out.data(), got, crcs);
          if (bad < 0) {
            if (got < out.size()) std::memset(out.data() + got, 0, out.size() - got);
            co_return Status::Ok();
          }
          last = Err(EIO, "checksum mismatch in block {} of a reply from {}", bad, addr);
          spdlog::warn("read chunk {}/{}: {}", c.ino, c.index, last.ToString());
          continue;
        }
        if (last.err() == ESTALE) stale = true;
        else if (last.err() == EAGAIN && order[k] != n - 1) {
          // Dirty here: the tail is authoritative. Try it next.
          auto tail_pos = std::find(order.begin() + static_cast<long>(k) + 1, order.end(), n - 1);
          if (tail_pos != order.end()) std::iter_swap(order.begin() + static_cast<long>(k) + 1, tail_pos);
        } else if (!Retryable(last.err()) && last.err() != EIO) {
          co_return last.Annotate(fmt::format("read chunk {}/{} from {}", c.ino, c.index, addr));
        }
      }
    } else {
      last = Err(EIO, "chain {} has no live chunk server", c.chain_id);
    }
    chains_->RequestRefresh();
    if (MonoMs() > deadline) {
      co_return last.Annotate(fmt::format("read chunk {}/{} gave up after {} ms", c.ino, c.index, opts_.retry_window_ms));
    }
    co_await Backoff(loop, attempt);
  }
}

std::optional<Status> ChunkIo::ReadBlocking(const ChunkRef& c, uint32_t offset, std::span<char> out) {
  auto chain = chains_->Get(c.chain_id);
  if (!chain || chain->servers.empty()) return std::nullopt;
  // The replica the ordinary path tries first (Read above).
  const std::string& addr = chain->servers[static_cast<size_t>((c.ino * 31 + c.index) % chain->servers.size())];
  auto reply = blocking_->Call(addr, FRAME_READ, ReadRequestFor(c, *chain, offset, out.size()), out,
                               static_cast<int>(opts_.request_timeout_ms));
  // Transport trouble, a stale chain, a dirty replica, a busy server: the ordinary path's retries.
  if (!reply.ok() || Retryable(reply->err()) || reply->err() == EIO) return std::nullopt;
  if (reply->err() != 0) {
    return Status(reply->err(), reply->message().empty() ? "chunk server error" : reply->message())
        .Annotate(fmt::format("read chunk {}/{} from {}", c.ino, c.index, addr));
  }
  size_t got = reply->length();
  std::span<const uint32_t> crcs(reply->crcs().data(), static_cast<size_t>(reply->crcs_size()));
  if (long bad = FirstBadBlock(out.data(), got, crcs); bad >= 0) {
    spdlog::warn("read chunk {}/{}: checksum mismatch in block {} of a reply from {}", c.ino, c.index, bad, addr);
    return std::nullopt;  // the ordinary path tries the other replicas
  }
  if (got < out.size()) std::memset(out.data() + got, 0, out.size() - got);
  return Status::Ok();
}

Status ChunkIo::ReadSync(ChunkRef c, uint32_t offset, std::span<char> out) {
  if (out.empty()) return Status::Ok();
  if (blocking_) {
    if (auto s = ReadBlocking(c, offset, out)) return *s;
  }
  IoLoop& loop = runtime_->Pick();
  return RunSync(loop, Read(loop, c, offset, out));
}

Status ChunkIo::TruncateSync(ChunkRef c, uint32_t length) {
  IoLoop& loop = runtime_->Pick();
  return RunSync(loop, Truncate(loop, c, length));
}

Status ChunkIo::RemoveSync(ChunkRef c) {
  IoLoop& loop = runtime_->Pick();
  return RunSync(loop, Remove(loop, c));
}

void ChunkIo::WriteAsync(ChunkRef c, uint32_t offset, std::span<const char> data, std::span<const uint32_t> crcs,
                         std::function<void(Status)> done) {
  IoLoop& loop = runtime_->Pick();
  asio::co_spawn(loop.io, Write(loop, c, offset, data, crcs),
                 [done = std::move(done)](std::exception_ptr e, Status s) {
                   done(e ? Err(EIO, "data-plane coroutine failed with an exception") : std::move(s));
                 });
}

}  // namespace weft::client
