#include "server/meta/service/meta_service.h"

#include <memory>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/ops/ops.h"

namespace weft::meta {

MetaService::MetaService(MetaCore* core, ClusterManager* cluster, const Auth* auth, const CapabilityIssuer* caps,
                         std::string version)
    : core_(core), cluster_(cluster), auth_(auth), caps_(caps), version_(std::move(version)), start_ms_(MonoMs()) {}

using R = grpc::Status;
using C = grpc::ServerContext;

template <typename Req, typename Resp>
R MetaService::Read(C* c, OpFn<Req, Resp> op, const Req* q, Resp* r) {
  if (grpc::Status s = auth_->ForSession(*c, q->session_id()); !s.ok()) return s;
  return ToGrpc(core_->Read(op, *q, r));
}

template <typename Req, typename Resp>
R MetaService::Mutate(C* c, OpFn<Req, Resp> op, const Req* q, Resp* r) {
  if (grpc::Status s = auth_->ForSession(*c, q->session_id()); !s.ok()) return s;
  return ToGrpc(core_->Run(op, *q, r));
}

// An op that opens a handle (Open, Create with open flags): once it committed, the reply carries a
// capability for the inode with the access the open mode grants.
template <typename Req, typename Resp>
R MetaService::OpenWithCapability(C* c, OpFn<Req, Resp> op, const Req* q, Resp* r, uint32_t open_flags) {
  if (grpc::Status s = auth_->ForSession(*c, q->session_id()); !s.ok()) return s;
  Status s = core_->Run(op, *q, r);
  if (s.ok() && r->handle() != 0) {
    auto cap = caps_->Issue(r->attr().ino(), CapabilityIssuer::AccessForOpen(open_flags));
    r->set_capability(std::move(cap.capability));
    r->set_capability_expiry_ms(cap.expiry_ms);
    r->set_capability_ttl_ms(cap.ttl_ms);
  }
  return ToGrpc(s);
}

R MetaService::Health(C*, const HealthRequest*, HealthResponse* r) {
  r->set_service("weft-meta");
  r->set_version(version_);
  r->set_uptime_ms(static_cast<uint64_t>(MonoMs() - start_ms_));
  r->set_serving(true);
  return grpc::Status::OK;
}

R MetaService::Mount(C* c, const MountRequest* q, MountResponse* r) {
  AuthResult a = auth_->Authenticate(*c);
  if (!a.ok()) return a.status;
  // The op checks the volume's tenant in the same sequenced step that creates the session.
  rec::TenantMount req;
  *req.mutable_request() = *q;
  req.set_tenant(a.who.admin ? "" : a.who.tenant);
  req.set_token_id(a.who.token_id);
  Status s = core_->Run(ops::TenantMount, req, r);
  if (s.ok()) {
    spdlog::info("volume '{}' mounted by token {}: session {}", q->volume(), req.token_id(), r->session_id());
  }
  return ToGrpc(s);
}
R MetaService::Keepalive(C* c, const KeepaliveRequest* q, KeepaliveResponse* r) {
  if (grpc::Status s = auth_->ForSession(*c, q->session_id()); !s.ok()) return s;
  return ToGrpc(core_->Keepalive(*q, r));
}
R MetaService::Unmount(C* c, const UnmountRequest* q, UnmountResponse* r) {
  // Idempotent for every valid token: a session already gone is unmounted.
  grpc::Status s = auth_->ForSession(*c, q->session_id());
  if (!s.ok()) return FromGrpc(s).err() == ESTALE ? grpc::Status::OK : s;
  return ToGrpc(core_->Run(ops::Unmount, *q, r));
}
R MetaService::Lookup(C* c, const LookupRequest* q, AttrResponse* r) { return Read(c, ops::Lookup, q, r); }
R MetaService::GetAttr(C* c, const GetAttrRequest* q, AttrResponse* r) { return Read(c, ops::GetAttr, q, r); }
R MetaService::SetAttr(C* c, const SetAttrRequest* q, AttrResponse* r) {
  return Mutate(c, ops::SetAttr, q, r);
}
R MetaService::Create(C* c, const CreateRequest* q, CreateResponse* r) {
  return OpenWithCapability(c, ops::Create, q, r, q->open_flags());
}
R MetaService::Mkdir(C* c, const MkdirRequest* q, AttrResponse* r) { return Mutate(c, ops::Mkdir, q, r); }
R MetaService::Unlink(C* c, const UnlinkRequest* q, UnlinkResponse* r) { return Mutate(c, ops::Unlink, q, r); }
R MetaService::Rmdir(C* c, const RmdirRequest* q, RmdirResponse* r) { return Mutate(c, ops::Rmdir, q, r); }
R MetaService::Rename(C* c, const RenameRequest* q, RenameResponse* r) { return Mutate(c, ops::Rename, q, r); }
R MetaService::Link(C* c, const LinkRequest* q, AttrResponse* r) { return Mutate(c, ops::Link, q, r); }
R MetaService::Symlink(C* c, const SymlinkRequest* q, AttrResponse* r) { return Mutate(c, ops::Symlink, q, r); }
R MetaService::Readlink(C* c, const ReadlinkRequest* q, ReadlinkResponse* r) {
  return Read(c, ops::Readlink, q, r);
}
R MetaService::ReadDir(C* c, const ReadDirRequest* q, ReadDirResponse* r) { return Read(c, ops::ReadDir, q, r); }
R MetaService::GetXattr(C* c, const XattrRequest* q, XattrResponse* r) { return Read(c, ops::GetXattr, q, r); }
R MetaService::SetXattr(C* c, const XattrRequest* q, XattrResponse* r) {
  return Mutate(c, ops::SetXattr, q, r);
}
R MetaService::ListXattr(C* c, const XattrRequest* q, XattrResponse* r) { return Read(c, ops::ListXattr, q, r); }
R MetaService::RemoveXattr(C* c, const XattrRequest* q, XattrResponse* r) {
  return Mutate(c, ops::RemoveXattr, q, r);
}
R MetaService::StatFs(C* c, const StatFsRequest* q, StatFsResponse* r) { return Read(c, ops::StatFs, q, r); }
R MetaService::Open(C* c, const OpenRequest* q, OpenResponse* r) {
  return OpenWithCapability(c, ops::Open, q, r, q->flags());
}
R MetaService::Close(C* c, const CloseRequest* q, CloseResponse* r) { return Mutate(c, ops::Close, q, r); }
R MetaService::Commit(C* c, const CommitRequest* q, AttrResponse* r) { return Mutate(c, ops::Commit, q, r); }
R MetaService::Grant(C* c, const GrantRequest* q, GrantResponse* r) { return Mutate(c, ops::Grant, q, r); }
R MetaService::Sync(C* c, const SyncRequest* q, SyncResponse*) {
  if (grpc::Status s = auth_->ForSession(*c, q->session_id()); !s.ok()) return s;
  // A sync is harmless, but a session that no longer exists is an error the client must see (as every
  // other call of a session answers it): its changes may be gone with it.
  if (!core_->sessions().Contains(q->session_id())) {
    return ToGrpc(Err(ESTALE, "session {} is unknown (expired, unmounted or its volume deleted): mount again",
                      q->session_id()));
  }
  return ToGrpc(core_->sequencer().Sync());
}
R MetaService::GetCapability(C* c, const CapabilityRequest* q, CapabilityResponse* r) {
  if (grpc::Status s = auth_->ForSession(*c, q->session_id()); !s.ok()) return s;
  Status s = core_->Read(ops::GetCapability, *q, r);
  if (s.ok()) {
    auto cap = caps_->Issue(q->ino(), static_cast<uint8_t>(q->access()));
    r->set_capability(std::move(cap.capability));
    r->set_expiry_ms(cap.expiry_ms);
    r->set_ttl_ms(cap.ttl_ms);
  }
  return ToGrpc(s);
}

R MetaService::GetChainTable(C* c, const ChainTableRequest* q, ChainTableResponse* r) {
  // No token or any valid one: the table names servers, and reaching data takes a capability.
  if (grpc::Status s = auth_->OptionalToken(*c); !s.ok()) return s;
  if (cluster_ && q->known_version() != cluster_->version()) *r->mutable_table() = cluster_->Snapshot();
  return grpc::Status::OK;
}

}  // namespace weft::meta
