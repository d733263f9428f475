// SetAttr with Linux's rules:
//   mode   owner or root (EPERM); setgid drops when a non-root caller is not in the file's group. A
//          writer may clear setuid/setgid and nothing else: the kernel asks that on a write or truncate
//          by a non-owner (ATTR_KILL_SUID), with the writer's uid
//   uid    root only (the owner may "change" it to itself) (EPERM)
//   gid    root, or the owner to a group it belongs to (EPERM)
//          changing uid or gid of a non-directory clears setuid, and setgid when group-executable
//   size   regular files (EISDIR for directories, EINVAL otherwise); write permission or a writable
//          handle of this session (EACCES/EBADF); growth is charged against the quotas (EDQUOT);
//          mtime = ctime = now. Data past the new end is the client's to truncate (FRAME_TRUNCATE)
//          before it asks to shrink.
//   times  *_NOW: owner, root or a writer (EACCES); explicit times: owner or root (EPERM)
//   ctime  = now after any change (or the explicit SETATTR_CTIME value when the owner or root sets it;
//          from anyone else it is ignored). Writers report data mtime through Commit/Close, not here.
#include <fcntl.h>
#include <sys/stat.h>

#include "server/meta/ops/handles.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {
namespace {

bool Has(uint32_t mask, uint32_t bit) { return (mask & bit) != 0; }

Status CheckTruncate(OpContext& ctx, const SetAttrRequest& req, const rec::Inode& inode) {
  const Attr& a = inode.attr();
  if (S_ISDIR(a.mode())) return Err(EISDIR, "inode {} is a directory", a.ino());
  if (!S_ISREG(a.mode())) return Err(EINVAL, "size applies to regular files only");
  if (req.size() > kMaxFileSize) return Err(EFBIG, "size {} exceeds the maximum file size", req.size());
  if (req.handle() != 0) {
    auto h = FindHandle(ctx, req.handle());
    if (!h.ok()) return h.status();
    if (h->ino() != a.ino() || (h->flags() & O_ACCMODE) == O_RDONLY) {
      return Err(EBADF, "handle {} is not open for writing inode {}", req.handle(), a.ino());
    }
    return Status::Ok();
  }
  return CheckAccess(req.caller(), a, kMayWrite);
}

}  // namespace

Status SetAttr(OpContext& ctx, const SetAttrRequest& req, AttrResponse* resp) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  auto inode = ctx.GetInode(req.ino());
  if (!inode.ok()) return inode.status();
  const uint32_t mask = req.mask();
  if (mask == 0) {
    *resp->mutable_attr() = inode->attr();
    return Status::Ok();
  }
  RETURN_IF_ERROR(ctx.CheckWritable());
  const Caller& c = req.caller();
  Attr* a = inode->mutable_attr();
  const bool owner = IsOwnerOrRoot(c, *a);

  if (Has(mask, SETATTR_UID)) {
    if (!IsRoot(c) && (req.uid() != a->uid() || c.uid() != a->uid())) return Err(EPERM, "only root changes owners");
  }
  if (Has(mask, SETATTR_GID) && !IsRoot(c)) {
    if (c.uid() != a->uid()) return Err(EPERM, "only the owner or root changes the group");
    if (req.gid() != a->gid() && !InGroup(c, req.gid())) return Err(EPERM, "caller is not in group {}", req.gid());
  }
  if (Has(mask, SETATTR_MODE) && !owner) {
    const uint32_t privs = S_ISUID | S_ISGID;
    const uint32_t was = a->mode() & 07777, now = req.mode() & 07777;
    const bool kills_privs_only = now != was && (now & ~privs) == (was & ~privs) && (now & ~was) == 0;
    if (!kills_privs_only) return Err(EPERM, "only the owner or root changes the mode");
    RETURN_IF_ERROR(CheckAccess(c, *a, kMayWrite));
  }
  if (Has(mask, SETATTR_ATIME_NOW) || Has(mask, SETATTR_MTIME_NOW)) {
    if (!owner) RETURN_IF_ERROR(CheckAccess(c, *a, kMayWrite));
  }
  bool explicit_times = (Has(mask, SETATTR_ATIME) && !Has(mask, SETATTR_ATIME_NOW)) ||
                        (Has(mask, SETATTR_MTIME) && !Has(mask, SETATTR_MTIME_NOW));
  if (explicit_times && !owner) return Err(EPERM, "only the owner or root sets explicit times");
  if (Has(mask, SETATTR_SIZE)) RETURN_IF_ERROR(CheckTruncate(ctx, req, *inode));

  // Apply.
  const uint32_t new_gid = Has(mask, SETATTR_GID) ? req.gid() : a->gid();
  if (Has(mask, SETATTR_MODE)) {
    uint32_t mode = (a->mode() & S_IFMT) | (req.mode() & 07777);
    if (!IsRoot(c) && !InGroup(c, new_gid)) mode &= ~static_cast<uint32_t>(S_ISGID);
    a->set_mode(mode);
  }
  if (Has(mask, SETATTR_UID) || Has(mask, SETATTR_GID)) {
    a->set_uid(Has(mask, SETATTR_UID) ? req.uid() : a->uid());
    a->set_gid(new_gid);
    if (!S_ISDIR(a->mode()) && !Has(mask, SETATTR_MODE)) {
      uint32_t mode = a->mode() & ~static_cast<uint32_t>(S_ISUID);
      if (mode & S_IXGRP) mode &= ~static_cast<uint32_t>(S_ISGID);
      a->set_mode(mode);
    }
  }
  if (Has(mask, SETATTR_SIZE) && req.size() != a->size()) {
    if (req.size() > a->size()) RETURN_IF_ERROR(ctx.CheckQuota(req.size() - a->size(), 0));
    // The client removes the data past the new end once told: a shrink must be durable first.
    if (req.size() < a->size()) ctx.ForceSync();
    RETURN_IF_ERROR(ctx.Charge(static_cast<int64_t>(req.size()) - static_cast<int64_t>(a->size()), 0, 0));
    a->set_size(req.size());
  }
  if (Has(mask, SETATTR_SIZE)) *a->mutable_mtime() = ctx.now();
  if (Has(mask, SETATTR_ATIME_NOW)) *a->mutable_atime() = ctx.now();
  else if (Has(mask, SETATTR_ATIME)) *a->mutable_atime() = req.atime();
  if (Has(mask, SETATTR_MTIME_NOW)) *a->mutable_mtime() = ctx.now();
  else if (Has(mask, SETATTR_MTIME)) *a->mutable_mtime() = req.mtime();
  *a->mutable_ctime() = Has(mask, SETATTR_CTIME) && owner ? req.ctime() : ctx.now();
  ctx.PutInode(*inode);
  *resp->mutable_attr() = *a;
  return Status::Ok();
}

}  // namespace weft::meta::ops
