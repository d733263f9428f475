// The data-plane server: accepts TCP connections and reads request frames (common/frame_io.h); each
// request runs as its own coroutine (RequestHandler), so many are in flight per connection, and replies
// go out as they finish, matched by request id. A write's payload is read straight into an aligned
// buffer, placed so the chunk store can write it with O_DIRECT without copying.
//
// Back-pressure: a connection stops reading while it has max_requests requests or max_bytes payload
// bytes (writes) or reply bytes (reads) in flight; client requests (hop 0, and reads other than peer
// reads) also share a server-wide byte budget. Forwarded and peer requests never wait for that budget,
// so waits between servers cannot deadlock (docs/data-protocol.md).
//
// A malformed, truncated or oversized frame, or an unknown frame type, closes that connection with a
// logged reason; the server and its other connections go on.
//
// Thread-safety: loop-confined (the io_context given at construction).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <variant>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/capability.h"
#include "common/frame.h"
#include "common/status.h"
#include "common/tls.h"
#include "server/chunk/async_sync.h"
#include "server/chunk/buffer_pool.h"
#include "weft/data.pb.h"

namespace weft::chunk {

// Capabilities already verified (MAC checked) on one connection, so that the requests a client sends
// under one capability skip the HMAC after the first: a few slots, replaced round-robin. Lookups
// compare in constant time. Loop-confined.
struct VerifiedCapabilities {
  static constexpr size_t kSlots = 4;
  std::array<std::pair<std::string, Capability>, kSlots> slots;
  size_t next = 0;
};

struct Request {
  uint8_t type = 0;  // a FrameType
  uint64_t id = 0;
  std::variant<std::monostate, WriteRequest, ReadRequest, TruncateRequest, RemoveRequest, ListRequest> msg;
  IoBuffer payload;           // writes: the payload at payload.data() + payload_skip
  uint32_t payload_skip = 0;  // == write offset % 4096
  uint32_t payload_len = 0;
  std::shared_ptr<VerifiedCapabilities> verified;  // the connection's cache; null = verify every time
};

struct Response {
  DataReply reply;
  IoBuffer payload;  // reads: reply.length() bytes at payload.data() + skip
  uint32_t skip = 0;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Produces the reply of one request. Never throws; errors go in reply.err.
  virtual asio::awaitable<Response> Handle(Request req) = 0;
};

struct DataServerOptions {
  FrameLimits limits{.max_header = 64u << 10, .max_payload = 16u << 20};  // default 64 KiB / 16 MiB
  uint32_t max_requests = 64;          // in flight per connection; default 64
  uint64_t max_bytes = 64ull << 20;    // payload + reply bytes in flight per connection; default 64 MiB
  uint64_t client_bytes = 1ull << 30;  // client request bytes in flight, whole server; default 1 GiB
};

class DataServer {
 public:
  // handler and pool are not owned and must outlive the server.
  // tls: null = plain TCP; else every connection starts with a TLS handshake (not owned; must outlive
  // the server).
  DataServer(asio::io_context& loop, const DataServerOptions& options, RequestHandler* handler, BufferPool* pool,
             const Tls* tls);
  ~DataServer();

  // Binds and listens; returns the bound "host:port" (port 0 picks one).
  StatusOr<std::string> Listen(const std::string& address);
  // Starts accepting (on the loop).
  void Start();
  // Stops accepting and reading, waits up to grace for running requests, then closes every connection.
  asio::awaitable<void> Stop(std::chrono::milliseconds grace);

  uint64_t protocol_errors() const { return protocol_errors_.load(); }
  size_t connections() const { return conns_.size(); }

 private:
  class Connection;
  asio::awaitable<void> AcceptLoop();

  asio::io_context& loop_;
  const DataServerOptions options_;
  RequestHandler* const handler_;
  BufferPool* const pool_;
  const Tls* const tls_;
  asio::ip::tcp::acceptor acceptor_;
  AsyncSemaphore client_bytes_;
  TaskCounter tasks_;
  std::list<std::shared_ptr<Connection>> conns_;
  bool stopping_ = false;
  std::atomic<uint64_t> protocol_errors_{0};
};

}  // namespace weft::chunk
