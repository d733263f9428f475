// A pipelined client connection of the data protocol (docs/data-protocol.md), used by chunk servers to
// forward updates down a chain and to read from replicas, and by weft-chunk-bench. Many calls may be in
// flight; replies are matched by request id and their payload lands in a buffer from the BufferPool.
// A transport or protocol failure, or a call's timeout, breaks the connection: every pending call fails
// with that error, and later calls fail at once (PeerPool replaces broken connections).
//
// Thread-safety: loop-confined (the executor given to Connect). The BufferPool must outlive the
// connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <google/protobuf/message_lite.h>

#include "common/data_stream.h"
#include "common/frame.h"
#include "common/status.h"
#include "server/chunk/async_sync.h"
#include "server/chunk/buffer_pool.h"
#include "weft/data.pb.h"

namespace weft::chunk {

struct PeerReply {
  DataReply reply;   // the server's verdict is reply.err()
  IoBuffer payload;  // reply.length() bytes at payload.data() (empty buffer when none)
};

class DataConn : public std::enable_shared_from_this<DataConn> {
 public:
  // Connects to address ("host:port") and, with tls, completes the TLS handshake (the server's certificate
  // must name address's host). ETIMEDOUT after timeout; EPROTO for a failed handshake; ECONNREFUSED and
  // friends otherwise.
  static asio::awaitable<StatusOr<std::shared_ptr<DataConn>>> Connect(asio::any_io_executor ex,
                                                                      const std::string& address, BufferPool* pool,
                                                                      std::chrono::milliseconds timeout,
                                                                      const Tls* tls);
  DataConn(DataStream stream, std::string address, BufferPool* pool);
  ~DataConn();

  // Sends a request frame and waits for its reply. payload must stay valid until the call returns.
  asio::awaitable<StatusOr<PeerReply>> Call(uint8_t type, const google::protobuf::MessageLite& msg,
                                            std::span<const char> payload, std::chrono::milliseconds timeout);

  bool broken() const { return broken_; }
  const std::string& address() const { return address_; }
  size_t in_flight() const { return pending_.size(); }
  // Breaks the connection: pending calls fail with why.
  void Close(const Status& why);

 private:
  struct Slot {
    explicit Slot(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    std::optional<StatusOr<PeerReply>> result;
  };
  asio::awaitable<void> ReadLoop(std::shared_ptr<DataConn> self);

  DataStream socket_;
  const std::string address_;
  BufferPool* const pool_;
  FrameLimits limits_;
  AsyncMutex write_mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Slot>> pending_;
  bool broken_ = false;
  Status broken_status_;
};

// Pooled connections: one per (server address, lane). Chunk servers forward on a lane per hop level and
// read from replicas on a separate lane, so a connection only ever carries requests of one level and
// waits between servers cannot form a cycle (docs/data-protocol.md, "Back-pressure").
class PeerPool {
 public:
  static constexpr int kRepairLane = 1000;

  // tls: null = plain TCP; else not owned, must outlive the pool.
  PeerPool(asio::any_io_executor ex, BufferPool* pool, std::chrono::milliseconds connect_timeout, const Tls* tls)
      : ex_(std::move(ex)), pool_(pool), connect_timeout_(connect_timeout), tls_(tls) {}

  asio::awaitable<StatusOr<std::shared_ptr<DataConn>>> Get(const std::string& address, int lane);
  // Get + Call. Connection failures and timeouts are errors; the server's verdict is in the reply.
  asio::awaitable<StatusOr<PeerReply>> Call(const std::string& address, int lane, uint8_t type,
                                            const google::protobuf::MessageLite& msg, std::span<const char> payload,
                                            std::chrono::milliseconds timeout);
  void CloseAll();

 private:
  struct Entry {
    std::shared_ptr<DataConn> conn;
    AsyncMutex connecting;
  };
  const asio::any_io_executor ex_;
  BufferPool* const pool_;
  const std::chrono::milliseconds connect_timeout_;
  const Tls* const tls_;
  std::map<std::pair<std::string, int>, std::unique_ptr<Entry>> conns_;
};

}  // namespace weft::chunk
