#include "client/data/connection.h"

#include <array>
#include <deque>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "common/frame_io.h"
#include "common/net.h"

namespace weft::client {
namespace asio = boost::asio;
using asio::as_tuple;
using asio::awaitable;
using asio::use_awaitable;

namespace {
Status FromEc(const boost::system::error_code& ec, std::string_view what) { return FromAsioError(ec, what); }
}  // namespace

struct Connection::Pending {
  explicit Pending(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::span<char> into;
  bool done = false;
  CallResult result;
};


Connection::Connection(asio::io_context& io, std::string address, const Tls* tls)
    : io_(io), address_(std::move(address)), socket_(asio::ip::tcp::socket(io), tls, DataStream::Role::kClient) {}

Connection::~Connection() { socket_.Close(); }

void Connection::Close(Status why) { Fail(why); }

void Connection::Fail(const Status& s) {
  if (broken_) return;
  broken_ = true;
  broken_status_ = s;
  state_ = State::kIdle;
  // With Asio's epoll reactor (the client does not enable the io_uring backend), no read or write
  // touches a caller's buffer after close() returns, so failed callers may free their buffers at once
  // (over TLS too: common/data_stream.h).
  socket_.Close();
  for (auto& [id, p] : pending_) {
    p->result.status = s;
    p->done = true;
    p->timer.cancel();
  }
  pending_.clear();
  if (connect_wait_) connect_wait_->cancel();
  spdlog::debug("data connection to {} broken: {}", address_, s.ToString());
}

awaitable<Status> Connection::EnsureConnected() {
  if (state_ == State::kReady) co_return Status::Ok();
  if (broken_) co_return broken_status_;
  if (state_ == State::kConnecting) {
    while (state_ == State::kConnecting && !broken_) {
      co_await connect_wait_->async_wait(as_tuple(use_awaitable));
    }
    co_return broken_ ? broken_status_ : Status::Ok();
  }
  state_ = State::kConnecting;
  connect_wait_ = std::make_unique<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  auto hp = ParseHostPort(address_);
  if (!hp.ok()) {
    Fail(hp.status());
    co_return hp.status();
  }
  asio::ip::tcp::resolver resolver(io_);
  auto [rec, results] = co_await resolver.async_resolve(hp->host, std::to_string(hp->port), as_tuple(use_awaitable));
  if (rec) {
    Status s = FromEc(rec, "resolve " + address_);
    Fail(s);
    co_return s;
  }
  // A connect that hangs (a black-holed address) is abandoned after 5 s.
  asio::steady_timer guard(io_, std::chrono::seconds(5));
  auto self = shared_from_this();
  guard.async_wait([self](const boost::system::error_code& ec) {
    if (!ec && self->state_ == State::kConnecting) self->Fail(Err(ETIMEDOUT, "connect to {} timed out", self->address_));
  });
  auto [cec, ep] = co_await asio::async_connect(socket_.socket(), results, as_tuple(use_awaitable));
  if (broken_) co_return broken_status_;
  if (cec) {
    guard.cancel();
    Status s = FromEc(cec, "connect " + address_);
    Fail(s);
    co_return s;
  }
  boost::system::error_code nec;
  socket_.socket().set_option(asio::ip::tcp::no_delay(true), nec);
  Status hs = co_await socket_.Handshake(hp->host);  // the guard covers the handshake too
  guard.cancel();
  if (broken_) co_return broken_status_;
  if (!hs.ok()) {
    Fail(hs);
    co_return hs;
  }
  state_ = State::kReady;
  connect_wait_->cancel();
  asio::co_spawn(io_, ReadLoop(), [self](std::exception_ptr e) {
    if (e) self->Fail(Err(EIO, "data connection reader failed with an exception"));
  });
  co_return Status::Ok();
}

awaitable<CallResult> Connection::Call(uint8_t type, std::string header, std::span<const char> payload,
                                       std::span<char> into, std::chrono::milliseconds timeout) {
  auto self = shared_from_this();
  if (Status s = co_await EnsureConnected(); !s.ok()) co_return CallResult{s, {}};
  auto p = std::make_shared<Pending>(io_);
  p->into = into;
  p->timer.expires_after(timeout);
  uint64_t id = next_id_++;
  pending_[id] = p;

  Outgoing out;
  FrameHeader h;
  h.type = type;
  h.request_id = id;
  h.payload_len = static_cast<uint32_t>(payload.size());
  EncodeFixedHeader(h, header, out.fixed.data());
  out.header = std::move(header);
  out.payload = payload;
  queue_.push_back(std::move(out));

  if (!sending_) {
    sending_ = true;
    while (!queue_.empty() && !broken_) {
      std::vector<Outgoing> batch;
      while (!queue_.empty() && batch.size() < 64) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      std::vector<asio::const_buffer> bufs;
      bufs.reserve(batch.size() * 3);
      for (auto& o : batch) {
        bufs.emplace_back(o.fixed.data(), o.fixed.size());
        if (!o.header.empty()) bufs.emplace_back(o.header.data(), o.header.size());
        if (!o.payload.empty()) bufs.emplace_back(o.payload.data(), o.payload.size());
      }
      auto [ec, n] = co_await socket_.WriteAll(bufs);
      if (ec) Fail(FromEc(ec, "send to " + address_));
    }
    sending_ = false;
  }

  while (!p->done) {
    auto [ec] = co_await p->timer.async_wait(as_tuple(use_awaitable));
    if (!ec && !p->done) {
      Fail(Err(ETIMEDOUT, "no reply from chunk server {} within {} ms", address_, timeout.count()));
    }
  }
  co_return std::move(p->result);
}

awaitable<void> Connection::ReadLoop() {
  auto self = shared_from_this();
  std::string msg;
  while (!broken_) {
    auto head = co_await ReadFrameHead(socket_, limits_, msg);
    if (!head.ok()) {
      Fail(head.status().Annotate("reply from " + address_));
      co_return;
    }
    DataReply reply;
    if (!reply.ParseFromString(msg)) {
      Fail(Err(EPROTO, "unparsable reply header from {}", address_));
      co_return;
    }
    auto it = pending_.find(head->request_id);
    std::shared_ptr<Pending> p = it == pending_.end() ? nullptr : it->second;
    Status ps;
    if (p && head->payload_len > p->into.size()) {
      ps = Err(EPROTO, "reply of {} bytes exceeds the {} bytes asked for", head->payload_len, p->into.size());
    } else if (p) {
      ps = co_await ReadFramePayload(socket_, *head, p->into.first(head->payload_len));
    } else {
      ps = co_await DiscardFramePayload(socket_, head->payload_len);  // its caller gave up
    }
    if (!ps.ok()) {
      Fail(ps.Annotate("reply from " + address_));
      co_return;
    }
    if (p) {
      pending_.erase(head->request_id);
      p->result.reply = std::move(reply);
      p->result.reply.set_length(head->payload_len);
      p->done = true;
      p->timer.cancel();
    }
  }
}

std::shared_ptr<Connection> ConnectionPool::Get(const std::string& address) {
  Slot& slot = slots_[address];
  std::erase_if(slot.conns, [](const auto& c) { return c->broken(); });
  if (slot.conns.size() < per_server_) {
    slot.conns.push_back(std::make_shared<Connection>(io_, address, tls_));
    return slot.conns.back();
  }
  auto& c = slot.conns[slot.next++ % slot.conns.size()];
  return c;
}

void ConnectionPool::Drop(const std::string& address) {
  auto it = slots_.find(address);
  if (it == slots_.end()) return;
  for (auto& c : it->second.conns) c->Close(Err(ECONNRESET, "connection to {} dropped", address));
  slots_.erase(it);
}

}  // namespace weft::client
