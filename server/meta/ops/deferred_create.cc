// Deferred creates and unlinks (docs/async-creates.md): ReserveInodes hands a session inode numbers ahead,
// charged to the quotas at once; CreateBatch applies creates the session already answered itself, each
// under its lease on the parent directory (server/meta/dir_leases.h, AddDeferred), and unlinks it
// answered itself of files it knew there. Each entry of a batch stands or fails on its own: a create's
// checks come before its first write; an unlink's writes are undone (a savepoint) when it fails.
#include <sys/stat.h>

#include <map>

#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/dir_leases.h"
#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/inode_util.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"
#include "common/clock.h"

namespace weft::meta::ops {
namespace {

// One create of a batch. *s is the session record as the batch has changed it; *grants collects the
// leases to report (dir -> grant, 0 = none).
Status ApplyDeferred(OpContext& ctx, const DeferredCreate& e, rec::Session* s, std::map<uint64_t, uint64_t>* grants) {
  RETURN_IF_ERROR(CheckEntryName(e.name()));
  const uint64_t ino = e.ino();
  const bool reserved = (ino >= s->ino_first() && ino < s->ino_end()) || (ino >= s->ino_prev_first() && ino < s->ino_prev_end());
  if (!reserved) {
    return Err(EINVAL, "inode {} is not reserved by session {} ([{}, {}))", ino, s->id(), s->ino_first(), s->ino_end());
  }
  auto existing = ctx.FindDentry(e.parent(), e.name());
  if (!existing.ok()) return existing.status();
  auto used = ctx.Find<rec::Inode>(keys::Inode(ino));
  if (!used.ok()) return used.status();
  if (used->has_value()) {
    // Applied before (a batch sent again after its reply was lost): the same name names it.
    if (existing->has_value() && (*existing)->ino() == ino) return Status::Ok();
    return Err(EEXIST, "inode {} is in use", ino);
  }
  auto parent = ctx.GetDir(e.parent());
  if (!parent.ok()) return parent.status();
  const Caller& caller = e.caller();
  RETURN_IF_ERROR(CheckEntryWrite(caller, *parent));
  if (existing->has_value()) return Err(EEXIST, "'{}' exists in directory {}", e.name(), e.parent());
  RETURN_IF_ERROR(ctx.CheckWritable());
  if (DirLeases* table = ctx.env().leases) {
    auto add = table->AddDeferred(e.parent(), s->id(), MonoMs());
    if (!add.ok) {
      return Err(ESTALE, "the lease on directory {} ended before the deferred create of '{}' arrived", e.parent(),
                 e.name());
    }
    (*grants)[e.parent()] = add.grant;
  } else {
    return Err(ESTALE, "this weft-meta grants no directory leases");
  }
  if (s->ino_charged() > 0) {
    s->set_ino_charged(s->ino_charged() - 1);  // charged when it was reserved
  } else {
    RETURN_IF_ERROR(ctx.CheckQuota(0, 1));
    RETURN_IF_ERROR(ctx.Charge(0, 1, 0));
  }

  rec::Inode inode = NewInodeWithId(ctx, ino, caller, *parent, S_IFREG | (e.mode() & 07777 & ~e.umask()));
  Attr* a = inode.mutable_attr();
  if (e.has_time()) {
    *a->mutable_atime() = e.time();
    *a->mutable_mtime() = e.time();
    *a->mutable_ctime() = e.time();
  }
  const Volume& vol = ctx.volume().info();
  Layout* l = a->mutable_layout();
  l->set_chunk_size(vol.chunk_size());
  l->set_replication(vol.replication());
  if (ClusterManager* cluster = ctx.env().cluster) {
    for (uint32_t chain : cluster->PickStripe(vol.replication(), vol.stripe_width())) l->add_chains(chain);
  }
  rec::Dentry d;
  d.set_ino(ino);
  d.set_type(S_IFREG);
  ctx.Put(keys::Dentry(e.parent(), e.name()), d);
  parent->set_entries(parent->entries() + 1);
  TouchDir(ctx, &*parent);
  ctx.PutInode(*parent);
  ctx.PutInode(inode);
  return Status::Ok();
}

// One unlink of a batch: `name` in `parent` goes when it still names `ino` (the session knew it so under
// its lease). After the lease ended it is applied all the same (a name gone after a reader looked is what
// any later unlink does), but never to another inode that took the name meanwhile.
Status ApplyDeferredUnlink(OpContext& ctx, const DeferredCreate& e, rec::Session* s,
                           std::map<uint64_t, uint64_t>* grants) {
  RETURN_IF_ERROR(CheckEntryName(e.name()));
  RETURN_IF_ERROR(ctx.CheckWritable());
  auto parent = ctx.GetDir(e.parent());
  if (!parent.ok()) return parent.status();
  const Caller& caller = e.caller();
  auto d = ctx.FindDentry(e.parent(), e.name());
  if (!d.ok()) return d.status();
  if (!d->has_value()) return Err(ENOENT, "no entry '{}' in directory {}", e.name(), e.parent());
  if ((*d)->ino() != e.ino()) {
    return Err(ESTALE, "'{}' in directory {} names inode {}, not {}, since the session unlinked it", e.name(),
               e.parent(), (*d)->ino(), e.ino());
  }
  auto victim = ctx.GetInode(e.ino());
  if (!victim.ok()) return victim.status();
  if (!S_ISREG(victim->attr().mode())) return Err(EINVAL, "a deferred unlink removes regular files only");
  RETURN_IF_ERROR(CheckEntryWrite(caller, *parent));
  RETURN_IF_ERROR(CheckSticky(caller, parent->attr(), victim->attr()));
  if (DirLeases* table = ctx.env().leases) {
    auto held = table->AddDeferred(e.parent(), s->id(), MonoMs());  // renews the lease while it holds
    if (held.ok && held.grant != 0) (*grants)[e.parent()] = held.grant;
  }
  return RemoveFileEntry(ctx, &*parent, e.name(), &*victim);
}

}  // namespace

Status ReserveInodes(OpContext& ctx, const ReserveInodesRequest& req, ReserveInodesResponse* resp) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  RETURN_IF_ERROR(ctx.CheckWritable());
  if (req.count() == 0 || req.count() > kMaxInodeReservation) {
    return Err(EINVAL, "reserve 1 to {} inodes, not {}", kMaxInodeReservation, req.count());
  }
  rec::Session s = ctx.session();
  // What is left charged goes back first. Creates from the previous reservation still on the way are
  // accepted (ApplyDeferred) and charged from the new one's pool, or on their own once it is spent.
  if (s.ino_charged() > 0) RETURN_IF_ERROR(ctx.Charge(0, -static_cast<int64_t>(s.ino_charged()), 0));
  RETURN_IF_ERROR(ctx.CheckQuota(0, req.count()));
  auto first = ctx.NextIds(keys::kInoCounter, req.count(), kFirstIno);
  if (!first.ok()) return first.status();
  RETURN_IF_ERROR(ctx.Charge(0, req.count(), 0));
  s.set_ino_prev_first(s.ino_first());  // creates taken from it may still be on the way
  s.set_ino_prev_end(s.ino_end());
  s.set_ino_first(*first);
  s.set_ino_end(*first + req.count());
  s.set_ino_charged(req.count());
  ctx.Put(keys::Session(s.id()), s);
  if (DirLeases* table = ctx.env().leases) ctx.OnCommit([table, id = s.id()] { table->SetDeferring(id, true); });
  resp->set_first(*first);
  resp->set_count(req.count());
  resp->set_unlinks(true);
  return Status::Ok();  // synced before the reply: a crash must not forget what the client will use
}

