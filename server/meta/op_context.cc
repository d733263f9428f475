#include "server/meta/op_context.h"

#include <sys/stat.h>

#include "server/meta/keys.h"

namespace weft::meta {

uint64_t AddClamped(uint64_t counter, int64_t delta) {
  if (delta >= 0) return counter + static_cast<uint64_t>(delta);
  uint64_t d = static_cast<uint64_t>(-(delta + 1)) + 1;
  return counter >= d ? counter - d : 0;
}

OpContext::OpContext(KvReader* store, const MetaEnv& env) : reader_(store), batch_(nullptr), env_(env), now_ns_(0) {}

OpContext::OpContext(KvBatch* batch, const MetaEnv& env, int64_t now_ns)
    : reader_(batch), batch_(batch), env_(env), now_ns_(now_ns) {}

Timespec OpContext::now() const {
  Timespec t;
  t.set_sec(now_ns_ / 1'000'000'000);
  t.set_nsec(static_cast<uint32_t>(now_ns_ % 1'000'000'000));
  return t;
}

StatusOr<uint64_t> OpContext::NextIds(std::string_view name, uint64_t count, uint64_t first) {
  if (count == 0) return Err(EINVAL, "no ids asked of counter '{}'", name);
  std::string key = keys::Counter(name);
  auto v = reader_->Get(key);
  if (!v.ok()) return v.status();
  uint64_t last = v->has_value() && (*v)->size() == 8 ? keys::DecodeU64(**v) : first - 1;
  const uint64_t start = std::max(last + 1, first);
  const uint64_t id = start + count - 1;  // the last id handed out
  std::string enc;
  keys::AppendU64(&enc, id);
  batch_->Put(key, enc);
  // Past the reservation: reserve the next block, synced before this reply (keys::kReservedSuffix).
  std::string rkey = keys::CounterReserved(name);
  auto r = reader_->Get(rkey);
  if (!r.ok()) return r.status();
  uint64_t reserved = r->has_value() && (*r)->size() == 8 ? keys::DecodeU64(**r) : 0;
  if (id > reserved) {
    std::string renc;
    keys::AppendU64(&renc, id + kIdReservation - 1);
    batch_->Put(rkey, renc);
    ForceSync();
  }
  return start;
}

Status RecoverCounters(KvStore* kv) {
  auto batch = kv->NewBatch();
  for (std::string_view name : keys::kCounters) {
    auto r = kv->Get(keys::CounterReserved(name));
    if (!r.ok()) return r.status();
    if (!r->has_value() || (*r)->size() != 8) continue;
    auto c = kv->Get(keys::Counter(name));
    if (!c.ok()) return c.status();
    const uint64_t reserved = keys::DecodeU64(**r);
    if (c->has_value() && (*c)->size() == 8 && keys::DecodeU64(**c) >= reserved) continue;
    std::string enc;
    keys::AppendU64(&enc, reserved);
    batch->Put(keys::Counter(name), enc);
  }
  return kv->Commit(*batch, /*sync=*/true);
}

Status OpContext::BindSession(uint64_t session_id) {
  auto s = Find<rec::Session>(keys::Session(session_id));
  if (!s.ok()) return s.status();
  if (!s->has_value()) {
    return Err(ESTALE, "session {} is unknown (expired, unmounted or its volume deleted): mount again", session_id);
  }
  session_ = std::move(**s);
  Status vs = BindVolume(session_->volume_id());
  if (!vs.ok()) return Err(ESTALE, "session {}: {}", session_id, vs.message());
  return Status::Ok();
}

Status OpContext::BindVolume(uint64_t volume_id, bool allow_deleting) {
  auto v = Find<rec::Volume>(keys::Volume(volume_id));
  if (!v.ok()) return v.status();
  if (!v->has_value() || ((*v)->deleting() && !allow_deleting)) return Err(ENOENT, "no volume with id {}", volume_id);
  volume_ = std::move(**v);
  volume_dirty_ = false;
  tenant_.reset();
  tenant_dirty_ = false;
  return Status::Ok();
}

StatusOr<rec::Tenant*> OpContext::tenant() {
  if (!tenant_) {
    auto t = Find<rec::Tenant>(keys::Tenant(volume_->info().tenant()));
    if (!t.ok()) return t.status();
    if (!t->has_value()) return Err(EIO, "volume '{}' names a missing tenant '{}'", volume_->info().name(), volume_->info().tenant());
    tenant_ = std::move(**t);
  }
  return &*tenant_;
}

Status OpContext::CheckWritable() const {
  if (volume_ && volume_->info().read_only()) return Err(EROFS, "volume '{}' is read-only", volume_->info().name());
  if (session_ && session_->read_only()) return Err(EROFS, "session {} is mounted read-only", session_->id());
  return Status::Ok();
}

bool OpContext::Live(const rec::Inode& inode) const {
  if (volume_ && inode.attr().volume_id() != volume_->info().id()) return false;
  // Released (no link, no handle; its data awaits GC): gone for every operation.
  return !(inode.attr().nlink() == 0 && inode.open_handles() == 0);
}

StatusOr<rec::Inode> OpContext::GetInode(uint64_t ino) {
  auto i = Find<rec::Inode>(keys::Inode(ino));
  if (!i.ok()) return i.status();
  if (!i->has_value()) return Err(ENOENT, "no inode {}", ino);
  if (!Live(**i)) return Err(ENOENT, "inode {} has been removed (or is another volume's)", ino);
  return std::move(**i);
}

StatusOr<rec::Inode> OpContext::GetDir(uint64_t ino) {
  auto i = GetInode(ino);
  if (i.ok() && !S_ISDIR(i->attr().mode())) return Err(ENOTDIR, "inode {} is not a directory", ino);
  return i;
}

void OpContext::PutInode(const rec::Inode& inode) {
  // Attr.no_xattrs follows the xattr count at every write, so a stored attr never claims "none" wrongly.
  const bool none = inode.xattrs() == 0;
  if (inode.attr().no_xattrs() == none) return Put(keys::Inode(inode.attr().ino()), inode);
  rec::Inode fixed = inode;
  fixed.mutable_attr()->set_no_xattrs(none);
  Put(keys::Inode(fixed.attr().ino()), fixed);
}

StatusOr<std::optional<rec::Dentry>> OpContext::FindDentry(uint64_t parent, std::string_view name) {
  return Find<rec::Dentry>(keys::Dentry(parent, name));
}

Status OpContext::CheckQuota(uint64_t bytes, uint64_t inodes) {
  const auto& vq = volume_->info().quota();
  const auto& vu = volume_->info().usage();
  if (bytes > 0 && vq.bytes() != 0 && vu.bytes() + vu.reserved_bytes() + bytes > vq.bytes()) {
    return Err(EDQUOT, "volume '{}' byte quota exceeded ({} used, {} reserved, {} more asked, quota {})",
               volume_->info().name(), vu.bytes(), vu.reserved_bytes(), bytes, vq.bytes());
  }
  if (inodes > 0 && vq.inodes() != 0 && vu.inodes() + inodes > vq.inodes()) {
    return Err(EDQUOT, "volume '{}' inode quota exceeded ({} of {})", volume_->info().name(), vu.inodes(), vq.inodes());
  }
  auto t = tenant();
  if (!t.ok()) return t.status();
  const auto& tq = (*t)->info().quota();
  const auto& tu = (*t)->info().usage();
  if (bytes > 0 && tq.bytes() != 0 && tu.bytes() + tu.reserved_bytes() + bytes > tq.bytes()) {
    return Err(EDQUOT, "tenant '{}' byte quota exceeded ({} used, {} reserved, {} more asked, quota {})",
               (*t)->info().name(), tu.bytes(), tu.reserved_bytes(), bytes, tq.bytes());
  }
  if (inodes > 0 && tq.inodes() != 0 && tu.inodes() + inodes > tq.inodes()) {
    return Err(EDQUOT, "tenant '{}' inode quota exceeded ({} of {})", (*t)->info().name(), tu.inodes(), tq.inodes());
  }
  return Status::Ok();
}

Status OpContext::Charge(int64_t bytes, int64_t inodes, int64_t reserved) {
  if (bytes == 0 && inodes == 0 && reserved == 0) return Status::Ok();
  auto t = tenant();
  if (!t.ok()) return t.status();
  for (Usage* u : {volume_->mutable_info()->mutable_usage(), (*t)->mutable_info()->mutable_usage()}) {
    u->set_bytes(AddClamped(u->bytes(), bytes));
    u->set_inodes(AddClamped(u->inodes(), inodes));
    u->set_reserved_bytes(AddClamped(u->reserved_bytes(), reserved));
  }
  volume_dirty_ = tenant_dirty_ = true;
  return Status::Ok();
}

Status OpContext::Flush() {
  if (volume_ && volume_dirty_) Put(keys::Volume(volume_->info().id()), *volume_);
  if (tenant_ && tenant_dirty_) Put(keys::Tenant(tenant_->info().name()), *tenant_);
  volume_dirty_ = tenant_dirty_ = false;
  return Status::Ok();
}

}  // namespace weft::meta
