#include "server/meta/ops/inode_util.h"

#include <sys/stat.h>

#include "common/clock.h"
#include "server/meta/dir_leases.h"
#include "server/meta/keys.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {

StatusOr<rec::Inode> NewInode(OpContext& ctx, const Caller& caller, const rec::Inode& parent, uint32_t mode) {
  auto ino = ctx.NextId(keys::kInoCounter, kFirstIno);
  if (!ino.ok()) return ino.status();
  return NewInodeWithId(ctx, *ino, caller, parent, mode);
}

rec::Inode NewInodeWithId(OpContext& ctx, uint64_t ino, const Caller& caller, const rec::Inode& parent, uint32_t mode) {
  uint32_t gid = caller.gid();
  const Attr& pa = parent.attr();
  if (pa.mode() & S_ISGID) {
    gid = pa.gid();
    if (S_ISDIR(mode)) {
      mode |= S_ISGID;
    } else if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && !InGroup(caller, gid) && !IsRoot(caller)) {
      mode &= ~static_cast<uint32_t>(S_ISGID);
    }
  }
  rec::Inode inode;
  Attr* a = inode.mutable_attr();
  a->set_ino(ino);
  a->set_mode(mode);
  a->set_uid(caller.uid());
  a->set_gid(gid);
  a->set_nlink(S_ISDIR(mode) ? 2 : 1);
  *a->mutable_atime() = ctx.now();
  *a->mutable_mtime() = ctx.now();
  *a->mutable_ctime() = ctx.now();
  a->set_volume_id(ctx.volume().info().id());
  a->set_no_xattrs(true);
  return inode;
}

void TouchDir(OpContext& ctx, rec::Inode* dir) {
  *dir->mutable_attr()->mutable_mtime() = ctx.now();
  *dir->mutable_attr()->mutable_ctime() = ctx.now();
}

Status CheckEntryWrite(const Caller& caller, const rec::Inode& dir) {
  return CheckAccess(caller, dir.attr(), kMayWrite | kMayExec);
}

Status DropLink(OpContext& ctx, rec::Inode* inode) {
  Attr* a = inode->mutable_attr();
  a->set_nlink(a->nlink() > 0 ? a->nlink() - 1 : 0);
  *a->mutable_ctime() = ctx.now();
  if (a->nlink() == 0 && inode->open_handles() == 0) return ReleaseInode(ctx, *inode);
  ctx.PutInode(*inode);
  return Status::Ok();
}

Status RemoveFileEntry(OpContext& ctx, rec::Inode* parent, std::string_view name, rec::Inode* victim) {
  ctx.Delete(keys::Dentry(parent->attr().ino(), name));
  parent->set_entries(parent->entries() > 0 ? parent->entries() - 1 : 0);
  TouchDir(ctx, parent);
  ctx.PutInode(*parent);
  return DropLink(ctx, victim);
}

Status DeleteXattrs(OpContext& ctx, const rec::Inode& inode) {
  if (inode.xattrs() == 0) return Status::Ok();
  std::string prefix = keys::XattrPrefix(inode.attr().ino());
  std::vector<std::string> doomed;
  auto it = ctx.reader().Scan(prefix, keys::PrefixEnd(prefix));
  for (; it->Valid(); it->Next()) doomed.emplace_back(it->key());
  RETURN_IF_ERROR(it->status());
  for (const auto& k : doomed) ctx.Delete(k);
  return Status::Ok();
}

Status ReleaseInode(OpContext& ctx, const rec::Inode& inode) {
  const Attr& a = inode.attr();
  RETURN_IF_ERROR(DeleteXattrs(ctx, inode));
  if (S_ISREG(a.mode())) {
    RETURN_IF_ERROR(ctx.Charge(-static_cast<int64_t>(a.size()), -1, 0));
    rec::Inode dead = inode;
    dead.mutable_attr()->set_nlink(0);
    dead.set_xattrs(0);
    ctx.PutInode(dead);
    rec::GcItem item;
    item.set_volume_id(a.volume_id());
    item.set_queued_ms(NowUnixMs());
    ctx.Put(keys::Gc(a.ino()), item);
    if (ctx.env().wake_gc) ctx.OnCommit(ctx.env().wake_gc);
    return Status::Ok();
  }
  RETURN_IF_ERROR(ctx.Charge(0, -1, 0));
  ctx.Delete(keys::Inode(a.ino()));
  return Status::Ok();
}

Status DeleteDirInode(OpContext& ctx, const rec::Inode& dir) {
  RETURN_IF_ERROR(DeleteXattrs(ctx, dir));
  RETURN_IF_ERROR(ctx.Charge(0, -1, 0));
  ctx.Delete(keys::Inode(dir.attr().ino()));
  if (DirLeases* table = ctx.env().leases) {
    ctx.OnCommit([table, ino = dir.attr().ino()] { table->Forget(ino); });  // no name can be added to it now
  }
  return Status::Ok();
}

namespace {
void AppendLease(Leases* leases, uint64_t dir, uint64_t grant, uint32_t ms) {
  DirLease* l = leases->Add();
  l->set_dir(dir);
  l->set_grant(grant);
  l->set_ms(ms);
}
}  // namespace

Status NoteAdd(OpContext& ctx, uint64_t dir, Leases* leases) {
  DirLeases* table = ctx.env().leases;
  if (table == nullptr) return Status::Ok();
  auto r = table->Add(dir, ctx.session().id(), MonoMs());
  if (r.wait_until != 0) return ctx.RetryLater(r.wait_until);
  if (r.grant != 0) AppendLease(leases, dir, r.grant, table->lease_ms());
  return Status::Ok();
}

void RenewOwnLease(OpContext& ctx, uint64_t dir, Leases* leases) {
  DirLeases* table = ctx.env().leases;
  if (table == nullptr) return;
  auto r = table->AddDeferred(dir, ctx.session().id(), MonoMs());
  if (r.grant != 0) AppendLease(leases, dir, r.grant, table->lease_ms());
}

Status NoteDirRead(OpContext& ctx, uint64_t dir) {
  DirLeases* table = ctx.env().leases;
  if (table == nullptr) return Status::Ok();
  const int64_t now = MonoMs();
  if (int64_t until = table->BlockedUntilRead(dir, ctx.session().id(), now); until > now) return ctx.RetryLater(until);
  return Status::Ok();
}

void GrantLease(OpContext& ctx, uint64_t dir, Leases* leases) {
  DirLeases* table = ctx.env().leases;
  if (table == nullptr) return;
  uint64_t grant = table->Grant(dir, ctx.session().id(), MonoMs());
  if (grant == 0) return;
  AppendLease(leases, dir, grant, table->lease_ms());
  if (!ctx.session().dir_leases()) {  // once per session, in the same batch as the Mkdir
    rec::Session s = ctx.session();
    s.set_dir_leases(true);
    ctx.Put(keys::Session(s.id()), s);
  }
}

}  // namespace weft::meta::ops
