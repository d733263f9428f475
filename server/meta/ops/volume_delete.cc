// DeleteVolume: ends the volume's sessions (their handles close; live clients then get ESTALE), frees
// its name, takes it off the tenant's volume count and marks it deleting. The GC worker then purges the
// namespace in bounded steps (PurgeVolumeStep): regular files go to the GC queue for their data, and
// the tenant's usage shrinks as the purge goes.
#include "server/meta/keys.h"
#include "server/meta/ops/ops.h"
#include "server/meta/ops/volume_util.h"

namespace weft::meta::ops {

Status DeleteVolume(OpContext& ctx, const VolumeRequest& req, DeleteResponse*) {
  auto id = VolumeIdByName(ctx, req.name());
  if (!id.ok()) return id.status();
  RETURN_IF_ERROR(ctx.BindVolume(*id));
  std::vector<rec::Session> sessions;
  std::string prefix = keys::Prefix(keys::kSession);
  {
    auto it = ctx.reader().Scan(prefix, keys::PrefixEnd(prefix));
    for (; it->Valid(); it->Next()) {
      rec::Session s;
      if (!s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) return Err(EIO, "corrupt session");
      if (s.volume_id() == *id) sessions.push_back(std::move(s));
    }
    RETURN_IF_ERROR(it->status());
  }
  for (const auto& s : sessions) RETURN_IF_ERROR(EndSession(ctx, s));
  auto tenant = ctx.tenant();
  if (!tenant.ok()) return tenant.status();
  Usage* tu = (*tenant)->mutable_info()->mutable_usage();
  tu->set_volumes(tu->volumes() > 0 ? tu->volumes() - 1 : 0);
  ctx.Put(keys::Tenant((*tenant)->info().name()), **tenant);
  ctx.volume().set_deleting(true);
  ctx.MarkVolumeDirty();
  ctx.Delete(keys::VolumeName(req.name()));
  if (ctx.env().wake_gc) ctx.OnCommit(ctx.env().wake_gc);
  return Status::Ok();
}

}  // namespace weft::meta::ops
