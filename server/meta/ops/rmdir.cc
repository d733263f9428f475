// Rmdir: removes an empty directory (ENOTDIR for others, ENOTEMPTY when it has entries).
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {

Status Rmdir(OpContext& ctx, const RmdirRequest& req, RmdirResponse* resp) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(CheckEntryName(req.name()));
  RETURN_IF_ERROR(ctx.CheckWritable());
  auto parent = ctx.GetDir(req.parent());
  if (!parent.ok()) return parent.status();
  RETURN_IF_ERROR(CheckAccess(req.caller(), parent->attr(), kMayExec));
  auto d = ctx.FindDentry(req.parent(), req.name());
  if (!d.ok()) return d.status();
  if (!d->has_value()) return Err(ENOENT, "no entry '{}' in directory {}", req.name(), req.parent());
  auto victim = ctx.GetInode((*d)->ino());
  if (!victim.ok()) return victim.status();
  RETURN_IF_ERROR(CheckEntryWrite(req.caller(), *parent));
  RETURN_IF_ERROR(CheckSticky(req.caller(), parent->attr(), victim->attr()));
  if (!S_ISDIR(victim->attr().mode())) return Err(ENOTDIR, "'{}' is not a directory", req.name());
  RETURN_IF_ERROR(NoteDirRead(ctx, victim->attr().ino()));
  if (victim->entries() > 0) return Err(ENOTEMPTY, "directory '{}' has {} entries", req.name(), victim->entries());

  ctx.Delete(keys::Dentry(req.parent(), req.name()));
  RETURN_IF_ERROR(DeleteDirInode(ctx, *victim));
  Attr* pa = parent->mutable_attr();
  pa->set_nlink(pa->nlink() > 2 ? pa->nlink() - 1 : 2);
  parent->set_entries(parent->entries() > 0 ? parent->entries() - 1 : 0);
  TouchDir(ctx, &*parent);
  ctx.PutInode(*parent);
  *resp->mutable_parent() = parent->attr();
  resp->set_removed_ino(victim->attr().ino());
  return Status::Ok();
}

}  // namespace weft::meta::ops
