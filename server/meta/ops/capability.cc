// GetCapability: may the caller have a data-path capability for an inode? With a handle (renewal of a
// long-open file): the session's handle must be open on that inode in a mode covering the access
// (EBADF otherwise). Without (truncation by path): a regular file and the caller's permission for the
// access (EACCES), on a writable volume for write (EROFS). The edge (service/capability_issuer.h) mints.
#include <fcntl.h>
#include <sys/stat.h>

#include "common/capability.h"
#include "server/meta/ops/handles.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {

Status GetCapability(OpContext& ctx, const CapabilityRequest& req, CapabilityResponse*) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  const uint32_t access = req.access();
  if (access == 0 || (access & ~uint32_t{kCapRead | kCapWrite}) != 0) {
    return Err(EINVAL, "capability access {} is not read (1) and/or write (2)", access);
  }
  if (access & kCapWrite) RETURN_IF_ERROR(ctx.CheckWritable());
  if (req.handle() != 0) {
    auto h = FindHandle(ctx, req.handle());
    if (!h.ok()) return h.status();
    const uint32_t mode = h->flags() & O_ACCMODE;
    const bool can_read = mode != O_WRONLY, can_write = mode != O_RDONLY;
    if (h->ino() != req.ino() || ((access & kCapRead) && !can_read) || ((access & kCapWrite) && !can_write)) {
      return Err(EBADF, "handle {} is not open on inode {} for that access", req.handle(), req.ino());
    }
    return Status::Ok();
  }
  auto inode = ctx.GetInode(req.ino());
  if (!inode.ok()) return inode.status();
  const Attr& a = inode->attr();
  if (S_ISDIR(a.mode())) return Err(EISDIR, "inode {} is a directory", a.ino());
  if (!S_ISREG(a.mode())) return Err(EINVAL, "inode {} is not a regular file", a.ino());
  int mask = ((access & kCapRead) ? kMayRead : 0) | ((access & kCapWrite) ? kMayWrite : 0);
  return CheckAccess(req.caller(), a, mask);
}

}  // namespace weft::meta::ops
