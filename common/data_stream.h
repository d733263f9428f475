// The byte stream under the data protocol (common/frame_io.h): a TCP socket, or TLS over one when the
// process runs with TLS on (common/tls.h). Connect or accept on socket(), then Handshake (a no-op on plain
// TCP), then ReadAll/WriteAll; errors are values (as_tuple), as on a bare socket.
//
// Over TLS, WriteAll copies small buffers into one record before encrypting (a frame's fixed header and
// header message would otherwise each become a record and a syscall); buffers of 16 KiB and more are
// encrypted in place.
//
// Buffer lifetime after Close(): on plain TCP no read or write touches a caller's buffer after close()
// returns (epoll reactor). Over TLS a read copies decrypted bytes into the caller's buffer only while its
// completion runs on the loop; after close() the lower read completes with an error and copies nothing.
//
// Thread-safety: loop-confined; one ReadAll and one WriteAll may run at a time (TLS allows one of each).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/buffered_read_stream.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/status.h"
#include "common/tls.h"

namespace weft {

// The peer closed the stream: end of file on TCP, or a TLS peer that closed without close_notify.
inline bool IsEndOfStream(const boost::system::error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

class DataStream {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  // TLS reads through a 256 KiB read-ahead buffer: OpenSSL's engine asks for one record (up to 17 KiB)
  // at a time, and without the buffer each would be a recv(2).
  struct ReadAhead : boost::asio::buffered_read_stream<Socket&> {
    explicit ReadAhead(Socket& s) : boost::asio::buffered_read_stream<Socket&>(s, kReadAhead) {}
  };
  using TlsStream = boost::asio::ssl::stream<ReadAhead>;
  using Result = std::tuple<boost::system::error_code, size_t>;
  enum class Role { kClient, kServer };

  // A plain stream when tls is null; else TLS with tls's client or server context.
  DataStream(Socket socket, const Tls* tls, Role role) : role_(role), stream_(Make(std::move(socket), tls, role)) {}
  DataStream(DataStream&&) = default;

  Socket& socket() {
    if (auto* s = std::get_if<Socket>(&stream_)) return *s;
    return std::get<std::unique_ptr<TlsParts>>(stream_)->socket;
  }
  bool tls() const { return !std::holds_alternative<Socket>(stream_); }
  auto get_executor() { return socket().get_executor(); }

  // TLS only (Ok at once on plain TCP): the handshake. A client checks the server's certificate names
  // host (an IP address or a DNS name). EPROTO with OpenSSL's reason when the peer speaks no TLS or its
  // certificate does not verify.
  boost::asio::awaitable<Status> Handshake(const std::string& host) {
    namespace asio = boost::asio;
    if (!tls()) co_return Status::Ok();
    TlsStream* t = &TlsLayer();
    if (role_ == Role::kClient) {
      boost::system::error_code ec;
      t->set_verify_callback(asio::ssl::host_name_verification(host), ec);
      if (!ec && !IsIpAddress(host)) SSL_set_tlsext_host_name(t->native_handle(), host.c_str());
    }
    auto [ec] = co_await t->async_handshake(
        role_ == Role::kClient ? TlsStream::client : TlsStream::server, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return Err(EPROTO, "TLS handshake with {} failed: {}", PeerName(host), ec.message());
    co_return Status::Ok();
  }

  // Reads exactly buffer_size(bufs) bytes unless an error or end of stream comes first.
  template <typename MutableBuffers>
  boost::asio::awaitable<Result> ReadAll(const MutableBuffers& bufs) {
    namespace asio = boost::asio;
    if (auto* s = std::get_if<Socket>(&stream_)) {
      co_return co_await asio::async_read(*s, bufs, asio::as_tuple(asio::use_awaitable));
    }
    co_return co_await asio::async_read(TlsLayer(), bufs, asio::as_tuple(asio::use_awaitable));
  }

  // Writes every byte of bufs (a buffer sequence) or fails.
  template <typename ConstBuffers>
  boost::asio::awaitable<Result> WriteAll(const ConstBuffers& bufs) {
    namespace asio = boost::asio;
    if (auto* s = std::get_if<Socket>(&stream_)) {
      co_return co_await asio::async_write(*s, bufs, asio::as_tuple(asio::use_awaitable));
    }
    TlsStream& t = TlsLayer();
    size_t total = 0;
    std::string stage;
    for (auto it = asio::buffer_sequence_begin(bufs); it != asio::buffer_sequence_end(bufs); ++it) {
      asio::const_buffer b(*it);
      if (b.size() < kDirectWrite) {
        stage.append(static_cast<const char*>(b.data()), b.size());
        continue;
      }
      if (!stage.empty()) {
        auto [ec, n] = co_await asio::async_write(t, asio::buffer(stage), asio::as_tuple(asio::use_awaitable));
        total += n;
        if (ec) co_return Result{ec, total};
        stage.clear();
      }
      auto [ec, n] = co_await asio::async_write(t, b, asio::as_tuple(asio::use_awaitable));
      total += n;
      if (ec) co_return Result{ec, total};
    }
    if (!stage.empty()) {
      auto [ec, n] = co_await asio::async_write(t, asio::buffer(stage), asio::as_tuple(asio::use_awaitable));
      total += n;
      if (ec) co_return Result{ec, total};
    }
    co_return Result{boost::system::error_code(), total};
  }

  void Shutdown(Socket::shutdown_type what) {
    boost::system::error_code ec;
    socket().shutdown(what, ec);
  }
  void Close() {
    boost::system::error_code ec;
    socket().close(ec);
  }

 private:
  static constexpr size_t kDirectWrite = 16384;  // a TLS record's payload
  static constexpr size_t kReadAhead = 256 * 1024;

  // The socket and the TLS stream over it (which refers to it): kept together, never moved.
  struct TlsParts {
    TlsParts(Socket s, boost::asio::ssl::context& ctx) : socket(std::move(s)), stream(socket, ctx) {}
    Socket socket;
    TlsStream stream;
  };
  using Variant = std::variant<Socket, std::unique_ptr<TlsParts>>;

  static Variant Make(Socket socket, const Tls* tls, Role role) {
    if (tls == nullptr) return Variant(std::in_place_type<Socket>, std::move(socket));
    auto& ctx = role == Role::kServer ? tls->server_context() : tls->client_context();
    return Variant(std::make_unique<TlsParts>(std::move(socket), ctx));
  }
  TlsStream& TlsLayer() { return std::get<std::unique_ptr<TlsParts>>(stream_)->stream; }
  static bool IsIpAddress(const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
  }
  std::string PeerName(const std::string& host) {
    if (!host.empty()) return host;
    boost::system::error_code ec;
    auto ep = socket().remote_endpoint(ec);
    return ec ? std::string("peer") : ep.address().to_string();
  }

  Role role_;
  Variant stream_;
};

}  // namespace weft
