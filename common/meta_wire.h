// The metadata wire: weft.Meta's session calls as framed request/reply pairs on a plain TCP socket, beside
// gRPC. It exists for speed: on a small VM a gRPC unary call woke ~8 threads in weft-meta; a blocking
// request/reply on one socket wakes one on each side. docs/meta-wire.md describes it and its measurements; server/meta/service/meta_wire_server.h and client/meta_wire_client.h
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
// Frames are sent and read with common/frame_socket.h.
//
// Thread-safety: constants only.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/frame.h"

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
  kReserveInodes = 25,
  kCreateBatch = 26,
  kRecall = 27,
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

}  // namespace weft
