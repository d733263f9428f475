// Data-path capabilities (DESIGN.md "Security"): weft-meta hands a client, per open file, a short-lived
// token naming one inode, the access it grants and an expiry, signed with the cluster key; chunk servers
// verify it on every data request before touching data (docs/data-protocol.md "Capabilities").
//
// Wire format — persistent, never reorder; carried in the `capability` field of the data requests.
// 54 bytes, little-endian:
//   offset 0  u8   format (1)
//   offset 1  u8   access bits: CapabilityAccess
//   offset 2  u32  key id (ClusterKey::key_id of the signing key)
//   offset 6  u64  inode
//   offset 14 i64  expiry, Unix ms
//   offset 22 [32] HMAC-SHA256 over bytes 0..21 under the cluster key's capability key
//
// Thread-safety: CapabilitySigner is immutable after construction and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/cluster_key.h"
#include "common/status.h"

namespace weft {

// Access bits. Persistent (wire): never renumber.
enum CapabilityAccess : uint8_t {
  kCapRead = 1,
  kCapWrite = 2,  // writes, truncates and removes
  kCapList = 4,   // listing a chain's chunks (FRAME_LIST): minted by chunk servers for inode 0, never for clients
};

struct Capability {
  uint64_t ino = 0;
  uint8_t access = 0;     // CapabilityAccess bits
  int64_t expiry_ms = 0;  // Unix ms
};

inline constexpr size_t kCapabilityBytes = 54;

class CapabilitySigner {
 public:
  explicit CapabilitySigner(const ClusterKey& key);
  ~CapabilitySigner();
  CapabilitySigner(const CapabilitySigner&) = delete;
  CapabilitySigner& operator=(const CapabilitySigner&) = delete;

  uint32_t key_id() const { return key_id_; }

  // The wire bytes of c, signed.
  std::string Mint(const Capability& c) const;
  // Parses and authenticates wire bytes: format, key id and MAC (constant-time compare). Does not look
  // at expiry, inode or access (CheckAccess does). EACCES with the reason; never echoes the bytes.
  StatusOr<Capability> Verify(std::string_view wire) const;

 private:
  std::optional<std::array<uint8_t, 32>> Mac(const uint8_t* data, size_t len) const;

  struct MacCtx;
  std::unique_ptr<MacCtx> ctx_;
  uint32_t key_id_;
};

// Whether an authenticated capability allows a request on `ino` needing `access` at now_ms, allowing
// `skew_ms` of clock skew past its expiry. EACCES naming the reason (expired, other inode, read-only).
Status CheckCapability(const Capability& c, uint64_t ino, uint8_t access, int64_t now_ms, int64_t skew_ms);

}  // namespace weft
