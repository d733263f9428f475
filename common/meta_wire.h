// The metadata wire: weft.Meta's session calls as framed request/reply pairs on a plain TCP socket, beside
// gRPC. It exists for speed: on a small VM a gRPC unary call costs ~350 us and ~8 context switches in
// weft-meta; a blocking request/reply on one socket costs one wake-up on each side (~160 us here).
// docs/meta-wire.md describes it; server/meta/service/meta_wire_server.h and client/meta_wire_client.h
// are the two ends.
//
// A connection: the client sends one HELLO frame (msg = its bearer token, "" for none), then calls one
// at a time: a request frame (type = a WireMethod, request_id = the client's sequence number, msg = the
// serialized request message of that weft.Meta method, no payload) answered by one REPLY frame with the
// same request_id: msg = the serialized response on success; with kWireError in flags msg is the error
// message and the payload "<grpc status code>\n<error details>" (the errno, as gRPC's error_details).
// Frames are common/frame.h's (magic, version, lengths, CRC32C of the header and of the payload).
//
// A peer that breaks the protocol (bad magic or checksum, an unknown frame type before HELLO, a frame
// over the limits) loses its connection; the server logs why. An unknown method gets an UNIMPLEMENTED
// reply (the client then uses gRPC for it). Calls are authorized exactly as over gRPC: the token of the
// HELLO, checked again on every call (a revoked token fails on its next call).
//
// Persistent format (wire): never renumber WireMethod or the frame types; add at the end.
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

enum class WireMethod : uint8_t {
  kInvalid = 0,
  kKeepalive = 1,
  kLookup = 2,
  kGetAttr = 3,
  kSetAttr = 4,
  kCreate = 5,
  kMkdir = 6,
  kUnlink = 7,
  kRmdir = 8,
  kRename = 9,
  kLink = 10,
  kSymlink = 11,
  kReadlink = 12,
  kReadDir = 13,
  kGetXattr = 14,
  kSetXattr = 15,
  kListXattr = 16,
  kRemoveXattr = 17,
  kStatFs = 18,
  kOpen = 19,
  kClose = 20,
  kCommit = 21,
  kGrant = 22,
  kGetCapability = 23,
  kSync = 24,
};

inline constexpr uint8_t kWireHello = 200;  // msg: the bearer token ("" = none)
inline constexpr uint8_t kWireReply = 201;
inline constexpr uint16_t kWireError = 2;   // flags bit of a REPLY: the call failed (see above)
// The start of the error message of an UNIMPLEMENTED reply to a method the server does not know.
inline constexpr std::string_view kWireUnknownMethod = "metadata wire: unknown method";

// What weft-meta reads: a request (names, a symlink target, an xattr value of at most 64 KiB) is small.
inline FrameLimits WireRequestLimits() { return FrameLimits{.max_header = 1024 * 1024, .max_payload = 4096}; }
// What a client reads: a reply may be as large as gRPC's messages (a ReadDir page).
inline FrameLimits WireReplyLimits() { return FrameLimits{.max_header = 64 * 1024 * 1024, .max_payload = 4096}; }

struct WireFrame {
  FrameHeader header;
  std::string msg;
  std::string payload;
};

// Writes one frame (payload CRC included) with a single send. Errors: the socket's errno
// (EPIPE/ECONNRESET when the peer is gone).
Status WireSend(int fd, uint8_t type, uint16_t flags, uint64_t request_id, std::string_view msg,
                std::string_view payload = {});

// Reads one frame, waiting at most timeout_ms in all (-1 = forever). Errors: ETIMEDOUT,
// ECONNRESET (closed by the peer; at a frame boundary or not), EPROTO/EMSGSIZE/EBADMSG (a bad frame),
// or the socket's errno. With `into`, the payload is read straight into its first payload_len bytes
// (WireFrame::payload stays empty; EMSGSIZE when it does not fit). Memory grows with the bytes that
// arrive, not with the lengths a frame claims.
StatusOr<WireFrame> WireReceive(int fd, const FrameLimits& limits, int timeout_ms, std::span<char> into = {});

// A blocking TCP connection to host:port with TCP_NODELAY, within timeout_ms. Errors: the connect's errno
// (ECONNREFUSED, ETIMEDOUT, ...), EHOSTUNREACH when the host does not resolve.
StatusOr<int> WireConnect(const std::string& host, uint16_t port, int timeout_ms);

// Sets TCP_NODELAY (requests and replies are small and each waits for the other).
void WireTuneSocket(int fd);

}  // namespace weft
