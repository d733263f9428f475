// Mkdir: a directory (nlink 2, parent's nlink + 1); keeps only permission and sticky bits of the mode,
// and inherits setgid (and the group) from a setgid parent.
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {

Status Mkdir(OpContext& ctx, const MkdirRequest& req, AttrResponse* resp) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(CheckEntryName(req.name()));
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

  uint32_t perm = req.mode() & (0777 | S_ISVTX) & ~req.umask();
  auto inode = NewInode(ctx, req.caller(), *parent, S_IFDIR | perm);
  if (!inode.ok()) return inode.status();
  inode->set_parent(req.parent());
  ctx.PutInode(*inode);
  rec::Dentry d;
  d.set_ino(inode->attr().ino());
  d.set_type(S_IFDIR);
  ctx.Put(keys::Dentry(req.parent(), req.name()), d);
  parent->mutable_attr()->set_nlink(parent->attr().nlink() + 1);
  parent->set_entries(parent->entries() + 1);
  TouchDir(ctx, &*parent);
  ctx.PutInode(*parent);
  RETURN_IF_ERROR(ctx.Charge(0, 1, 0));
  *resp->mutable_attr() = inode->attr();
  *resp->mutable_parent() = parent->attr();
  if (req.want_dir_lease()) GrantLease(ctx, inode->attr().ino(), resp->mutable_leases());  // last: nothing fails after it
  return Status::Ok();
}

}  // namespace weft::meta::ops
