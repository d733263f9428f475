// Space grants and length commits.
//
// Grant(end): a writer that wants to write up to `end` past what it may already write (the larger of
// its granted end and the file's size) reserves the difference, rounded up to the grant increment and
// capped by what the volume and tenant quotas have left (used + reserved + new <= quota); EDQUOT when
// not even the difference fits. Commit(size): the file grows to size when larger (size only grows
// here; shrinking is SetAttr), usage follows and the growth consumes the handle's reservation.
#include <fcntl.h>

#include "server/meta/keys.h"
#include "server/meta/ops/handles.h"
#include "server/meta/ops/ops.h"
#include "server/meta/ops/volume_util.h"

namespace weft::meta::ops {
namespace {

// The session's writable handle `id` on `ino` (ino 0 = the handle's own), and that inode.
Status WriterHandle(OpContext& ctx, uint64_t id, uint64_t ino, rec::Handle* handle, rec::Inode* inode) {
  auto h = FindHandle(ctx, id);
  if (!h.ok()) return h.status();
  if (ino != 0 && h->ino() != ino) return Err(EINVAL, "handle {} is open on inode {}, not {}", id, h->ino(), ino);
  if ((h->flags() & O_ACCMODE) == O_RDONLY) return Err(EBADF, "handle {} is not open for writing", id);
  auto i = ctx.GetInode(h->ino());
  if (!i.ok()) return i.status();
  *handle = std::move(*h);
  *inode = std::move(*i);
  return Status::Ok();
}

}  // namespace

Status Commit(OpContext& ctx, const CommitRequest& req, AttrResponse* resp) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(ctx.CheckWritable());
  rec::Handle handle;
  rec::Inode inode;
  RETURN_IF_ERROR(WriterHandle(ctx, req.handle(), req.ino(), &handle, &inode));
  RETURN_IF_ERROR(CommitLength(ctx, &handle, &inode, req.size(), req.mtime()));
  if (req.lazy()) ctx.SkipSync();
  *resp->mutable_attr() = inode.attr();
  return Status::Ok();
}

Status Grant(OpContext& ctx, const GrantRequest& req, GrantResponse* resp) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(ctx.CheckWritable());
  rec::Handle handle;
  rec::Inode inode;
  RETURN_IF_ERROR(WriterHandle(ctx, req.handle(), req.ino(), &handle, &inode));
  if (req.end() > kMaxFileSize) return Err(EFBIG, "offset {} exceeds the maximum file size", req.end());
  const uint64_t base = std::max(handle.granted_end(), inode.attr().size());
  if (req.end() > base) {
    const uint64_t want = req.end() - base;
    auto room = FreeBytes(ctx);
    if (!room.ok()) return room.status();
    if (want > *room) {
      return Err(EDQUOT, "no space for {} more bytes in volume '{}' ({} left within the quotas)", want,
                 ctx.volume().info().name(), *room);
    }
    const uint64_t inc = std::max<uint64_t>(1, ctx.options().grant_increment);
    const uint64_t rounded = want > UINT64_MAX - inc ? want : (want + inc - 1) / inc * inc;
    const uint64_t amount = std::min(rounded, *room);
    RETURN_IF_ERROR(ctx.Charge(0, 0, static_cast<int64_t>(amount)));
    handle.set_reserved(handle.reserved() + amount);
    handle.set_granted_end(base + amount);
  } else {
    handle.set_granted_end(base);
  }
  ctx.Put(keys::Handle(handle.session_id(), handle.id()), handle);
  resp->set_granted_end(handle.granted_end());
  return Status::Ok();
}

}  // namespace weft::meta::ops
