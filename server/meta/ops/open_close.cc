// Open and Close. Open checks permission by the access mode, applies O_TRUNC (size 0 here; the client
// removes the data before it writes), and creates a handle; Close optionally commits the writer's
// final length, returns the handle's unused reservation and releases an unlinked inode with its last
// handle.
#include <fcntl.h>

#include "server/meta/keys.h"
#include "server/meta/ops/handles.h"
#include "server/meta/ops/ops.h"

namespace weft::meta::ops {

Status Open(OpContext& ctx, const OpenRequest& req, OpenResponse* resp) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  auto inode = ctx.GetInode(req.ino());
  if (!inode.ok()) return inode.status();
  uint32_t flags = req.flags() & ~static_cast<uint32_t>(O_CREAT | O_EXCL);
  RETURN_IF_ERROR(CheckOpen(ctx, req.caller(), *inode, flags));
  RETURN_IF_ERROR(TruncateOnOpen(ctx, &*inode, flags));
  auto handle = OpenHandle(ctx, &*inode, flags);
  if (!handle.ok()) return handle.status();
  *resp->mutable_attr() = inode->attr();
  resp->set_handle(*handle);
  return Status::Ok();
}

Status Close(OpContext& ctx, const CloseRequest& req, CloseResponse*) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  auto handle = FindHandle(ctx, req.handle());
  if (!handle.ok()) return handle.status();
  if (req.has_size() && (handle->flags() & O_ACCMODE) != O_RDONLY) {
    RETURN_IF_ERROR(ctx.CheckWritable());
    auto inode = ctx.GetInode(handle->ino());
    if (!inode.ok()) return inode.status();
    RETURN_IF_ERROR(CommitLength(ctx, &*handle, &*inode, req.size(), req.mtime()));
  }
  // close(2) promises no durability: a crash may lose the close (the handle then goes with its
  // session, or at the next synced write's recovery) or the length it commits (as a local file system
  // loses unsynced data). fsync commits durably first.
  ctx.SkipSync();
  RETURN_IF_ERROR(ReleaseHandle(ctx, *handle));
  for (uint64_t id : req.more_handles()) {
    if (id == req.handle()) continue;
    auto more = FindHandle(ctx, id);
    if (!more.ok() && more.status().err() == EBADF) continue;  // closed already
    if (!more.ok()) return more.status();
    RETURN_IF_ERROR(ReleaseHandle(ctx, *more));
  }
  return Status::Ok();
}

}  // namespace weft::meta::ops
