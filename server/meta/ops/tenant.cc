// Tenants: T<name> -> rec::Tenant. Usage counters are the sums over the tenant's volumes, moved by the
// same ops that move the volumes' counters. Quotas: 0 = unlimited; a quota below current usage is
// refused (EINVAL); a tenant that still owns volumes (live or being purged) cannot be deleted
// (ENOTEMPTY).
#include "common/clock.h"
#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/ops.h"

namespace weft::meta::ops {
namespace {

StatusOr<rec::Tenant> LoadTenant(OpContext& ctx, const std::string& name) {
  auto t = ctx.Find<rec::Tenant>(keys::Tenant(name));
  if (!t.ok()) return t.status();
  if (!t->has_value()) return Err(ENOENT, "no tenant '{}'", name);
  return std::move(**t);
}

Status CheckQuotaAboveUsage(std::string_view what, const Quota& q, const Usage& u) {
  if (q.bytes() != 0 && q.bytes() < u.bytes()) {
    return Err(EINVAL, "{}: byte quota {} is below the {} bytes in use", what, q.bytes(), u.bytes());
  }
  if (q.inodes() != 0 && q.inodes() < u.inodes()) {
    return Err(EINVAL, "{}: inode quota {} is below the {} inodes in use", what, q.inodes(), u.inodes());
  }
  if (q.volumes() != 0 && q.volumes() < u.volumes()) {
    return Err(EINVAL, "{}: volume quota {} is below its {} volumes", what, q.volumes(), u.volumes());
  }
  return Status::Ok();
}

}  // namespace

Status CreateTenant(OpContext& ctx, const CreateTenantRequest& req, Tenant* resp) {
  RETURN_IF_ERROR(CheckAdminName("tenant", req.name()));
  auto existing = ctx.Find<rec::Tenant>(keys::Tenant(req.name()));
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return Err(EEXIST, "tenant '{}' exists", req.name());
  rec::Tenant t;
  t.mutable_info()->set_name(req.name());
  *t.mutable_info()->mutable_quota() = req.quota();
  t.mutable_info()->mutable_usage();
  t.mutable_info()->set_created_ms(NowUnixMs());
  ctx.Put(keys::Tenant(req.name()), t);
  *resp = t.info();
  return Status::Ok();
}

Status GetTenant(OpContext& ctx, const TenantRequest& req, Tenant* resp) {
  auto t = LoadTenant(ctx, req.name());
  if (!t.ok()) return t.status();
  *resp = t->info();
  return Status::Ok();
}

Status ListTenants(OpContext& ctx, const ListTenantsRequest&, ListTenantsResponse* resp) {
  std::string prefix = keys::Prefix(keys::kTenant);
  auto it = ctx.reader().Scan(prefix, keys::PrefixEnd(prefix));
  for (; it->Valid(); it->Next()) {
    rec::Tenant t;
    if (!t.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) return Err(EIO, "corrupt tenant");
    *resp->add_tenants() = t.info();
  }
  return it->status();
}

Status SetTenantQuota(OpContext& ctx, const SetTenantQuotaRequest& req, Tenant* resp) {
  auto t = LoadTenant(ctx, req.name());
  if (!t.ok()) return t.status();
  RETURN_IF_ERROR(CheckQuotaAboveUsage("tenant '" + req.name() + "'", req.quota(), t->info().usage()));
  *t->mutable_info()->mutable_quota() = req.quota();
  ctx.Put(keys::Tenant(req.name()), *t);
  *resp = t->info();
  return Status::Ok();
}

Status DeleteTenant(OpContext& ctx, const TenantRequest& req, DeleteResponse*) {
  auto t = LoadTenant(ctx, req.name());
  if (!t.ok()) return t.status();
  // Count every volume of the tenant, including those still being purged (they charge the tenant).
  size_t live = 0, purging = 0;
  std::string prefix = keys::Prefix(keys::kVolume);
  auto it = ctx.reader().Scan(prefix, keys::PrefixEnd(prefix));
  for (; it->Valid(); it->Next()) {
    rec::Volume v;
    if (!v.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) return Err(EIO, "corrupt volume");
    if (v.info().tenant() != req.name()) continue;
    (v.deleting() ? purging : live)++;
  }
  RETURN_IF_ERROR(it->status());
  if (live + purging > 0) {
    return Err(ENOTEMPTY, "tenant '{}' still owns {} volumes ({} being deleted)", req.name(), live + purging, purging);
  }
  RETURN_IF_ERROR(DeleteTenantTokens(ctx, req.name()));
  ctx.Delete(keys::Tenant(req.name()));
  return Status::Ok();
}

}  // namespace weft::meta::ops
