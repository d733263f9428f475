// The data-plane frame codec. A frame on the wire is
//
//   fixed header (32 bytes, little-endian)           then  header message  then  payload
//   0  u32 magic 'WEFT'    4 u8 version   5 u8 type        (header_len bytes,     (payload_len raw
//   6  u16 flags           8 u64 request id                 a protobuf from        bytes)
//   16 u32 header_len     20 u32 payload_len                 proto/weft/data.proto)
//   24 u32 payload_crc    28 u32 header_crc
//
// header_crc is CRC32C over bytes 0..27 and the header message; payload_crc is CRC32C of the payload and
// is checked only when flags has kFramePayloadCrc (data frames carry per-4-KiB CRCs in their header
// message instead, verified end to end). Persistent format: never renumber or reorder.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft {

inline constexpr uint32_t kFrameMagic = 0x54464557;  // "WEFT" read as little-endian u32
inline constexpr uint8_t kFrameVersion = 1;
inline constexpr size_t kFixedHeaderSize = 32;
inline constexpr uint16_t kFramePayloadCrc = 1;  // flags bit: payload_crc is valid

struct FrameLimits {
  uint32_t max_header = 256 * 1024;           // header message bytes; default 256 KiB
  uint32_t max_payload = 16 * 1024 * 1024;    // payload bytes; default 16 MiB
};

struct FrameHeader {
  uint8_t type = 0;  // a weft::FrameType
  uint16_t flags = 0;
  uint64_t request_id = 0;
  uint32_t header_len = 0;
  uint32_t payload_len = 0;
  uint32_t payload_crc = 0;
  uint32_t header_crc = 0;
};

// Writes the fixed header for `h` and the header message `msg` into out (header_len and header_crc are
// filled from msg). REQUIRES: h.payload_len and, with kFramePayloadCrc, h.payload_crc set by the caller.
void EncodeFixedHeader(FrameHeader h, std::string_view msg, uint8_t out[kFixedHeaderSize]);

// Encodes a whole frame into one string (tests, small control frames). Computes payload_crc when
// flags has kFramePayloadCrc.
std::string EncodeFrame(uint8_t type, uint64_t request_id, std::string_view msg,
                        std::string_view payload, uint16_t flags = kFramePayloadCrc);

// Parses and checks the fixed header: magic, version, lengths within limits.
// Errors: EPROTO (truncated, bad magic or version), EMSGSIZE (a length over its limit).
StatusOr<FrameHeader> DecodeFixedHeader(std::span<const uint8_t> bytes, const FrameLimits& limits);

// Checks header_crc against the fixed header bytes and the header message. Error: EBADMSG.
Status VerifyHeaderCrc(const FrameHeader& h, std::span<const uint8_t> fixed, std::string_view msg);
// Checks payload_crc when the frame carries one. Error: EBADMSG.
Status VerifyPayloadCrc(const FrameHeader& h, std::string_view payload);

struct Frame {
  FrameHeader header;
  std::string_view msg;      // views into the decoded buffer
  std::string_view payload;
};

// Decodes one complete frame from the start of buf, checking everything above. A buffer that ends
// before the frame does gives EPROTO "truncated frame"; *consumed is set to the frame's size on success.
StatusOr<Frame> DecodeFrame(std::string_view buf, const FrameLimits& limits, size_t* consumed);

}  // namespace weft
