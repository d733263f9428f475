// CreateVolume: a volume of a tenant, from a class's defaults (quota, replication, stripe width, chunk
// size), with its root directory. Counts against the tenant's volume and inode quotas (EDQUOT).
#include <sys/stat.h>

#include "common/clock.h"
#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"

namespace weft::meta::ops {

Status CreateVolume(OpContext& ctx, const CreateVolumeRequest& req, Volume* resp) {
  RETURN_IF_ERROR(CheckAdminName("volume", req.name()));
  auto tenant = ctx.Find<rec::Tenant>(keys::Tenant(req.tenant()));
  if (!tenant.ok()) return tenant.status();
  if (!tenant->has_value()) return Err(ENOENT, "no tenant '{}'", req.tenant());
  auto existing = ctx.reader().Get(keys::VolumeName(req.name()));
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return Err(EEXIST, "volume '{}' exists", req.name());
  std::string class_name = req.class_name().empty() ? std::string(kDefaultClass) : req.class_name();
  auto cls = ctx.options().classes.find(class_name);
  if (cls == ctx.options().classes.end()) return Err(ENOENT, "no volume class '{}'", class_name);
  const VolumeClass& c = cls->second;
  uint32_t replication = req.replication() ? req.replication() : c.replication();
  if (replication < 1 || replication > 3) return Err(EINVAL, "replication must be 1..3 (got {})", replication);
  if (req.access_mode() != ACCESS_UNSPECIFIED && req.access_mode() != ACCESS_EXCLUSIVE &&
      req.access_mode() != ACCESS_SHARED) {
    return Err(EINVAL, "unknown access mode {}", static_cast<int>(req.access_mode()));
  }
  Tenant& t = *(*tenant)->mutable_info();
  if (t.quota().volumes() != 0 && t.usage().volumes() + 1 > t.quota().volumes()) {
    return Err(EDQUOT, "tenant '{}' volume quota exceeded ({} of {})", t.name(), t.usage().volumes(), t.quota().volumes());
  }
  if (t.quota().inodes() != 0 && t.usage().inodes() + 1 > t.quota().inodes()) {
    return Err(EDQUOT, "tenant '{}' inode quota exceeded ({} of {})", t.name(), t.usage().inodes(), t.quota().inodes());
  }
  auto id = ctx.NextId(keys::kVolumeCounter);
  if (!id.ok()) return id.status();
  auto root_ino = ctx.NextId(keys::kInoCounter, kFirstIno);
  if (!root_ino.ok()) return root_ino.status();

  rec::Inode root;
  Attr* a = root.mutable_attr();
  a->set_ino(*root_ino);
  a->set_mode(S_IFDIR | (req.root_mode() ? req.root_mode() & 07777 : 0755));
  a->set_uid(req.root_uid());
  a->set_gid(req.root_gid());
  a->set_nlink(2);
  *a->mutable_atime() = ctx.now();
  *a->mutable_mtime() = ctx.now();
  *a->mutable_ctime() = ctx.now();
  a->set_volume_id(*id);
  root.set_parent(*root_ino);
  ctx.PutInode(root);

  rec::Volume v;
  Volume* info = v.mutable_info();
  info->set_name(req.name());
  info->set_id(*id);
  info->set_tenant(req.tenant());
  info->set_class_name(class_name);
  info->mutable_quota()->set_bytes(req.quota_bytes() ? req.quota_bytes() : c.default_quota_bytes());
  info->mutable_quota()->set_inodes(req.quota_inodes() ? req.quota_inodes() : c.default_quota_inodes());
  info->mutable_usage()->set_inodes(1);  // the root
  info->set_replication(replication);
  info->set_access_mode(req.access_mode() == ACCESS_UNSPECIFIED ? ACCESS_SHARED : req.access_mode());
  info->set_stripe_width(c.stripe_width());
  info->set_chunk_size(c.chunk_size());
  info->set_root_ino(*root_ino);
  info->set_created_ms(NowUnixMs());
  ctx.Put(keys::Volume(*id), v);
  std::string enc;
  keys::AppendU64(&enc, *id);
  ctx.batch().Put(keys::VolumeName(req.name()), enc);

  t.mutable_usage()->set_volumes(t.usage().volumes() + 1);
  t.mutable_usage()->set_inodes(t.usage().inodes() + 1);
  ctx.Put(keys::Tenant(req.tenant()), **tenant);
  *resp = v.info();
  return Status::Ok();
}

}  // namespace weft::meta::ops
