// Unlink: removes a non-directory's name (EISDIR for directories). The inode stays while it has other
// links or open handles; the last of both sends a regular file to the GC queue.
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {

Status Unlink(OpContext& ctx, const UnlinkRequest& req, UnlinkResponse* resp) {
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
  if (S_ISDIR(victim->attr().mode())) return Err(EISDIR, "'{}' is a directory (use rmdir)", req.name());
  // A deferring session's lease on parent: it may have answered an unlink or a create of this name that
  // weft-meta has not seen yet. Wait for it (a recall: one round trip to the holder).
  RETURN_IF_ERROR(NoteDirRead(ctx, req.parent()));
  RenewOwnLease(ctx, req.parent(), resp->mutable_leases());  // a holder's unlink keeps its lease, as its adds do

  RETURN_IF_ERROR(RemoveFileEntry(ctx, &*parent, req.name(), &*victim));
  *resp->mutable_attr() = victim->attr();
  *resp->mutable_parent() = parent->attr();
  return Status::Ok();
}

}  // namespace weft::meta::ops
