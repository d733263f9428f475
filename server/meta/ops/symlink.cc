// Symlink: target 1..4095 bytes (empty: ENOENT, longer: ENAMETOOLONG); mode 0777, size = target length.
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {

Status Symlink(OpContext& ctx, const SymlinkRequest& req, AttrResponse* resp) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(CheckEntryName(req.name()));
  if (req.target().empty()) return Err(ENOENT, "empty symlink target");
  if (req.target().size() > kSymlinkMax) {
    return Err(ENAMETOOLONG, "symlink target of {} bytes (max {})", req.target().size(), kSymlinkMax);
  }
  auto parent = ctx.GetDir(req.parent());
  if (!parent.ok()) return parent.status();
  RETURN_IF_ERROR(CheckAccess(req.caller(), parent->attr(), kMayExec));
  auto existing = ctx.FindDentry(req.parent(), req.name());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return Err(EEXIST, "'{}' exists in directory {}", req.name(), req.parent());
  RETURN_IF_ERROR(ctx.CheckWritable());
  RETURN_IF_ERROR(CheckEntryWrite(req.caller(), *parent));
  RETURN_IF_ERROR(ctx.CheckQuota(0, 1));
  RETURN_IF_ERROR(NoteAdd(ctx, req.parent(), resp->mutable_leases()));

  auto inode = NewInode(ctx, req.caller(), *parent, S_IFLNK | 0777);
  if (!inode.ok()) return inode.status();
  inode->mutable_attr()->set_size(req.target().size());
  inode->set_symlink(req.target());
  ctx.PutInode(*inode);
  rec::Dentry d;
  d.set_ino(inode->attr().ino());
  d.set_type(S_IFLNK);
  ctx.Put(keys::Dentry(req.parent(), req.name()), d);
  parent->set_entries(parent->entries() + 1);
  TouchDir(ctx, &*parent);
  ctx.PutInode(*parent);
  RETURN_IF_ERROR(ctx.Charge(0, 1, 0));
  *resp->mutable_attr() = inode->attr();
  *resp->mutable_parent() = parent->attr();
  return Status::Ok();
}

}  // namespace weft::meta::ops
