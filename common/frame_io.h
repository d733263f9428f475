// Reading and writing data-plane frames (common/frame.h) on a DataStream (TCP, or TLS over TCP: common/data_stream.h) with C++20
// coroutines. Shared by weft-chunk and the client library. Header-only: link the weft_asio target.
//
// A frame is read in two steps so the caller can choose where the payload lands (an aligned or registered
// buffer, at an offset of its choice) after it has looked at the header message:
//
//   std::string msg;
//   auto head = co_await ReadFrameHead(sock, limits, msg);   // fixed header + header message, CRC-checked
//   ...parse msg, pick a buffer of head->payload_len bytes...
//   Status s = co_await ReadFramePayload(sock, *head, {buf, head->payload_len});
//
// Errors are values (no exceptions on the I/O path): EPROTO (bad magic/version, truncated frame),
// EMSGSIZE (a length over the limit), EBADMSG (a header or payload checksum mismatch), ECONNRESET (the peer
// closed the connection; the message says whether at a frame boundary), ECANCELED (the socket was closed
// locally), or the socket's errno.
//
// Thread-safety: one reader and one writer at a time per socket. WriteFrame is not atomic with respect to
// another WriteFrame on the same socket: callers serialize their writes (e.g. with an async mutex).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/crc32c.h"
#include "common/data_stream.h"
#include "common/frame.h"
#include "common/status.h"

namespace weft {

// Converts an Asio error into weft's vocabulary (see the header comment). `what` prefixes the message.
inline Status FromAsioError(const boost::system::error_code& ec, std::string_view what) {
  namespace error = boost::asio::error;
  if (!ec) return Status::Ok();
  if (IsEndOfStream(ec)) return Err(ECONNRESET, "{}: connection closed by peer", what);
  if (ec == error::operation_aborted) return Err(ECANCELED, "{}: cancelled", what);
  if (ec.category() == error::get_ssl_category() || ec.category() == boost::asio::ssl::error::get_stream_category()) {
    return Err(EPROTO, "{}: TLS: {}", what, ec.message());
  }
  if (ec.category() == boost::system::system_category() && ec.value() > 0) {
    return Err(ec.value(), "{}: {}", what, ec.message());
  }
  return Err(EIO, "{}: {}", what, ec.message());
}

// Reads one frame's fixed header and header message into msg; checks magic, version, limits and the
// header CRC. A connection closed before the first byte gives ECONNRESET "closed at a frame boundary".
inline boost::asio::awaitable<StatusOr<FrameHeader>> ReadFrameHead(DataStream& sock,
                                                                    const FrameLimits& limits,
                                                                    std::string& msg) {
  namespace asio = boost::asio;
  std::array<uint8_t, kFixedHeaderSize> fixed;
  auto [ec, n] = co_await sock.ReadAll(asio::buffer(fixed));
  if (ec) {
    if (IsEndOfStream(ec) && n == 0) co_return Err(ECONNRESET, "connection closed at a frame boundary");
    if (IsEndOfStream(ec)) {
      co_return Err(EPROTO, "truncated frame: connection closed after {} of {} fixed header bytes", n,
                    kFixedHeaderSize);
    }
    co_return FromAsioError(ec, "read frame header");
  }
  auto head = DecodeFixedHeader(fixed, limits);
  if (!head.ok()) co_return head.status();
  msg.resize(head->header_len);
  if (head->header_len > 0) {
    auto [ec2, n2] = co_await sock.ReadAll(asio::buffer(msg));
    if (IsEndOfStream(ec2)) {
      co_return Err(EPROTO, "truncated frame: connection closed after {} of {} header message bytes", n2,
                    head->header_len);
    }
    if (ec2) co_return FromAsioError(ec2, "read frame header message");
  }
  Status crc = VerifyHeaderCrc(*head, fixed, msg);
  if (!crc.ok()) co_return crc;
  co_return *head;
}

// Reads the payload of the frame whose head was just read into out, which must be exactly
// head.payload_len bytes; checks payload_crc when the frame carries one.
inline boost::asio::awaitable<Status> ReadFramePayload(DataStream& sock,
                                                       const FrameHeader& head, std::span<char> out) {
  namespace asio = boost::asio;
  if (out.size() != head.payload_len) {
    co_return Err(EINVAL, "payload buffer of {} bytes for a payload of {}", out.size(), head.payload_len);
  }
  if (out.empty()) co_return Status::Ok();
  auto [ec, n] = co_await sock.ReadAll(asio::buffer(out.data(), out.size()));
  if (IsEndOfStream(ec)) {
    co_return Err(EPROTO, "truncated frame: connection closed after {} of {} payload bytes", n, out.size());
  }
  if (ec) co_return FromAsioError(ec, "read frame payload");
  co_return VerifyPayloadCrc(head, std::string_view(out.data(), out.size()));
}

// Reads and drops n payload bytes (a reply nobody waits for any more).
inline boost::asio::awaitable<Status> DiscardFramePayload(DataStream& sock, size_t n) {
  namespace asio = boost::asio;
  std::array<char, 16384> sink;
  while (n > 0) {
    size_t piece = n < sink.size() ? n : sink.size();
    auto [ec, got] = co_await sock.ReadAll(asio::buffer(sink.data(), piece));
    if (ec) co_return FromAsioError(ec, "discard frame payload");
    n -= got;
  }
  co_return Status::Ok();
}

// Writes one frame: fixed header, header message msg (a serialized message from proto/weft/data.proto)
// and payload, in one gather write. With kFramePayloadCrc in flags the payload CRC is computed here.
inline boost::asio::awaitable<Status> WriteFrame(DataStream& sock, uint8_t type,
                                                 uint64_t request_id, std::string_view msg,
                                                 std::span<const char> payload, uint16_t flags = 0) {
  namespace asio = boost::asio;
  FrameHeader h;
  h.type = type;
  h.flags = flags;
  h.request_id = request_id;
  h.payload_len = static_cast<uint32_t>(payload.size());
  if (flags & kFramePayloadCrc) h.payload_crc = Crc32c(payload.data(), payload.size());
  std::array<uint8_t, kFixedHeaderSize> fixed;
  EncodeFixedHeader(h, msg, fixed.data());
  std::array<asio::const_buffer, 3> bufs = {asio::buffer(fixed), asio::buffer(msg.data(), msg.size()),
                                            asio::buffer(payload.data(), payload.size())};
  auto [ec, n] = co_await sock.WriteAll(bufs);
  if (ec) co_return FromAsioError(ec, "write frame");
  co_return Status::Ok();
}

}  // namespace weft
