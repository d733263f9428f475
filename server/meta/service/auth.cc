#include "server/meta/service/auth.h"

#include <spdlog/spdlog.h>

#include "common/token.h"
#include "server/meta/keys.h"
#include "server/meta/records.pb.h"

namespace weft::meta {
namespace {

constexpr std::string_view kBearer = "Bearer ";

grpc::Status Unauthenticated(const CallAuth& c, const std::string& why) {
  spdlog::info("refused an unauthenticated call from {}: {}", c.Peer(), why);
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unauthenticated: " + why, std::to_string(EACCES));
}

}  // namespace

CallAuth CallAuth::Of(const grpc::ServerContextBase& c) {
  CallAuth a;
  a.grpc = &c;
  const auto& md = c.client_metadata();
  if (auto it = md.find("authorization"); it != md.end()) a.bearer = std::string_view(it->second.data(), it->second.size());
  return a;
}

grpc::Status Auth::Denied(const std::string& message) {
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, message, std::to_string(EACCES));
}

grpc::Status Auth::VolumeDenied(const Principal& who, const std::string& volume) {
  return Denied(fmt::format("token {} of tenant '{}' has no access to volume '{}'", who.token_id, who.tenant, volume));
}

AuthResult Auth::Authenticate(const CallAuth& c) const {
  AuthResult r;
  std::string_view header = c.bearer;
  if (header.empty()) {
    r.status = Unauthenticated(c, "no bearer token (pass --token, WEFT_TOKEN or a token file)");
    return r;
  }
  if (header.substr(0, kBearer.size()) != kBearer) {
    r.status = Unauthenticated(c, "the authorization metadata is not 'Bearer <token>'");
    return r;
  }
  std::string_view text = header.substr(kBearer.size());
  auto parsed = ParseToken(text);
  if (!parsed.ok()) {
    r.status = Unauthenticated(c, parsed.status().message());
    return r;
  }
  auto value = kv_->Get(keys::Token(parsed->id));
  if (!value.ok()) {
    r.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "token store: " + value.status().message(),
                            std::to_string(value.status().err()));
    return r;
  }
  rec::Token t;
  std::string computed;
  std::string_view hash = c.token_hash;
  if (hash.empty()) hash = computed = HashToken(text);
  if (!value->has_value() || !t.ParseFromString(**value) || !SecretEqual(hash, t.hash())) {
    // One message for unknown, revoked and wrong-secret tokens: the caller learns nothing more.
    r.status = Unauthenticated(c, fmt::format("token {} is unknown, revoked or wrong", parsed->id));
    return r;
  }
  r.who.token_id = parsed->id;
  r.who.admin = t.admin();
  r.who.tenant = t.info().tenant();
  return r;
}

std::string Auth::HashOfBearer(std::string_view bearer) {
  if (bearer.substr(0, kBearer.size()) != kBearer) return "";
  return HashToken(bearer.substr(kBearer.size()));
}

grpc::Status Auth::OptionalToken(const CallAuth& c) const {
  if (c.bearer.empty()) return grpc::Status::OK;
  return Authenticate(c).status;
}

grpc::Status Auth::RequireAdmin(const CallAuth& c) const {
  AuthResult a = Authenticate(c);
  if (!a.ok() || a.who.admin) return a.status;
  return Denied(fmt::format("this call needs the admin token (token {} belongs to tenant '{}')", a.who.token_id,
                            a.who.tenant));
}

grpc::Status Auth::ForTenant(const CallAuth& c, const std::string& tenant) const {
  AuthResult a = Authenticate(c);
  if (!a.ok() || a.who.admin || a.who.tenant == tenant) return a.status;
  return Denied(fmt::format("token {} of tenant '{}' has no access to tenant '{}'", a.who.token_id, a.who.tenant,
                            tenant));
}

grpc::Status Auth::ForSession(const CallAuth& c, uint64_t session_id) const {
  AuthResult a = Authenticate(c);
  if (!a.ok() || a.who.admin) return a.status;
  auto stale = [&] {
    Status s = Err(ESTALE, "session {} is unknown (expired, unmounted or its volume deleted): mount again", session_id);
    return grpc::Status(grpc::StatusCode::ABORTED, s.message(), std::to_string(ESTALE));
  };
  std::optional<uint64_t> volume = sessions_->VolumeOf(session_id);
  if (!volume) return stale();
  auto tenant = TenantOfVolume(*volume);
  if (!tenant.ok()) return tenant.status().err() == ENOENT ? stale() : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                                                                      tenant.status().message());
  if (*tenant == a.who.tenant) return grpc::Status::OK;
  return Denied(fmt::format("session {} belongs to another tenant than token {} (tenant '{}')", session_id,
                            a.who.token_id, a.who.tenant));
}

StatusOr<std::string> Auth::TenantOfVolume(uint64_t volume_id) const {
  {
    std::lock_guard lock(mu_);
    auto it = volume_tenant_.find(volume_id);
    if (it != volume_tenant_.end()) return it->second;
  }
  auto value = kv_->Get(keys::Volume(volume_id));
  if (!value.ok()) return value.status();
  rec::Volume v;
  if (!value->has_value()) return Err(ENOENT, "no volume {}", volume_id);
  if (!v.ParseFromString(**value)) return Err(EIO, "corrupt volume {}", volume_id);
  std::lock_guard lock(mu_);
  volume_tenant_[volume_id] = v.info().tenant();
  return v.info().tenant();
}

}  // namespace weft::meta
