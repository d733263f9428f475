#include "test/meta/support/client.h"

namespace weft::meta::test {

Caller RootCaller() { return Caller(); }

Caller User(uint32_t uid, uint32_t gid, std::vector<uint32_t> groups) {
  Caller c;
  c.set_uid(uid);
  c.set_gid(gid);
  for (uint32_t g : groups) c.add_groups(g);
  return c;
}

TestClient::TestClient(Transport* transport)
    : t_(transport), next_request_id_(std::make_shared<std::atomic<uint64_t>>(1)) {}

TestClient TestClient::As(const Caller& who) const {
  TestClient c = *this;
  c.caller = who;
  return c;
}

uint64_t TestClient::NextRequestId() { return request_ids ? next_request_id_->fetch_add(1) : 0; }

namespace {
template <typename Resp, typename Fn>
auto Take(Status s, Resp& resp, Fn&& fn) -> StatusOr<decltype(fn(resp))> {
  if (!s.ok()) return s;
  return fn(resp);
}
}  // namespace

Status TestClient::CreateTenant(const std::string& name, const Quota& quota) {
  CreateTenantRequest q;
  q.set_name(name);
  *q.mutable_quota() = quota;
  Tenant r;
  return t_->CreateTenant(q, &r);
}

StatusOr<Volume> TestClient::CreateVolume(const std::string& name, const std::string& tenant, uint64_t quota_bytes,
                                          uint64_t quota_inodes, AccessMode mode) {
  CreateVolumeRequest q;
  q.set_name(name);
  q.set_tenant(tenant);
  q.set_quota_bytes(quota_bytes);
  q.set_quota_inodes(quota_inodes);
  q.set_access_mode(mode);
  Volume r;
  Status s = t_->CreateVolume(q, &r);
  if (!s.ok()) return s;
  return r;
}

StatusOr<Volume> TestClient::GetVolume(const std::string& name) {
  VolumeRequest q;
  q.set_name(name);
  Volume r;
  Status s = t_->GetVolume(q, &r);
  if (!s.ok()) return s;
  return r;
}

StatusOr<Tenant> TestClient::GetTenant(const std::string& name) {
  TenantRequest q;
  q.set_name(name);
  Tenant r;
  Status s = t_->GetTenant(q, &r);
  if (!s.ok()) return s;
  return r;
}

StatusOr<MountResponse> TestClient::MountVolume(const std::string& volume, bool read_only) {
  MountRequest q;
  q.set_volume(volume);
  q.set_client("test");
  q.set_read_only(read_only);
  MountResponse r;
  Status s = t_->Mount(q, &r);
  if (!s.ok()) return s;
  session = r.session_id();
  root = r.root_ino();
  volume_id = r.volume_id();
  return r;
}

Status TestClient::Sync() {
  SyncRequest q;
  q.set_session_id(session);
  SyncResponse r;
  return t_->Sync(q, &r);
}

Status TestClient::Unmount() {
  UnmountRequest q;
  q.set_session_id(session);
  UnmountResponse r;
  return t_->Unmount(q, &r);
}

#define WEFT_PREP(q)            \
  q.set_session_id(session);    \
  *q.mutable_caller() = caller; \
  q.set_request_id(NextRequestId())
#define WEFT_PREP_READ(q)    \
  q.set_session_id(session); \
  *q.mutable_caller() = caller

StatusOr<Attr> TestClient::Lookup(uint64_t parent, const std::string& name) {
  LookupRequest q;
  WEFT_PREP_READ(q);
  q.set_parent(parent);
  q.set_name(name);
  AttrResponse r;
  return Take(t_->Lookup(q, &r), r, [](AttrResponse& x) { return x.attr(); });
}

StatusOr<Attr> TestClient::GetAttr(uint64_t ino) {
  GetAttrRequest q;
  WEFT_PREP_READ(q);
  q.set_ino(ino);
  AttrResponse r;
  return Take(t_->GetAttr(q, &r), r, [](AttrResponse& x) { return x.attr(); });
}

StatusOr<Attr> TestClient::Mkdir(uint64_t parent, const std::string& name, uint32_t mode, uint32_t umask) {
  MkdirRequest q;
  WEFT_PREP(q);
  q.set_parent(parent);
  q.set_name(name);
  q.set_mode(mode);
  q.set_umask(umask);
  AttrResponse r;
  return Take(t_->Mkdir(q, &r), r, [](AttrResponse& x) { return x.attr(); });
}

StatusOr<Attr> TestClient::Create(uint64_t parent, const std::string& name, uint32_t mode, bool exclusive,
                                  uint64_t rdev) {
  CreateRequest q;
  WEFT_PREP(q);
  q.set_parent(parent);
  q.set_name(name);
  q.set_mode(mode);
  q.set_exclusive(exclusive);
  q.set_rdev(rdev);
  CreateResponse r;
  return Take(t_->Create(q, &r), r, [](CreateResponse& x) { return x.attr(); });
}

StatusOr<CreateResponse> TestClient::CreateOpen(uint64_t parent, const std::string& name, uint32_t mode,
                                                uint32_t flags, bool exclusive) {
  CreateRequest q;
  WEFT_PREP(q);
  q.set_parent(parent);
  q.set_name(name);
  q.set_mode(mode);
  q.set_exclusive(exclusive);
  q.set_open(true);
  q.set_open_flags(flags);
  CreateResponse r;
  return Take(t_->Create(q, &r), r, [](CreateResponse& x) { return x; });
}

StatusOr<UnlinkResponse> TestClient::Unlink(uint64_t parent, const std::string& name) {
  UnlinkRequest q;
  WEFT_PREP(q);
  q.set_parent(parent);
  q.set_name(name);
  UnlinkResponse r;
  return Take(t_->Unlink(q, &r), r, [](UnlinkResponse& x) { return x; });
}

StatusOr<RmdirResponse> TestClient::Rmdir(uint64_t parent, const std::string& name) {
  RmdirRequest q;
  WEFT_PREP(q);
  q.set_parent(parent);
  q.set_name(name);
  RmdirResponse r;
  return Take(t_->Rmdir(q, &r), r, [](RmdirResponse& x) { return x; });
}

StatusOr<RenameResponse> TestClient::Rename(uint64_t parent, const std::string& name, uint64_t new_parent,
                                            const std::string& new_name, uint32_t flags) {
  RenameRequest q;
  WEFT_PREP(q);
  q.set_parent(parent);
  q.set_name(name);
  q.set_new_parent(new_parent);
  q.set_new_name(new_name);
  q.set_flags(flags);
  RenameResponse r;
  return Take(t_->Rename(q, &r), r, [](RenameResponse& x) { return x; });
}

StatusOr<Attr> TestClient::Link(uint64_t ino, uint64_t new_parent, const std::string& new_name) {
  LinkRequest q;
  WEFT_PREP(q);
  q.set_ino(ino);
  q.set_new_parent(new_parent);
  q.set_new_name(new_name);
  AttrResponse r;
  return Take(t_->Link(q, &r), r, [](AttrResponse& x) { return x.attr(); });
}

StatusOr<Attr> TestClient::Symlink(uint64_t parent, const std::string& name, const std::string& target) {
  SymlinkRequest q;
  WEFT_PREP(q);
  q.set_parent(parent);
  q.set_name(name);
  q.set_target(target);
  AttrResponse r;
  return Take(t_->Symlink(q, &r), r, [](AttrResponse& x) { return x.attr(); });
}

StatusOr<std::string> TestClient::Readlink(uint64_t ino) {
  ReadlinkRequest q;
  WEFT_PREP_READ(q);
  q.set_ino(ino);
  ReadlinkResponse r;
  return Take(t_->Readlink(q, &r), r, [](ReadlinkResponse& x) { return x.target(); });
}

StatusOr<ReadDirResponse> TestClient::ReadDir(uint64_t ino, const std::string& cookie, uint32_t limit, bool plus) {
  ReadDirRequest q;
  WEFT_PREP_READ(q);
  q.set_ino(ino);
  q.set_cookie(cookie);
  q.set_limit(limit);
  q.set_plus(plus);
  ReadDirResponse r;
  return Take(t_->ReadDir(q, &r), r, [](ReadDirResponse& x) { return x; });
}

StatusOr<std::vector<std::string>> TestClient::ListNames(uint64_t ino, uint32_t page) {
  std::vector<std::string> out;
  std::string cookie;
  for (;;) {
    auto r = ReadDir(ino, cookie, page);
    if (!r.ok()) return r.status();
    for (const auto& e : r->entries()) out.push_back(e.name());
    if (r->eof() || r->entries_size() == 0) return out;
    cookie = r->next_cookie();
  }
}

StatusOr<Attr> TestClient::SetAttr(SetAttrRequest q) {
  WEFT_PREP(q);
  AttrResponse r;
  return Take(t_->SetAttr(q, &r), r, [](AttrResponse& x) { return x.attr(); });
}

StatusOr<Attr> TestClient::Chmod(uint64_t ino, uint32_t mode) {
  SetAttrRequest q;
  q.set_ino(ino);
  q.set_mask(SETATTR_MODE);
  q.set_mode(mode);
  return SetAttr(q);
}

StatusOr<Attr> TestClient::Chown(uint64_t ino, uint32_t uid, uint32_t gid) {
  SetAttrRequest q;
  q.set_ino(ino);
  q.set_mask(SETATTR_UID | SETATTR_GID);
  q.set_uid(uid);
  q.set_gid(gid);
  return SetAttr(q);
}

StatusOr<Attr> TestClient::Chgrp(uint64_t ino, uint32_t gid) {
  SetAttrRequest q;
  q.set_ino(ino);
  q.set_mask(SETATTR_GID);
  q.set_gid(gid);
  return SetAttr(q);
}

StatusOr<Attr> TestClient::Truncate(uint64_t ino, uint64_t size, uint64_t handle) {
  SetAttrRequest q;
  q.set_ino(ino);
  q.set_mask(SETATTR_SIZE);
  q.set_size(size);
  q.set_handle(handle);
  return SetAttr(q);
}

Status TestClient::SetXattr(uint64_t ino, const std::string& name, const std::string& value, uint32_t flags) {
  XattrRequest q;
  WEFT_PREP(q);
  q.set_ino(ino);
  q.set_name(name);
  q.set_value(value);
  q.set_flags(flags);
  XattrResponse r;
  return t_->SetXattr(q, &r);
}

StatusOr<std::string> TestClient::GetXattr(uint64_t ino, const std::string& name) {
  XattrRequest q;
  WEFT_PREP_READ(q);
  q.set_ino(ino);
  q.set_name(name);
  XattrResponse r;
  return Take(t_->GetXattr(q, &r), r, [](XattrResponse& x) { return x.value(); });
}

StatusOr<std::vector<std::string>> TestClient::ListXattr(uint64_t ino) {
  XattrRequest q;
  WEFT_PREP_READ(q);
  q.set_ino(ino);
  XattrResponse r;
  return Take(t_->ListXattr(q, &r), r,
              [](XattrResponse& x) { return std::vector<std::string>(x.names().begin(), x.names().end()); });
}

Status TestClient::RemoveXattr(uint64_t ino, const std::string& name) {
  XattrRequest q;
  WEFT_PREP(q);
  q.set_ino(ino);
  q.set_name(name);
  XattrResponse r;
  return t_->RemoveXattr(q, &r);
}

StatusOr<StatFsResponse> TestClient::StatFs() {
  StatFsRequest q;
  q.set_session_id(session);
  StatFsResponse r;
  return Take(t_->StatFs(q, &r), r, [](StatFsResponse& x) { return x; });
}

StatusOr<OpenResponse> TestClient::Open(uint64_t ino, uint32_t flags) {
  OpenRequest q;
  WEFT_PREP(q);
  q.set_ino(ino);
  q.set_flags(flags);
  OpenResponse r;
  return Take(t_->Open(q, &r), r, [](OpenResponse& x) { return x; });
}

Status TestClient::Close(uint64_t handle) {
  CloseRequest q;
  q.set_session_id(session);
  q.set_request_id(NextRequestId());
  q.set_handle(handle);
  CloseResponse r;
  return t_->Close(q, &r);
}

Status TestClient::CloseMany(const std::vector<uint64_t>& handles) {
  CloseRequest q;
  q.set_session_id(session);
  q.set_request_id(NextRequestId());
  q.set_handle(handles.at(0));
  for (size_t i = 1; i < handles.size(); ++i) q.add_more_handles(handles[i]);
  CloseResponse r;
  return t_->Close(q, &r);
}

Status TestClient::CloseWithSize(uint64_t handle, uint64_t size) {
  CloseRequest q;
  q.set_session_id(session);
  q.set_request_id(NextRequestId());
  q.set_handle(handle);
  q.set_has_size(true);
  q.set_size(size);
  CloseResponse r;
  return t_->Close(q, &r);
}

StatusOr<Attr> TestClient::Commit(uint64_t handle, uint64_t ino, uint64_t size) {
  CommitRequest q;
  q.set_session_id(session);
  q.set_request_id(NextRequestId());
  q.set_handle(handle);
  q.set_ino(ino);
  q.set_size(size);
  AttrResponse r;
  return Take(t_->Commit(q, &r), r, [](AttrResponse& x) { return x.attr(); });
}

StatusOr<uint64_t> TestClient::Grant(uint64_t handle, uint64_t ino, uint64_t end) {
  GrantRequest q;
  q.set_session_id(session);
  q.set_request_id(NextRequestId());
  q.set_handle(handle);
  q.set_ino(ino);
  q.set_end(end);
  GrantResponse r;
  return Take(t_->Grant(q, &r), r, [](GrantResponse& x) { return x.granted_end(); });
}

}  // namespace weft::meta::test
