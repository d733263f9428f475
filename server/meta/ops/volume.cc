// Volume reads and changes: show, list, resize (refused below usage: EINVAL), read-only, and classes.
#include "server/meta/keys.h"
#include "server/meta/ops/ops.h"
#include "server/meta/ops/volume_util.h"

namespace weft::meta::ops {
namespace {

Status BindByName(OpContext& ctx, const std::string& name) {
  auto id = VolumeIdByName(ctx, name);
  if (!id.ok()) return id.status();
  return ctx.BindVolume(*id);
}

}  // namespace

Status GetVolume(OpContext& ctx, const VolumeRequest& req, Volume* resp) {
  RETURN_IF_ERROR(BindByName(ctx, req.name()));
  *resp = VolumeView(ctx.volume());
  return Status::Ok();
}

Status ListVolumes(OpContext& ctx, const ListVolumesRequest& req, ListVolumesResponse* resp) {
  if (!req.tenant().empty()) {
    auto t = ctx.Find<rec::Tenant>(keys::Tenant(req.tenant()));
    if (!t.ok()) return t.status();
    if (!t->has_value()) return Err(ENOENT, "no tenant '{}'", req.tenant());
  }
  std::string prefix = keys::Prefix(keys::kVolume);
  auto it = ctx.reader().Scan(prefix, keys::PrefixEnd(prefix));
  for (; it->Valid(); it->Next()) {
    rec::Volume v;
    if (!v.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) return Err(EIO, "corrupt volume");
    if (v.deleting() || (!req.tenant().empty() && v.info().tenant() != req.tenant())) continue;
    *resp->add_volumes() = VolumeView(v);
  }
  return it->status();
}

Status ResizeVolume(OpContext& ctx, const ResizeVolumeRequest& req, Volume* resp) {
  RETURN_IF_ERROR(BindByName(ctx, req.name()));
  Volume* info = ctx.volume().mutable_info();
  if (req.quota_bytes() != 0) {
    if (req.quota_bytes() < info->usage().bytes()) {
      return Err(EINVAL, "volume '{}': {} bytes are in use, more than the new quota {}", req.name(),
                 info->usage().bytes(), req.quota_bytes());
    }
    info->mutable_quota()->set_bytes(req.quota_bytes());
  }
  if (req.quota_inodes() != 0) {
    if (req.quota_inodes() < info->usage().inodes()) {
      return Err(EINVAL, "volume '{}': {} inodes are in use, more than the new quota {}", req.name(),
                 info->usage().inodes(), req.quota_inodes());
    }
    info->mutable_quota()->set_inodes(req.quota_inodes());
  }
  ctx.MarkVolumeDirty();
  *resp = VolumeView(ctx.volume());
  return Status::Ok();
}

Status SetVolumeReadOnly(OpContext& ctx, const SetReadOnlyRequest& req, Volume* resp) {
  RETURN_IF_ERROR(BindByName(ctx, req.name()));
  ctx.volume().mutable_info()->set_read_only(req.read_only());
  ctx.MarkVolumeDirty();
  *resp = VolumeView(ctx.volume());
  return Status::Ok();
}

Status ListClasses(OpContext& ctx, const ListClassesRequest&, ListClassesResponse* resp) {
  for (const auto& [name, c] : ctx.options().classes) *resp->add_classes() = c;
  return Status::Ok();
}

Status GetClass(OpContext& ctx, const ClassRequest& req, VolumeClass* resp) {
  auto it = ctx.options().classes.find(req.name());
  if (it == ctx.options().classes.end()) return Err(ENOENT, "no volume class '{}'", req.name());
  *resp = it->second;
  return Status::Ok();
}

}  // namespace weft::meta::ops
