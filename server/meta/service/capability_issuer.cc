#include "server/meta/service/capability_issuer.h"

#include <fcntl.h>

#include "common/clock.h"

namespace weft::meta {

CapabilityIssuer::Issued CapabilityIssuer::Issue(uint64_t ino, uint8_t access) const {
  Issued out;
  out.ttl_ms = ttl_ms_;
  out.expiry_ms = NowUnixMs() + ttl_ms_;
  out.capability = signer_.Mint({.ino = ino, .access = access, .expiry_ms = out.expiry_ms});
  return out;
}

uint8_t CapabilityIssuer::AccessForOpen(uint32_t open_flags) {
  uint8_t access = 0;
  switch (open_flags & O_ACCMODE) {
    case O_RDONLY: access = kCapRead; break;
    case O_WRONLY: access = kCapWrite; break;
    default: access = kCapRead | kCapWrite; break;
  }
  if (open_flags & O_TRUNC) access |= kCapWrite;
  return access;
}

}  // namespace weft::meta
