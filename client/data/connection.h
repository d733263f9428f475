// One pipelined data-plane connection to a chunk server (docs/data-protocol.md): many requests in
// flight, replies matched by request id, a reply's payload read straight into the caller's buffer.
// A transport or protocol failure breaks the connection: every pending request fails with the error,
// and the pool replaces the connection on next use.
//
// Thread-safety: all methods run on the connection's io_context thread (single-threaded loop).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/data_stream.h"
#include "common/frame.h"
#include "common/status.h"
#include "weft/data.pb.h"

namespace weft::client {

struct CallResult {
  Status status;    // transport/protocol outcome; the server's own verdict is reply.err()
  DataReply reply;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // tls: null = plain TCP; else the connection starts with a TLS handshake (not owned).
  Connection(boost::asio::io_context& io, std::string address, const Tls* tls);
  ~Connection();

  // Sends a request frame (type, serialized header message, payload) and waits for the reply. The reply
  // payload, if any, lands in `into` (a larger payload is a protocol error). `payload` and `into` must
  // stay valid until the call returns; the call never touches them after it returns.
  // Errors: ECONNREFUSED/ECONNRESET/EPIPE... (transport), EPROTO/EBADMSG (bad reply), ETIMEDOUT.
  boost::asio::awaitable<CallResult> Call(uint8_t type, std::string header, std::span<const char> payload,
                                          std::span<char> into, std::chrono::milliseconds timeout);

  bool broken() const { return broken_; }
  size_t in_flight() const { return pending_.size(); }
  const std::string& address() const { return address_; }
  void Close(Status why);

 private:
  struct Pending;
  // A frame waiting for the socket. The sending coroutine drains the queue in batches (one writev
  // each), so concurrent callers share syscalls.
  struct Outgoing {
    std::array<uint8_t, kFixedHeaderSize> fixed;
    std::string header;
    std::span<const char> payload;
  };
  boost::asio::awaitable<Status> EnsureConnected();
  boost::asio::awaitable<void> ReadLoop();
  void Fail(const Status& s);

  boost::asio::io_context& io_;
  const std::string address_;
  DataStream socket_;
  enum class State { kIdle, kConnecting, kReady } state_ = State::kIdle;
  bool broken_ = false;
  Status broken_status_;
  bool sending_ = false;                     // a coroutine is writing to the socket
  std::deque<Outgoing> queue_;               // frames not yet handed to the socket
  std::unique_ptr<boost::asio::steady_timer> connect_wait_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Pending>> pending_;
  FrameLimits limits_;
};

// Connections per server address on one loop, round-robin, broken ones replaced.
class ConnectionPool {
 public:
  ConnectionPool(boost::asio::io_context& io, unsigned per_server, const Tls* tls)
      : io_(io), per_server_(per_server), tls_(tls) {}
  std::shared_ptr<Connection> Get(const std::string& address);
  // Drops every connection to address (a server that restarted elsewhere, a chain change).
  void Drop(const std::string& address);

 private:
  boost::asio::io_context& io_;
  const unsigned per_server_;
  const Tls* const tls_;
  struct Slot {
    std::vector<std::shared_ptr<Connection>> conns;
    size_t next = 0;
  };
  std::unordered_map<std::string, Slot> slots_;
};

}  // namespace weft::client
