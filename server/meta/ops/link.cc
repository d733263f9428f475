// Link: a new name for an existing non-directory (EPERM for directories, ENOENT for an inode whose last
// link is gone, EMLINK past 65000 links).
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {
namespace {
constexpr uint32_t kLinkMax = 65000;
}

Status Link(OpContext& ctx, const LinkRequest& req, AttrResponse* resp) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(CheckEntryName(req.new_name()));
  auto inode = ctx.GetInode(req.ino());
  if (!inode.ok()) return inode.status();
  auto parent = ctx.GetDir(req.new_parent());
  if (!parent.ok()) return parent.status();
  RETURN_IF_ERROR(CheckAccess(req.caller(), parent->attr(), kMayExec));
  auto existing = ctx.FindDentry(req.new_parent(), req.new_name());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return Err(EEXIST, "'{}' exists in directory {}", req.new_name(), req.new_parent());
  RETURN_IF_ERROR(ctx.CheckWritable());
  RETURN_IF_ERROR(CheckEntryWrite(req.caller(), *parent));
  Attr* a = inode->mutable_attr();
  if (S_ISDIR(a->mode())) return Err(EPERM, "no hard links to directories");
  if (a->nlink() == 0) return Err(ENOENT, "inode {} has been removed", req.ino());
  if (a->nlink() >= kLinkMax) return Err(EMLINK, "inode {} has {} links", req.ino(), a->nlink());
  RETURN_IF_ERROR(NoteAdd(ctx, req.new_parent(), resp->mutable_leases()));

  rec::Dentry d;
  d.set_ino(a->ino());
  d.set_type(a->mode() & S_IFMT);
  ctx.Put(keys::Dentry(req.new_parent(), req.new_name()), d);
  a->set_nlink(a->nlink() + 1);
  *a->mutable_ctime() = ctx.now();
  ctx.PutInode(*inode);
  parent->set_entries(parent->entries() + 1);
  TouchDir(ctx, &*parent);
  ctx.PutInode(*parent);
  *resp->mutable_attr() = inode->attr();
  *resp->mutable_parent() = parent->attr();
  return Status::Ok();
}

}  // namespace weft::meta::ops
