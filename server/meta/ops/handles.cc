#include "server/meta/ops/handles.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {

bool WantsWrite(uint32_t flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC); }

Status CheckOpen(OpContext& ctx, const Caller& caller, const rec::Inode& inode, uint32_t flags) {
  const Attr& a = inode.attr();
  if (S_ISLNK(a.mode())) return Err(ELOOP, "inode {} is a symlink", a.ino());
  if (S_ISDIR(a.mode())) return Err(EISDIR, "inode {} is a directory (list it with ReadDir; no handle needed)", a.ino());
  if (WantsWrite(flags)) RETURN_IF_ERROR(ctx.CheckWritable());
  int mask = 0;
  switch (flags & O_ACCMODE) {
    case O_RDONLY: mask = kMayRead; break;
    case O_WRONLY: mask = kMayWrite; break;
    default: mask = kMayRead | kMayWrite; break;
  }
  if (flags & O_TRUNC) mask |= kMayWrite;
  return CheckAccess(caller, a, mask);
}

Status TruncateOnOpen(OpContext& ctx, rec::Inode* inode, uint32_t flags) {
  Attr* a = inode->mutable_attr();
  if (!(flags & O_TRUNC) || !S_ISREG(a->mode())) return Status::Ok();
  // The client removes the data past the new end once told: the truncation must be durable first.
  if (a->size() > 0) ctx.ForceSync();
  RETURN_IF_ERROR(ctx.Charge(-static_cast<int64_t>(a->size()), 0, 0));
  a->set_size(0);
  *a->mutable_mtime() = ctx.now();
  *a->mutable_ctime() = ctx.now();
  return Status::Ok();
}

StatusOr<uint64_t> OpenHandle(OpContext& ctx, rec::Inode* inode, uint32_t flags) {
  auto id = ctx.NextId(keys::kHandleCounter);
  if (!id.ok()) return id.status();
  rec::Handle h;
  h.set_id(*id);
  h.set_session_id(ctx.session().id());
  h.set_ino(inode->attr().ino());
  h.set_flags(flags);
  h.set_granted_end(inode->attr().size());
  h.set_volume_id(ctx.volume().info().id());
  ctx.Put(keys::Handle(h.session_id(), h.id()), h);
  inode->set_open_handles(inode->open_handles() + 1);
  ctx.PutInode(*inode);
  return *id;
}

StatusOr<rec::Handle> FindHandle(OpContext& ctx, uint64_t id) {
  auto h = ctx.Find<rec::Handle>(keys::Handle(ctx.session().id(), id));
  if (!h.ok()) return h.status();
  if (!h->has_value()) return Err(EBADF, "no open handle {} in session {}", id, ctx.session().id());
  return std::move(**h);
}

Status CommitLength(OpContext& ctx, rec::Handle* handle, rec::Inode* inode, uint64_t size, const Timespec& mtime) {
  Attr* a = inode->mutable_attr();
  if (size > kMaxFileSize) return Err(EFBIG, "length {} exceeds the maximum file size", size);
  if (size > a->size()) {
    uint64_t grown = size - a->size();
    uint64_t consumed = std::min(grown, handle->reserved());
    RETURN_IF_ERROR(ctx.Charge(static_cast<int64_t>(grown), 0, -static_cast<int64_t>(consumed)));
    handle->set_reserved(handle->reserved() - consumed);
    a->set_size(size);
  }
  *a->mutable_mtime() = (mtime.sec() != 0 || mtime.nsec() != 0) ? mtime : ctx.now();
  *a->mutable_ctime() = ctx.now();
  ctx.PutInode(*inode);
  ctx.Put(keys::Handle(handle->session_id(), handle->id()), *handle);
  return Status::Ok();
}

Status ReleaseHandle(OpContext& ctx, const rec::Handle& handle) {
  ctx.Delete(keys::Handle(handle.session_id(), handle.id()));
  RETURN_IF_ERROR(ctx.Charge(0, 0, -static_cast<int64_t>(handle.reserved())));
  auto inode = ctx.Find<rec::Inode>(keys::Inode(handle.ino()));
  if (!inode.ok()) return inode.status();
  if (!inode->has_value()) return Status::Ok();  // defensive: nothing left to release
  rec::Inode& i = **inode;
  i.set_open_handles(i.open_handles() > 0 ? i.open_handles() - 1 : 0);
  if (i.open_handles() == 0 && i.attr().nlink() == 0) return ReleaseInode(ctx, i);
  ctx.PutInode(i);
  return Status::Ok();
}

}  // namespace weft::meta::ops