Status CreateBatch(OpContext& ctx, const CreateBatchRequest& req, CreateBatchResponse* resp) {
  ctx.DeferSync();  // namespace changes, as Create's
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  if (req.creates_size() > static_cast<int>(kMaxCreateBatch)) {
    return Err(EINVAL, "a batch holds at most {} entries, not {}", kMaxCreateBatch, req.creates_size());
  }
  rec::Session s = ctx.session();
  const uint64_t charged = s.ino_charged();
  std::map<uint64_t, uint64_t> grants;
  for (const DeferredCreate& e : req.creates()) {
    DeferredResult* r = resp->add_results();
    Status st;
    if (e.unlink()) {
      ctx.batch().SetSavePoint();
      st = ApplyDeferredUnlink(ctx, e, &s, &grants);
      if (st.ok()) {
        ctx.batch().PopSavePoint();
      } else {
        ctx.batch().RollbackToSavePoint();
      }
    } else {
      st = ApplyDeferred(ctx, e, &s, &grants);
    }
    if (!st.ok()) {
      r->set_err(st.err());
      r->set_message(st.message());
    }
  }
  if (s.ino_charged() != charged) ctx.Put(keys::Session(s.id()), s);
  if (DirLeases* table = ctx.env().leases) {
    for (const auto& [dir, grant] : grants) {
      if (grant == 0) continue;
      DirLease* l = resp->add_leases();
      l->set_dir(dir);
      l->set_grant(grant);
      l->set_ms(table->lease_ms());
    }
  }
  return Status::Ok();
}

}  // namespace weft::meta::ops
