// Lookup: search permission on the directory, then the entry ("." and ".." resolve too).
#include "server/meta/names.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {

Status Lookup(OpContext& ctx, const LookupRequest& req, AttrResponse* resp) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(CheckLookupName(req.name()));
  auto dir = ctx.GetDir(req.parent());
  if (!dir.ok()) return dir.status();
  RETURN_IF_ERROR(CheckAccess(req.caller(), dir->attr(), kMayExec));
  uint64_t ino;
  if (req.name() == ".") {
    ino = req.parent();
  } else if (req.name() == "..") {
    ino = dir->parent();
  } else {
    auto d = ctx.FindDentry(req.parent(), req.name());
    if (!d.ok()) return d.status();
    if (!d->has_value()) return Err(ENOENT, "no entry '{}' in directory {}", req.name(), req.parent());
    ino = (*d)->ino();
  }
  auto child = ctx.GetInode(ino);
  if (!child.ok()) return child.status();
  *resp->mutable_attr() = child->attr();
  return Status::Ok();
}

}  // namespace weft::meta::ops
