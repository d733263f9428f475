// Create and mknod: a regular file (with its layout), FIFO, socket or device node; O_EXCL; create+open.
// An existing name is EEXIST with O_EXCL or without open (mknod); otherwise the existing file is
// opened (created = false) with the usual open checks.
#include <fcntl.h>
#include <sys/stat.h>

#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/handles.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {
namespace {

Status OpenExisting(OpContext& ctx, const CreateRequest& req, uint64_t ino, CreateResponse* resp) {
  auto inode = ctx.GetInode(ino);
  if (!inode.ok()) return inode.status();
  if (S_ISDIR(inode->attr().mode())) return Err(EISDIR, "'{}' is a directory", req.name());
  uint32_t flags = req.open_flags() & ~static_cast<uint32_t>(O_CREAT | O_EXCL);
  RETURN_IF_ERROR(CheckOpen(ctx, req.caller(), *inode, flags));
  RETURN_IF_ERROR(TruncateOnOpen(ctx, &*inode, flags));
  auto handle = OpenHandle(ctx, &*inode, flags);
  if (!handle.ok()) return handle.status();
  *resp->mutable_attr() = inode->attr();
  resp->set_handle(*handle);
  resp->set_created(false);
  return Status::Ok();
}

}  // namespace

Status Create(OpContext& ctx, const CreateRequest& req, CreateResponse* resp) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(CheckEntryName(req.name()));
  auto parent = ctx.GetDir(req.parent());
  if (!parent.ok()) return parent.status();
  const Caller& caller = req.caller();
  RETURN_IF_ERROR(CheckAccess(caller, parent->attr(), kMayExec));
  auto existing = ctx.FindDentry(req.parent(), req.name());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    if (req.exclusive() || !req.open()) return Err(EEXIST, "'{}' exists in directory {}", req.name(), req.parent());
    return OpenExisting(ctx, req, (*existing)->ino(), resp);
  }
  RETURN_IF_ERROR(ctx.CheckWritable());
  RETURN_IF_ERROR(CheckEntryWrite(caller, *parent));

  uint32_t type = req.mode() & S_IFMT;
  if (type == 0) type = S_IFREG;
  switch (type) {
    case S_IFREG: case S_IFIFO: case S_IFSOCK: break;
    case S_IFCHR: case S_IFBLK:
      if (!IsRoot(caller)) return Err(EPERM, "only root creates device nodes");
      break;
    default: return Err(EINVAL, "create/mknod cannot make file type {:o} (use mkdir/symlink)", type);
  }
  if (req.open() && type != S_IFREG) return Err(EINVAL, "create+open makes regular files only");
  RETURN_IF_ERROR(ctx.CheckQuota(0, 1));
  RETURN_IF_ERROR(NoteAdd(ctx, req.parent(), resp->mutable_leases()));

  auto inode = NewInode(ctx, caller, *parent, type | (req.mode() & 07777 & ~req.umask()));
  if (!inode.ok()) return inode.status();
  Attr* a = inode->mutable_attr();
  const Volume& vol = ctx.volume().info();
  if (type == S_IFREG) {
    Layout* l = a->mutable_layout();
    l->set_chunk_size(vol.chunk_size());
    l->set_replication(vol.replication());
    if (ClusterManager* cluster = ctx.env().cluster) {
      for (uint32_t chain : cluster->PickStripe(vol.replication(), vol.stripe_width())) l->add_chains(chain);
    }
  }
  if (type == S_IFCHR || type == S_IFBLK) a->set_rdev(req.rdev());

  rec::Dentry d;
  d.set_ino(a->ino());
  d.set_type(type);
  ctx.Put(keys::Dentry(req.parent(), req.name()), d);
  parent->set_entries(parent->entries() + 1);
  TouchDir(ctx, &*parent);
  ctx.PutInode(*parent);
  RETURN_IF_ERROR(ctx.Charge(0, 1, 0));
  if (req.open()) {
    // A file just created opens with the asked access whatever its mode says (as open(O_CREAT) does).
    uint32_t flags = req.open_flags() & ~static_cast<uint32_t>(O_CREAT | O_EXCL | O_TRUNC);
    auto handle = OpenHandle(ctx, &*inode, flags);
    if (!handle.ok()) return handle.status();
    resp->set_handle(*handle);
  } else {
    ctx.PutInode(*inode);
  }
  *resp->mutable_attr() = inode->attr();
  *resp->mutable_parent() = parent->attr();
  resp->set_created(true);
  return Status::Ok();
}

}  // namespace weft::meta::ops
