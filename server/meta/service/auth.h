// Who may make a call to weft-meta: the bearer token in the call's "authorization" metadata
// ("Bearer wt_<id>_<secret>", common/token.h), checked against the A<id> record on every call (one
// point get, and a SHA-256 unless the wire computed it at HELLO; no verdict is cached, so a revoked
// token is refused on its next call).
//
// The rules (docs/weftctl.md, "Security"):
//   - Admin service: the admin token (id 0) may make every call. A tenant token may make only
//     GetTenant, GetVolume, ListVolumes and ListTokens for its own tenant, and ListClasses/GetClass.
//   - Meta service: Mount needs the admin token or a token of the volume's tenant; every call with a
//     session id needs the admin token or a token of the session's volume's tenant. Health needs no
//     token (liveness probes). GetChainTable accepts no token or any valid one (chunk addresses are
//     not secret; the data-plane capabilities of the other half of issue 10 guard the data).
//   - Cluster service (chunk servers): not checked here — chunk servers authenticate with the cluster
//     key (the capabilities work, branch sec-caps); on this branch it stays open.
// A call without a valid token fails UNAUTHENTICATED; a valid token used beyond its rights fails
// PERMISSION_DENIED. Both carry errno EACCES (common/grpc_status.h), and messages name token ids only.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "common/status.h"
#include "server/meta/kv.h"
#include "server/meta/session_table.h"

namespace weft::meta {

// Who is calling, as the checks need it: the "authorization" value ("Bearer <token>", "" = none) and the
// peer's address for logs. gRPC calls take it from their context; the metadata wire from its HELLO.
struct CallAuth {
  std::string_view bearer;                         // must outlive the checks
  std::string_view peer;                           // the wire's; must outlive the checks
  const grpc::ServerContextBase* grpc = nullptr;   // a gRPC call's context: its peer, asked only for a log line
  // HashToken of the bearer's token, when the caller computed it once for many calls (a wire
  // connection); "" = hash it per call. Only the hash is kept: the record is still read on every call.
  std::string_view token_hash;
  static CallAuth Of(const grpc::ServerContextBase& c);
  std::string Peer() const { return grpc ? grpc->peer() : std::string(peer); }
};

// What a valid token proves.
struct Principal {
  uint64_t token_id = 0;
  bool admin = false;
  std::string tenant;  // the token's tenant; "" for the admin token
};

struct AuthResult {
  grpc::Status status;  // OK, UNAUTHENTICATED or PERMISSION_DENIED
  Principal who;        // valid when status is OK
  bool ok() const { return status.ok(); }
};

class Auth {
 public:
  // kv and sessions are not owned and must outlive this.
  Auth(KvReader* kv, const SessionTable* sessions) : kv_(kv), sessions_(sessions) {}

  // Any valid token.
  AuthResult Authenticate(const CallAuth& c) const;
  // The token_hash a connection keeps for its bearer ("" when the bearer is not "Bearer <token>").
  static std::string HashOfBearer(std::string_view bearer);
  // No token at all, or a valid one.
  grpc::Status OptionalToken(const CallAuth& c) const;
  // The admin token.
  grpc::Status RequireAdmin(const CallAuth& c) const;
  // The admin token or a token of `tenant`.
  grpc::Status ForTenant(const CallAuth& c, const std::string& tenant) const;
  // The admin token or a token of the tenant owning the session's volume. An unknown session passes
  // for the admin token (the op answers ESTALE) and fails ESTALE for a tenant token.
  grpc::Status ForSession(const CallAuth& c, uint64_t session_id) const;

  // The same checks for a gRPC call.
  AuthResult Authenticate(const grpc::ServerContextBase& c) const { return Authenticate(CallAuth::Of(c)); }
  grpc::Status OptionalToken(const grpc::ServerContextBase& c) const { return OptionalToken(CallAuth::Of(c)); }
  grpc::Status RequireAdmin(const grpc::ServerContextBase& c) const { return RequireAdmin(CallAuth::Of(c)); }
  grpc::Status ForTenant(const grpc::ServerContextBase& c, const std::string& tenant) const {
    return ForTenant(CallAuth::Of(c), tenant);
  }
  grpc::Status ForSession(const grpc::ServerContextBase& c, uint64_t session_id) const {
    return ForSession(CallAuth::Of(c), session_id);
  }

  // The PERMISSION_DENIED status for a principal reaching a volume of another tenant (or none).
  static grpc::Status VolumeDenied(const Principal& who, const std::string& volume);
  static grpc::Status Denied(const std::string& message);

 private:
  // The tenant of a volume id; volumes never change tenant and ids are never reused, so answers
  // are cached.
  StatusOr<std::string> TenantOfVolume(uint64_t volume_id) const;

  KvReader* const kv_;
  const SessionTable* const sessions_;
  mutable std::mutex mu_;
  mutable std::map<uint64_t, std::string> volume_tenant_;  // GUARDED_BY(mu_)
};

}  // namespace weft::meta
