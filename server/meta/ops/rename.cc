// Rename with POSIX rules: within or across directories, over an existing entry (file over directory
// EISDIR, directory over file ENOTDIR, directory over a non-empty directory ENOTEMPTY), a directory
// never into its own subtree (EINVAL), RENAME_NOREPLACE (EEXIST) and RENAME_EXCHANGE (ENOENT when the
// target is missing). Two names of the same inode: success, nothing changes.
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {
namespace {

constexpr uint32_t kNoReplace = RENAME_NOREPLACE_FLAG;
constexpr uint32_t kExchange = RENAME_EXCHANGE_FLAG;

// True when `ancestor` is dir or one of dir's ancestors.
StatusOr<bool> IsAncestorOrSelf(OpContext& ctx, uint64_t ancestor, uint64_t dir) {
  for (int depth = 0; depth < 1 << 16; ++depth) {
    if (dir == ancestor) return true;
    auto inode = ctx.GetInode(dir);
    if (!inode.ok()) return inode.status();
    if (inode->parent() == dir || inode->parent() == 0) return false;  // the root
    dir = inode->parent();
  }
  return Err(EIO, "directory parent chain too deep (corrupt namespace?)");
}

// A directory that changes parent needs write permission on itself (its ".." changes).
Status CheckDirMove(const Caller& caller, const rec::Inode& inode, bool changes_parent) {
  if (!changes_parent || !S_ISDIR(inode.attr().mode())) return Status::Ok();
  return CheckAccess(caller, inode.attr(), kMayWrite);
}

void PutEntry(OpContext& ctx, uint64_t dir, const std::string& name, const rec::Inode& inode) {
  rec::Dentry d;
  d.set_ino(inode.attr().ino());
  d.set_type(inode.attr().mode() & S_IFMT);
  ctx.Put(keys::Dentry(dir, name), d);
}

void AddNlink(rec::Inode* dir, int delta) {
  dir->mutable_attr()->set_nlink(static_cast<uint32_t>(static_cast<int64_t>(dir->attr().nlink()) + delta));
}

}  // namespace

Status Rename(OpContext& ctx, const RenameRequest& req, RenameResponse* resp) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(CheckEntryName(req.name()));
  RETURN_IF_ERROR(CheckEntryName(req.new_name()));
  const uint32_t flags = req.flags();
  if (flags & ~(kNoReplace | kExchange)) return Err(EINVAL, "unknown rename flags {:#x}", flags);
  if ((flags & kNoReplace) && (flags & kExchange)) return Err(EINVAL, "RENAME_NOREPLACE with RENAME_EXCHANGE");
  RETURN_IF_ERROR(ctx.CheckWritable());
  const Caller& caller = req.caller();
  const bool same_dir = req.parent() == req.new_parent();

  auto src_dir = ctx.GetDir(req.parent());
  if (!src_dir.ok()) return src_dir.status();
  StatusOr<rec::Inode> dst_dir_holder = same_dir ? *src_dir : ctx.GetDir(req.new_parent());
  if (!dst_dir_holder.ok()) return dst_dir_holder.status();
  rec::Inode* sdir = &*src_dir;
  rec::Inode* ddir = same_dir ? sdir : &*dst_dir_holder;
  RETURN_IF_ERROR(CheckAccess(caller, sdir->attr(), kMayExec));
  RETURN_IF_ERROR(CheckAccess(caller, ddir->attr(), kMayExec));

  auto src_d = ctx.FindDentry(req.parent(), req.name());
  if (!src_d.ok()) return src_d.status();
  if (!src_d->has_value()) return Err(ENOENT, "no entry '{}' in directory {}", req.name(), req.parent());
  auto dst_d = ctx.FindDentry(req.new_parent(), req.new_name());
  if (!dst_d.ok()) return dst_d.status();
  const bool has_dst = dst_d->has_value();
  if ((flags & kExchange) && !has_dst) return Err(ENOENT, "no entry '{}' to exchange with", req.new_name());
  if ((flags & kNoReplace) && has_dst) return Err(EEXIST, "'{}' exists in directory {}", req.new_name(), req.new_parent());

  auto src = ctx.GetInode((*src_d)->ino());
  if (!src.ok()) return src.status();
  if (has_dst && (*dst_d)->ino() == src->attr().ino()) {
    *resp->mutable_moved() = src->attr();  // the same inode under both names: POSIX says do nothing
    return Status::Ok();
  }
  RETURN_IF_ERROR(CheckEntryWrite(caller, *sdir));
  RETURN_IF_ERROR(CheckEntryWrite(caller, *ddir));
  RETURN_IF_ERROR(CheckSticky(caller, sdir->attr(), src->attr()));
  std::optional<rec::Inode> dst;
  if (has_dst) {
    auto d = ctx.GetInode((*dst_d)->ino());
    if (!d.ok()) return d.status();
    dst = std::move(*d);
    RETURN_IF_ERROR(CheckSticky(caller, ddir->attr(), dst->attr()));
  }
  const bool src_is_dir = S_ISDIR(src->attr().mode());
  const bool dst_is_dir = dst && S_ISDIR(dst->attr().mode());
  if (dst && !(flags & kExchange)) {
    if (src_is_dir && !dst_is_dir) return Err(ENOTDIR, "cannot replace non-directory '{}' with a directory", req.new_name());
    if (!src_is_dir && dst_is_dir) return Err(EISDIR, "cannot replace directory '{}' with a non-directory", req.new_name());
    if (dst_is_dir) RETURN_IF_ERROR(NoteDirRead(ctx, dst->attr().ino()));
    if (dst_is_dir && dst->entries() > 0) return Err(ENOTEMPTY, "directory '{}' is not empty", req.new_name());
  }
  if (src_is_dir && !same_dir) {
    auto loop = IsAncestorOrSelf(ctx, src->attr().ino(), req.new_parent());
    if (!loop.ok()) return loop.status();
    if (*loop) return Err(EINVAL, "cannot move directory '{}' into its own subtree", req.name());
  }
  if ((flags & kExchange) && dst_is_dir && !same_dir) {
    auto loop = IsAncestorOrSelf(ctx, dst->attr().ino(), req.parent());
    if (!loop.ok()) return loop.status();
    if (*loop) return Err(EINVAL, "cannot move directory '{}' into its own subtree", req.new_name());
  }
  RETURN_IF_ERROR(CheckDirMove(caller, *src, !same_dir));
  if (flags & kExchange) RETURN_IF_ERROR(CheckDirMove(caller, *dst, !same_dir));
  // A name leaves parent (and, for an exchange, changes its inode in new_parent): a deferring session's
  // lease there is waited for, as a read's (it may have answered an unlink of the name weft-meta has not
  // seen yet).
  RETURN_IF_ERROR(NoteDirRead(ctx, req.parent()));
  if ((flags & kExchange) && !same_dir) RETURN_IF_ERROR(NoteDirRead(ctx, req.new_parent()));
  if (!(flags & kExchange)) RETURN_IF_ERROR(NoteAdd(ctx, req.new_parent(), resp->mutable_leases()));  // an exchange adds no name

  // Apply.
  const Timespec now = ctx.now();
  if (flags & kExchange) {
    PutEntry(ctx, req.parent(), req.name(), *dst);
    PutEntry(ctx, req.new_parent(), req.new_name(), *src);
    if (!same_dir) {
      if (src_is_dir) {
        src->set_parent(req.new_parent());
        AddNlink(sdir, -1);
        AddNlink(ddir, +1);
      }
      if (dst_is_dir) {
        dst->set_parent(req.parent());
        AddNlink(ddir, -1);
        AddNlink(sdir, +1);
      }
    }
    *dst->mutable_attr()->mutable_ctime() = now;
    ctx.PutInode(*dst);
  } else {
    ctx.Delete(keys::Dentry(req.parent(), req.name()));
    PutEntry(ctx, req.new_parent(), req.new_name(), *src);
    sdir->set_entries(sdir->entries() - 1);
    ddir->set_entries(ddir->entries() + 1);
    if (dst) {
      ddir->set_entries(ddir->entries() - 1);  // replaced, not added
      if (dst_is_dir) {
        RETURN_IF_ERROR(DeleteDirInode(ctx, *dst));
        AddNlink(ddir, -1);
        dst->mutable_attr()->set_nlink(0);
      } else {
        RETURN_IF_ERROR(DropLink(ctx, &*dst));
      }
    }
    if (src_is_dir && !same_dir) {
      src->set_parent(req.new_parent());
      AddNlink(sdir, -1);
      AddNlink(ddir, +1);
    }
  }
  *src->mutable_attr()->mutable_ctime() = now;
  ctx.PutInode(*src);
  TouchDir(ctx, sdir);
  ctx.PutInode(*sdir);
  if (!same_dir) {
    TouchDir(ctx, ddir);
    ctx.PutInode(*ddir);
  }
  *resp->mutable_moved() = src->attr();
  if (dst) *resp->mutable_replaced() = dst->attr();
  *resp->mutable_parent() = sdir->attr();
  if (!same_dir) *resp->mutable_new_parent() = ddir->attr();
  return Status::Ok();
}

}  // namespace weft::meta::ops
