#include "common/frame.h"

#include <cstring>

#include "common/crc32c.h"

namespace weft {
namespace {

void Put16(uint8_t* p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
void Put32(uint8_t* p, uint32_t v) { for (int i = 0; i < 4; ++i) p[i] = v >> (8 * i); }
void Put64(uint8_t* p, uint64_t v) { for (int i = 0; i < 8; ++i) p[i] = v >> (8 * i); }
uint16_t Get16(const uint8_t* p) { return p[0] | (p[1] << 8); }
uint32_t Get32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
uint64_t Get64(const uint8_t* p) { return uint64_t(Get32(p)) | (uint64_t(Get32(p + 4)) << 32); }

uint32_t HeaderCrc(const uint8_t* fixed, std::string_view msg) {
  return Crc32cExtend(Crc32c(fixed, 28), msg.data(), msg.size());
}

}  // namespace

void EncodeFixedHeader(FrameHeader h, std::string_view msg, uint8_t out[kFixedHeaderSize]) {
  Put32(out, kFrameMagic);
  out[4] = kFrameVersion;
  out[5] = h.type;
  Put16(out + 6, h.flags);
  Put64(out + 8, h.request_id);
  Put32(out + 16, static_cast<uint32_t>(msg.size()));
  Put32(out + 20, h.payload_len);
  Put32(out + 24, h.payload_crc);
  Put32(out + 28, HeaderCrc(out, msg));
}

std::string EncodeFrame(uint8_t type, uint64_t request_id, std::string_view msg,
                        std::string_view payload, uint16_t flags) {
  FrameHeader h;
  h.type = type;
  h.flags = flags;
  h.request_id = request_id;
  h.payload_len = static_cast<uint32_t>(payload.size());
  if (flags & kFramePayloadCrc) h.payload_crc = Crc32c(payload);
  std::string out(kFixedHeaderSize, '\0');
  EncodeFixedHeader(h, msg, reinterpret_cast<uint8_t*>(out.data()));
  out.append(msg);
  out.append(payload);
  return out;
}

StatusOr<FrameHeader> DecodeFixedHeader(std::span<const uint8_t> b, const FrameLimits& limits) {
  if (b.size() < kFixedHeaderSize) {
    return Err(EPROTO, "truncated frame: {} of {} fixed header bytes", b.size(), kFixedHeaderSize);
  }
  const uint8_t* p = b.data();
  if (Get32(p) != kFrameMagic) return Err(EPROTO, "bad frame magic 0x{:08x}", Get32(p));
  if (p[4] != kFrameVersion) return Err(EPROTO, "unsupported frame version {}", p[4]);
  FrameHeader h;
  h.type = p[5];
  h.flags = Get16(p + 6);
  h.request_id = Get64(p + 8);
  h.header_len = Get32(p + 16);
  h.payload_len = Get32(p + 20);
  h.payload_crc = Get32(p + 24);
  h.header_crc = Get32(p + 28);
  if (h.header_len > limits.max_header) {
    return Err(EMSGSIZE, "frame header of {} bytes exceeds the limit of {}", h.header_len, limits.max_header);
  }
  if (h.payload_len > limits.max_payload) {
    return Err(EMSGSIZE, "frame payload of {} bytes exceeds the limit of {}", h.payload_len,
               limits.max_payload);
  }
  return h;
}

Status VerifyHeaderCrc(const FrameHeader& h, std::span<const uint8_t> fixed, std::string_view msg) {
  if (fixed.size() < kFixedHeaderSize) return Err(EPROTO, "truncated frame header");
  uint32_t want = HeaderCrc(fixed.data(), msg);
  if (want != h.header_crc) {
    return Err(EBADMSG, "frame header checksum mismatch (got 0x{:08x}, computed 0x{:08x})", h.header_crc,
               want);
  }
  return Status::Ok();
}

Status VerifyPayloadCrc(const FrameHeader& h, std::string_view payload) {
  if (!(h.flags & kFramePayloadCrc)) return Status::Ok();
  uint32_t want = Crc32c(payload);
  if (want != h.payload_crc) {
    return Err(EBADMSG, "frame payload checksum mismatch (got 0x{:08x}, computed 0x{:08x})", h.payload_crc,
               want);
  }
  return Status::Ok();
}

StatusOr<Frame> DecodeFrame(std::string_view buf, const FrameLimits& limits, size_t* consumed) {
  auto fixed = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
  auto h = DecodeFixedHeader(fixed, limits);
  if (!h.ok()) return h.status();
  size_t total = kFixedHeaderSize + size_t{h->header_len} + h->payload_len;
  if (buf.size() < total) return Err(EPROTO, "truncated frame: {} of {} bytes", buf.size(), total);
  Frame f;
  f.header = *h;
  f.msg = buf.substr(kFixedHeaderSize, h->header_len);
  f.payload = buf.substr(kFixedHeaderSize + h->header_len, h->payload_len);
  RETURN_IF_ERROR(VerifyHeaderCrc(f.header, fixed, f.msg));
  RETURN_IF_ERROR(VerifyPayloadCrc(f.header, f.payload));
  if (consumed) *consumed = total;
  return f;
}

}  // namespace weft
