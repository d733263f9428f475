// Bearer tokens: A<id> -> rec::Token holding only the SHA-256 of the token text. Issue hands the text
// out once; revoke deletes the record, so the next call with it fails; a deleted tenant takes its
// tokens along (a tenant created again under the name does not inherit them). Id 0 is the admin token,
// replaced only through --admin-token-file (SetAdminToken).
#include <functional>

#include "common/clock.h"
#include "common/token.h"
#include "server/meta/keys.h"
#include "server/meta/ops/ops.h"

namespace weft::meta::ops {
namespace {

inline constexpr size_t kTokenNameMax = 64;

Status CheckTokenName(std::string_view name) {
  if (name.size() > kTokenNameMax) return Err(EINVAL, "token name longer than {} bytes", kTokenNameMax);
  for (unsigned char ch : name) {
    if (ch < 0x20 || ch == 0x7f) return Err(EINVAL, "token name with a control character");
  }
  return Status::Ok();
}

// Every token record, in id order.
Status ScanTokens(OpContext& ctx, const std::function<void(rec::Token&&)>& fn) {
  std::string prefix = keys::Prefix(keys::kToken);
  auto it = ctx.reader().Scan(prefix, keys::PrefixEnd(prefix));
  for (; it->Valid(); it->Next()) {
    rec::Token t;
    if (!t.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) return Err(EIO, "corrupt token");
    fn(std::move(t));
  }
  return it->status();
}

}  // namespace

Status IssueToken(OpContext& ctx, const IssueTokenRequest& req, IssueTokenResponse* resp) {
  RETURN_IF_ERROR(CheckTokenName(req.name()));
  auto tenant = ctx.Find<rec::Tenant>(keys::Tenant(req.tenant()));
  if (!tenant.ok()) return tenant.status();
  if (!tenant->has_value()) return Err(ENOENT, "no tenant '{}'", req.tenant());
  auto id = ctx.NextId(keys::kTokenCounter);
  if (!id.ok()) return id.status();
  auto text = NewToken(*id);
  if (!text.ok()) return text.status();
  rec::Token t;
  t.mutable_info()->set_id(*id);
  t.mutable_info()->set_tenant(req.tenant());
  t.mutable_info()->set_name(req.name());
  t.mutable_info()->set_created_ms(NowUnixMs());
  t.set_hash(HashToken(*text));
  ctx.Put(keys::Token(*id), t);
  *resp->mutable_token() = t.info();
  resp->set_secret(std::move(*text));
  return Status::Ok();
}

Status RevokeToken(OpContext& ctx, const RevokeTokenRequest& req, RevokeTokenResponse*) {
  if (req.id() == kAdminTokenId) {
    return Err(EINVAL, "the admin token is replaced by restarting weft-meta with a new --admin-token-file");
  }
  auto t = ctx.Find<rec::Token>(keys::Token(req.id()));
  if (!t.ok()) return t.status();
  if (!t->has_value()) return Err(ENOENT, "no token {}", req.id());
  ctx.Delete(keys::Token(req.id()));
  return Status::Ok();
}

Status ListTokens(OpContext& ctx, const ListTokensRequest& req, ListTokensResponse* resp) {
  if (!req.tenant().empty()) {
    auto t = ctx.Find<rec::Tenant>(keys::Tenant(req.tenant()));
    if (!t.ok()) return t.status();
    if (!t->has_value()) return Err(ENOENT, "no tenant '{}'", req.tenant());
  }
  return ScanTokens(ctx, [&](rec::Token&& t) {
    if (t.admin() || (!req.tenant().empty() && t.info().tenant() != req.tenant())) return;
    *resp->add_tokens() = std::move(*t.mutable_info());
  });
}

Status SetAdminToken(OpContext& ctx, const rec::Token& req, rec::Token* resp) {
  rec::Token t;
  t.mutable_info()->set_id(kAdminTokenId);
  t.mutable_info()->set_name("admin");
  t.mutable_info()->set_created_ms(NowUnixMs());
  t.set_hash(req.hash());
  t.set_admin(true);
  ctx.Put(keys::Token(kAdminTokenId), t);
  *resp = t;
  return Status::Ok();
}

Status DeleteTenantTokens(OpContext& ctx, const std::string& tenant) {
  std::vector<uint64_t> ids;
  RETURN_IF_ERROR(ScanTokens(ctx, [&](rec::Token&& t) {
    if (!t.admin() && t.info().tenant() == tenant) ids.push_back(t.info().id());
  }));
  for (uint64_t id : ids) ctx.Delete(keys::Token(id));
  return Status::Ok();
}

}  // namespace weft::meta::ops
