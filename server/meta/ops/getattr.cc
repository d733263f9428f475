// GetAttr and Readlink: plain reads of one inode (no permission beyond the lookups that found it).
#include <sys/stat.h>

#include "server/meta/ops/ops.h"

namespace weft::meta::ops {

Status GetAttr(OpContext& ctx, const GetAttrRequest& req, AttrResponse* resp) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  auto inode = ctx.GetInode(req.ino());
  if (!inode.ok()) return inode.status();
  *resp->mutable_attr() = inode->attr();
  return Status::Ok();
}

Status Readlink(OpContext& ctx, const ReadlinkRequest& req, ReadlinkResponse* resp) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  auto inode = ctx.GetInode(req.ino());
  if (!inode.ok()) return inode.status();
  if (!S_ISLNK(inode->attr().mode())) return Err(EINVAL, "inode {} is not a symlink", req.ino());
  resp->set_target(inode->symlink());
  return Status::Ok();
}

}  // namespace weft::meta::ops
