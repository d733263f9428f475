// Issues data-path capabilities (common/capability.h) for the Meta service: Open and Create with open
// return one for the new handle, GetCapability renews or issues one after its checks. Minted at the
// gRPC edge, after the operation committed, so a retried Open answered from the sequencer's reply cache
// still gets a fresh capability.
//
// Thread-safety: thread-safe (immutable).
#pragma once

#include <cstdint>
#include <string>

#include "common/capability.h"
#include "common/cluster_key.h"

namespace weft::meta {

class CapabilityIssuer {
 public:
  // key is only read here. ttl_ms: how long each capability is valid.
  CapabilityIssuer(const ClusterKey& key, uint32_t ttl_ms) : signer_(key), ttl_ms_(ttl_ms) {}

  struct Issued {
    std::string capability;  // wire bytes
    int64_t expiry_ms = 0;   // Unix ms
    uint32_t ttl_ms = 0;
  };
  // A capability for ino with `access` (CapabilityAccess bits), valid ttl_ms from now.
  Issued Issue(uint64_t ino, uint8_t access) const;

  // The access an open(2) mode grants: O_RDONLY read, O_WRONLY write, O_RDWR both; O_TRUNC adds write.
  static uint8_t AccessForOpen(uint32_t open_flags);

 private:
  const CapabilitySigner signer_;
  const uint32_t ttl_ms_;
};

}  // namespace weft::meta
