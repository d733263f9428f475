#include "server/chunk/data_conn.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "common/frame_io.h"
#include "common/net.h"

namespace weft::chunk {

using asio::ip::tcp;
using namespace boost::asio::experimental::awaitable_operators;

asio::awaitable<StatusOr<tcp::endpoint>> ResolveEndpoint(asio::any_io_executor ex, const std::string& address) {
  auto hp = ParseHostPort(address);
  if (!hp.ok()) co_return hp.status();
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(hp->host, ec);
  if (!ec) co_return tcp::endpoint(ip, hp->port);
  tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(hp->host, std::to_string(hp->port),
                                                        asio::as_tuple(asio::use_awaitable));
  if (rec || results.empty()) co_return Err(EHOSTUNREACH, "cannot resolve {}: {}", address, rec.message());
  co_return results.begin()->endpoint();
}

asio::awaitable<StatusOr<std::shared_ptr<DataConn>>> DataConn::Connect(asio::any_io_executor ex,
                                                                       const std::string& address, BufferPool* pool,
                                                                       std::chrono::milliseconds timeout,
                                                                       const Tls* tls) {
  auto ep = co_await ResolveEndpoint(ex, address);
  if (!ep.ok()) co_return ep.status();
  tcp::socket sock(ex);
  asio::steady_timer timer(ex, timeout);
  auto res = co_await (sock.async_connect(*ep, asio::as_tuple(asio::use_awaitable)) ||
                       timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (res.index() == 1) co_return Err(ETIMEDOUT, "connect to {}: no answer in {} ms", address, timeout.count());
  auto [ec] = std::get<0>(res);
  if (ec) co_return FromAsioError(ec, "connect to " + address);
  sock.set_option(tcp::no_delay(true), ec);
  DataStream stream(std::move(sock), tls, DataStream::Role::kClient);
  if (stream.tls()) {
    auto hp = ParseHostPort(address);
    timer.expires_after(timeout);
    auto hs = co_await (stream.Handshake(hp.ok() ? hp->host : address) ||
                        timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (hs.index() == 1) co_return Err(ETIMEDOUT, "TLS handshake with {}: no answer in {} ms", address, timeout.count());
    if (Status s = std::get<0>(hs); !s.ok()) co_return s;
  }
  auto conn = std::make_shared<DataConn>(std::move(stream), address, pool);
  asio::co_spawn(ex, conn->ReadLoop(conn), [address](std::exception_ptr e) {
    if (e) spdlog::error("data connection to {}: reader failed with an exception", address);
  });
  co_return conn;
}

DataConn::DataConn(DataStream stream, std::string address, BufferPool* pool)
    : socket_(std::move(stream)), address_(std::move(address)), pool_(pool) {
  limits_.max_payload = 64u << 20;
}

DataConn::~DataConn() { socket_.Close(); }

void DataConn::Close(const Status& why) {
  if (!broken_) {
    broken_ = true;
    broken_status_ = why;
    socket_.Shutdown(tcp::socket::shutdown_both);
    socket_.Close();
  }
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, slot] : pending) {
    slot->result = why;
    slot->timer.cancel();
  }
}

asio::awaitable<StatusOr<PeerReply>> DataConn::Call(uint8_t type, const google::protobuf::MessageLite& msg,
                                                    std::span<const char> payload,
                                                    std::chrono::milliseconds timeout) {
  if (broken_) co_return broken_status_;
  auto self = shared_from_this();
  const uint64_t id = next_id_++;
  auto slot = std::make_shared<Slot>(socket_.get_executor());
  slot->timer.expires_after(timeout);
  pending_[id] = slot;
  std::string header = msg.SerializeAsString();
  {
    auto guard = co_await write_mu_.Scoped();
    if (!broken_) {
      Status s = co_await WriteFrame(socket_, type, id, header, payload);
      if (!s.ok()) Close(s.Annotate("send to " + address_));
    }
  }
  if (!slot->result) co_await slot->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  pending_.erase(id);
  if (!slot->result) {
    Status s = Err(ETIMEDOUT, "no reply from {} in {} ms", address_, timeout.count());
    Close(s);
    co_return s;
  }
  co_return std::move(*slot->result);
}

asio::awaitable<void> DataConn::ReadLoop(std::shared_ptr<DataConn> self) {
  std::string msg;
  while (!broken_) {
    auto head = co_await ReadFrameHead(socket_, limits_, msg);
    if (!head.ok()) {
      Close(head.status().Annotate("from " + address_));
      break;
    }
    DataReply reply;
    if (head->type != FRAME_REPLY || !reply.ParseFromString(msg) || reply.length() != head->payload_len) {
      Close(Err(EPROTO, "bad reply frame (type {}, {} payload bytes) from {}", head->type, head->payload_len, address_));
      break;
    }
    auto it = pending_.find(head->request_id);
    if (it == pending_.end()) {  // the caller gave up (timeout): drop the payload
      Status s = co_await DiscardFramePayload(socket_, head->payload_len);
      if (!s.ok()) Close(s);
      continue;
    }
    std::shared_ptr<Slot> slot = it->second;
    PeerReply r;
    if (head->payload_len > 0) {
      r.payload = pool_->Get(head->payload_len);
      Status s = co_await ReadFramePayload(socket_, *head, {r.payload.data(), head->payload_len});
      if (!s.ok()) {
        Close(s.Annotate("from " + address_));
        break;
      }
    }
    r.reply = std::move(reply);
    pending_.erase(head->request_id);
    slot->result = std::move(r);
    slot->timer.cancel();
  }
}

asio::awaitable<StatusOr<std::shared_ptr<DataConn>>> PeerPool::Get(const std::string& address, int lane) {
  auto& entry = conns_[{address, lane}];
  if (!entry) entry = std::make_unique<Entry>();
  Entry* e = entry.get();
  if (e->conn && !e->conn->broken()) co_return e->conn;
  auto guard = co_await e->connecting.Scoped();
  if (e->conn && !e->conn->broken()) co_return e->conn;
  auto conn = co_await DataConn::Connect(ex_, address, pool_, connect_timeout_, tls_);
  if (!conn.ok()) co_return conn.status();
  e->conn = *conn;
  co_return e->conn;
}

asio::awaitable<StatusOr<PeerReply>> PeerPool::Call(const std::string& address, int lane, uint8_t type,
                                                    const google::protobuf::MessageLite& msg,
                                                    std::span<const char> payload, std::chrono::milliseconds timeout) {
  auto conn = co_await Get(address, lane);
  if (!conn.ok()) co_return conn.status();
  co_return co_await (*conn)->Call(type, msg, payload, timeout);
}

void PeerPool::CloseAll() {
  for (auto& [key, e] : conns_) {
    if (e->conn) e->conn->Close(Err(ESHUTDOWN, "shutting down"));
  }
}

}  // namespace weft::chunk
