// Frames (common/frame.h) on a blocking socket, written and read by the thread that needs them: the
// metadata wire's two ends (common/meta_wire.h) and libweft's blocking data-plane calls
// (client/data/blocking_calls.h) use this; the Asio loops use common/frame_io.h instead.
//
// Thread-safety: the functions are thread-safe; one reader and one writer at a time per socket.
#pragma once

#include <cstdint>
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
// Memory grows with the bytes that arrive, not with the lengths a frame claims.
StatusOr<ReceivedFrame> ReceiveFrame(int fd, const FrameLimits& limits, int timeout_ms, std::span<char> into = {});

// A blocking TCP connection to host:port with TCP_NODELAY, within timeout_ms. Errors: the connect's errno
// (ECONNREFUSED, ETIMEDOUT, ...), EHOSTUNREACH when the host does not resolve.
StatusOr<int> ConnectTcp(const std::string& host, uint16_t port, int timeout_ms);

// Sets TCP_NODELAY (requests and replies are small and each waits for the other).
void SetNoDelay(int fd);

}  // namespace weft
