// PurgeVolumeStep: removes up to purge_step_entries entries of a deleted volume, depth first from its
// root: a non-directory loses the link (and, with its last, is released: regular files to the GC queue),
// an empty directory goes. The step that removes the root deletes the volume record. Each step is one
// sequenced op, so a crash between steps leaves a consistent, resumable state.
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"

namespace weft::meta::ops {

Status PurgeVolumeStep(OpContext& ctx, uint64_t volume_id, bool* done) {
  *done = false;
  Status bound = ctx.BindVolume(volume_id, /*allow_deleting=*/true);
  if (bound.err() == ENOENT) {
    *done = true;
    return Status::Ok();
  }
  RETURN_IF_ERROR(bound);
  if (!ctx.volume().deleting()) return Err(EINVAL, "volume {} is not being deleted", volume_id);
  const uint64_t root = ctx.volume().info().root_ino();
  struct Level {
    uint64_t dir;
    std::string name;  // this directory's name in its parent (unused for the root)
  };
  std::vector<Level> path = {{root, ""}};
  uint32_t budget = std::max<uint32_t>(1, ctx.options().purge_step_entries);
  while (budget > 0 && !path.empty()) {
    const uint64_t dir = path.back().dir;
    std::string prefix = keys::DentryPrefix(dir);
    std::optional<std::pair<std::string, rec::Dentry>> first;
    {
      auto it = ctx.reader().Scan(prefix, keys::PrefixEnd(prefix));
      if (it->Valid()) {
        rec::Dentry d;
        if (!d.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) return Err(EIO, "corrupt entry");
        first.emplace(std::string(it->key().substr(prefix.size())), d);
      }
      RETURN_IF_ERROR(it->status());
    }
    if (first && S_ISDIR(first->second.type())) {
      path.push_back({first->second.ino(), first->first});
      continue;
    }
    --budget;
    if (first) {
      ctx.Delete(keys::Dentry(dir, first->first));
      auto inode = ctx.GetInode(first->second.ino());
      if (inode.ok()) {
        RETURN_IF_ERROR(DropLink(ctx, &*inode));
      } else if (inode.status().err() != ENOENT) {
        return inode.status();
      }
      continue;
    }
    // dir is empty: remove it (its parent's counts do not matter: the parent goes too).
    auto inode = ctx.GetInode(dir);
    if (inode.ok()) RETURN_IF_ERROR(DeleteDirInode(ctx, *inode));
    std::string name = std::move(path.back().name);
    path.pop_back();
    if (!path.empty()) ctx.Delete(keys::Dentry(path.back().dir, name));
  }
  if (path.empty()) {
    RETURN_IF_ERROR(ctx.Flush());  // the tenant's usage (and the volume, deleted right after)
    ctx.Delete(keys::Volume(volume_id));
    *done = true;
  }
  return Status::Ok();
}

}  // namespace weft::meta::ops
