// The cluster key: 32 random bytes shared by weft-meta and every weft-chunk (--cluster-key-file). It
// never leaves those processes and is never logged. Two secrets are derived from it, one per purpose
// (HMAC-SHA256 of the key over a fixed label), so a capability MAC can never stand in for the
// server-to-server credential or the other way round:
//   - the capability key, which signs and verifies data-path capabilities (common/capability.h);
//   - the control credential, a bearer string that server-internal gRPC calls carry in the metadata
//     entry kClusterCredentialHeader (chunk -> meta Register/Heartbeat, meta -> chunk ChunkControl).
// key_id() (32 bits of another derivation) names the key in capabilities and in log lines: it reveals
// nothing about the key and lets a server tell "signed with another key" from "forged".
//
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "common/status.h"

namespace weft {

// gRPC metadata key of the control credential (lower case, as gRPC requires).
inline constexpr char kClusterCredentialHeader[] = "x-weft-cluster-credential";

class ClusterKey {
 public:
  static constexpr size_t kKeyBytes = 32;

  // Reads the key file: exactly 32 bytes (raw). Errors name the path and the reason, never the content.
  static StatusOr<ClusterKey> Load(const std::string& path);
  // As Load; when the file does not exist, creates it with 32 bytes from the OS CSPRNG, mode 0600.
  static StatusOr<ClusterKey> LoadOrCreate(const std::string& path);
  // From raw key bytes (tests). REQUIRES: 32 bytes.
  static ClusterKey FromBytes(std::string_view key);

  uint32_t key_id() const { return key_id_; }
  // The 32-byte capability signing key (derived).
  const std::array<uint8_t, 32>& capability_key() const { return cap_key_; }
  // The bearer string of server-internal gRPC calls (derived, hex).
  const std::string& control_credential() const { return control_; }

  // Adds the control credential to an outgoing call.
  void Attach(grpc::ClientContext* ctx) const;
  // OK when the incoming call carries the control credential (constant-time compare); else
  // EACCES naming the call, without echoing what was sent.
  Status CheckCall(const grpc::ServerContextBase* ctx, std::string_view what) const;

 private:
  ClusterKey() = default;

  std::array<uint8_t, 32> cap_key_{};
  std::string control_;
  uint32_t key_id_ = 0;
};

// HMAC-SHA256 of data under key (OpenSSL).
std::array<uint8_t, 32> HmacSha256(const uint8_t* key, size_t key_len, const void* data, size_t len);

}  // namespace weft
