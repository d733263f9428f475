// Frames (common/frame.h) on a blocking socket, written and read by the thread that needs them: the
// metadata wire's two ends (common/meta_wire.h) and libweft's blocking data-plane calls
// (client/data/blocking_calls.h) use this; the Asio loops use common/frame_io.h instead.
//
// Thread-safety: the functions are thread-safe; one reader and one writer at a time per socket.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/frame.h"
#include "common/status.h"

namespace weft {

struct ReceivedFrame {
  FrameHeader header;
  std::string msg;
  std::string payload;
};

// Writes one frame (payload CRC included) with a single send. Errors: the socket's errno
// (EPIPE/ECONNRESET when the peer is gone).
Status SendFrame(int fd, uint8_t type, uint16_t flags, uint64_t request_id, std::string_view msg,
                 std::string_view payload = {});

// Reads one frame, waiting at most timeout_ms in all (-1 = forever). Errors: ETIMEDOUT,
// ECONNRESET (closed by the peer at a frame boundary), EPROTO (a torn frame, bad magic or version),
// EMSGSIZE, EBADMSG (a bad frame), or the socket's errno. With `into`, the payload is read straight
// into its first payload_len bytes (ReceivedFrame::payload stays empty; EMSGSIZE when it does not fit).
// Memory grows with the bytes that arrive, not with the lengths a frame claims. Reads exactly the
// frame's bytes (never past it) and leaves the socket's options alone: a header, a message and a
// payload cost a receive each. A connection that reads many frames uses a FrameReader instead.
StatusOr<ReceivedFrame> ReceiveFrame(int fd, const FrameLimits& limits, int timeout_ms, std::span<char> into = {});

// Reads the frames of one blocking socket with as few system calls as it can: a receive takes whatever
// has arrived, up to its buffer, so a small frame (a metadata request or reply, a 4 KiB read's reply)
// costs one recv, where ReceiveFrame makes three to five. Bytes that arrive past a frame stay buffered
// for the next one (a client may send its HELLO and first call back to back). The wait is the socket's
// SO_RCVTIMEO, which the reader sets (only when a call's timeout differs from the one set); a socket
// with O_NONBLOCK works too (poll then waits). Next's contract is ReceiveFrame's.
//
// Thread-safety: one reader per socket, used by one thread at a time; nothing else may read the socket.
class FrameReader {
 public:
  // fd is not owned. buffer_bytes: what one receive may take (default 16 KiB).
  explicit FrameReader(int fd, size_t buffer_bytes = 16 * 1024);
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  StatusOr<ReceivedFrame> Next(const FrameLimits& limits, int timeout_ms, std::span<char> into = {});

  // Bytes received past the last frame Next returned. A peer that only answers (one reply per request)
  // leaves none: a client treats any as a broken connection.
  size_t buffered() const { return end_ - begin_; }
  int fd() const { return fd_; }

 private:
  // Fills out with the next n bytes: buffered ones first, then a large rest straight from the socket.
  // *got counts what was delivered (from 0). ECONNRESET when the peer closed.
  Status Take(char* out, size_t n, int64_t deadline_ms, size_t* got);
  // Receives at least one more byte into the buffer. ECONNRESET when the peer closed.
  Status Fill(int64_t deadline_ms);
  // One receive into out (at most n bytes), waiting until deadline_ms (-1 = forever). Returns the byte
  // count (0 = closed by the peer).
  StatusOr<size_t> ReceiveSome(char* out, size_t n, int64_t deadline_ms);

  const int fd_;
  const size_t cap_;
  std::unique_ptr<char[]> buf_;
  size_t begin_ = 0, end_ = 0;  // buffered bytes: buf_[begin_, end_)
  int timeout_set_ms_ = 0;      // SO_RCVTIMEO as this reader last set it (0: never set, blocks)
};

// A blocking TCP connection to host:port with TCP_NODELAY, within timeout_ms. Errors: the connect's errno
// (ECONNREFUSED, ETIMEDOUT, ...), EHOSTUNREACH when the host does not resolve.
StatusOr<int> ConnectTcp(const std::string& host, uint16_t port, int timeout_ms);

// Sets TCP_NODELAY (requests and replies are small and each waits for the other).
void SetNoDelay(int fd);

}  // namespace weft
