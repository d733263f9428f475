// Data-plane calls made on the calling thread with blocking sockets: the fast path of a FUSE thread's
// direct (uncached) chunk read. The request is written and the reply read by the thread that needs it,
// so a read wakes no other client thread; the Asio loops (client/data/connection.h) would take two
// wake-ups more (the loop thread to send, the caller again after the reply). On a small VM each costs
// ~90 us.
//
// One call at a time per connection; idle connections are pooled per server (at most
// max_idle_per_server each, max_open in all, so descriptors are bounded). Plain TCP only: with TLS the
// client makes every call on its Asio loops. ChunkIo uses this for a first attempt and takes its
// ordinary path (replica order, retries, chain refresh) on anything but a clean reply.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/frame_socket.h"
#include "common/status.h"
#include "weft/data.pb.h"

namespace weft::client {

class BlockingCalls {
 public:
  explicit BlockingCalls(size_t max_idle_per_server = 4, size_t max_open = 64);
  ~BlockingCalls();
  BlockingCalls(const BlockingCalls&) = delete;
  BlockingCalls& operator=(const BlockingCalls&) = delete;

  // Sends a request frame (type, header message, no payload) to `address` ("host:port") and reads the
  // reply; its payload lands in `into` (EMSGSIZE if larger). EAGAIN when max_open connections are busy;
  // a transport or protocol error otherwise (the connection is closed). The server's verdict is the
  // reply's err().
  StatusOr<DataReply> Call(const std::string& address, uint8_t type, const std::string& header,
                           std::span<char> into, int timeout_ms);

 private:
  // A connection is its socket's FrameReader (which keeps the descriptor, owned here).
  using Conn = std::unique_ptr<FrameReader>;
  StatusOr<Conn> Take(const std::string& address, int timeout_ms);
  void Give(const std::string& address, Conn c);
  void Forget(Conn c);

  const size_t max_idle_per_server_;
  const size_t max_open_;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<Conn>> idle_;  // GUARDED_BY(mu_)
  size_t open_ = 0;                                         // GUARDED_BY(mu_): idle and busy
  uint64_t next_id_ = 1;                                    // GUARDED_BY(mu_)
};

}  // namespace weft::client
