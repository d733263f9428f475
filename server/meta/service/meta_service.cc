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
R MetaService::Read(const CallAuth& a, OpFn<Req, Resp> op, const Req* q, Resp* r) {
  if (grpc::Status s = auth_->ForSession(a, q->session_id()); !s.ok()) return s;
  return ToGrpc(core_->Read(op, *q, r));
}

template <typename Req, typename Resp>
R MetaService::Mutate(const CallAuth& a, OpFn<Req, Resp> op, const Req* q, Resp* r) {
  if (grpc::Status s = auth_->ForSession(a, q->session_id()); !s.ok()) return s;
  return ToGrpc(core_->Run(op, *q, r));
}

// An op that opens a handle (Open, Create with open flags): once it committed, the reply carries a
// capability for the inode with the access the open mode grants.
template <typename Req, typename Resp>
R MetaService::OpenWithCapability(const CallAuth& a, OpFn<Req, Resp> op, const Req* q, Resp* r,
                                  uint32_t open_flags) {
  if (grpc::Status s = auth_->ForSession(a, q->session_id()); !s.ok()) return s;
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
    r->set_wire_port(wire_port_);
    spdlog::info("volume '{}' mounted by token {}: session {}", q->volume(), req.token_id(), r->session_id());
  }
  return ToGrpc(s);
}
R MetaService::DoKeepalive(const CallAuth& a, const KeepaliveRequest* q, KeepaliveResponse* r) {
  if (grpc::Status s = auth_->ForSession(a, q->session_id()); !s.ok()) return s;
  Status s = core_->Keepalive(*q, r);
  r->set_wire_port(wire_port_);
  return ToGrpc(s);
}
R MetaService::Unmount(C* c, const UnmountRequest* q, UnmountResponse* r) {
  // Idempotent for every valid token: a session already gone is unmounted.
  grpc::Status s = auth_->ForSession(*c, q->session_id());
  if (!s.ok()) return FromGrpc(s).err() == ESTALE ? grpc::Status::OK : s;
  return ToGrpc(core_->Run(ops::Unmount, *q, r));
}
R MetaService::DoCreate(const CallAuth& a, const CreateRequest* q, CreateResponse* r) {
  return OpenWithCapability(a, ops::Create, q, r, q->open_flags());
}
R MetaService::DoOpen(const CallAuth& a, const OpenRequest* q, OpenResponse* r) {
  return OpenWithCapability(a, ops::Open, q, r, q->flags());
}
R MetaService::DoRecall(const CallAuth& a, const RecallRequest* q, RecallResponse* r) {
  if (grpc::Status s = auth_->ForSession(a, q->session_id()); !s.ok()) return s;
  if (!core_->sessions().Contains(q->session_id())) {
    return ToGrpc(Err(ESTALE, "session {} is unknown (expired, unmounted or its volume deleted): mount again",
                      q->session_id()));
  }
  DirLeases& leases = core_->leases();
  leases.Release(q->session_id(), std::vector<uint64_t>(q->released().begin(), q->released().end()));
  if (q->stop()) {
    leases.StopListening(q->session_id());
    return grpc::Status::OK;
  }
  // Held on this connection's own thread (the wire) or a gRPC call thread, at most a second.
  const int64_t until = MonoMs() + std::min<uint32_t>(q->wait_ms(), kMaxRecallWaitMs);
  for (uint64_t dir : leases.WaitRecalls(q->session_id(), until)) r->add_dirs(dir);
  return grpc::Status::OK;
}
R MetaService::DoSync(const CallAuth& a, const SyncRequest* q, SyncResponse*) {
  if (grpc::Status s = auth_->ForSession(a, q->session_id()); !s.ok()) return s;
  // A sync is harmless, but a session that no longer exists is an error the client must see (as every
  // other call of a session answers it): its changes may be gone with it.
  if (!core_->sessions().Contains(q->session_id())) {
    return ToGrpc(Err(ESTALE, "session {} is unknown (expired, unmounted or its volume deleted): mount again",
                      q->session_id()));
  }
  return ToGrpc(core_->sequencer().Sync());
}
R MetaService::DoGetCapability(const CallAuth& a, const CapabilityRequest* q, CapabilityResponse* r) {
  if (grpc::Status s = auth_->ForSession(a, q->session_id()); !s.ok()) return s;
  Status s = core_->Read(ops::GetCapability, *q, r);
  if (s.ok()) {
    auto cap = caps_->Issue(q->ino(), static_cast<uint8_t>(q->access()));
    r->set_capability(std::move(cap.capability));
    r->set_expiry_ms(cap.expiry_ms);
    r->set_ttl_ms(cap.ttl_ms);
  }
  return ToGrpc(s);
}

// Every session method once, for both transports: X(Name, Request, Response, handler taking (a, q, r)).
#define WEFT_META_SESSION_METHODS(X)                                                          \
  X(Keepalive, KeepaliveRequest, KeepaliveResponse, DoKeepalive(a, q, r))                     \
  X(Lookup, LookupRequest, AttrResponse, Read(a, ops::Lookup, q, r))                          \
  X(GetAttr, GetAttrRequest, AttrResponse, Read(a, ops::GetAttr, q, r))                       \
  X(SetAttr, SetAttrRequest, AttrResponse, Mutate(a, ops::SetAttr, q, r))                     \
  X(Create, CreateRequest, CreateResponse, DoCreate(a, q, r))                                 \
  X(Mkdir, MkdirRequest, AttrResponse, Mutate(a, ops::Mkdir, q, r))                           \
  X(Unlink, UnlinkRequest, UnlinkResponse, Mutate(a, ops::Unlink, q, r))                      \
  X(Rmdir, RmdirRequest, RmdirResponse, Mutate(a, ops::Rmdir, q, r))                          \
  X(Rename, RenameRequest, RenameResponse, Mutate(a, ops::Rename, q, r))                      \
  X(Link, LinkRequest, AttrResponse, Mutate(a, ops::Link, q, r))                              \
  X(Symlink, SymlinkRequest, AttrResponse, Mutate(a, ops::Symlink, q, r))                     \
  X(Readlink, ReadlinkRequest, ReadlinkResponse, Read(a, ops::Readlink, q, r))                \
  X(ReadDir, ReadDirRequest, ReadDirResponse, Read(a, ops::ReadDir, q, r))                    \
  X(GetXattr, XattrRequest, XattrResponse, Read(a, ops::GetXattr, q, r))                      \
  X(SetXattr, XattrRequest, XattrResponse, Mutate(a, ops::SetXattr, q, r))                    \
  X(ListXattr, XattrRequest, XattrResponse, Read(a, ops::ListXattr, q, r))                    \
  X(RemoveXattr, XattrRequest, XattrResponse, Mutate(a, ops::RemoveXattr, q, r))              \
  X(StatFs, StatFsRequest, StatFsResponse, Read(a, ops::StatFs, q, r))                        \
  X(Open, OpenRequest, OpenResponse, DoOpen(a, q, r))                                         \
  X(Close, CloseRequest, CloseResponse, Mutate(a, ops::Close, q, r))                          \
  X(Commit, CommitRequest, AttrResponse, Mutate(a, ops::Commit, q, r))                        \
  X(Grant, GrantRequest, GrantResponse, Mutate(a, ops::Grant, q, r))                          \
  X(GetCapability, CapabilityRequest, CapabilityResponse, DoGetCapability(a, q, r))           \
  X(Sync, SyncRequest, SyncResponse, DoSync(a, q, r))                                         \
  X(ReserveInodes, ReserveInodesRequest, ReserveInodesResponse, Mutate(a, ops::ReserveInodes, q, r)) \
  X(CreateBatch, CreateBatchRequest, CreateBatchResponse, Mutate(a, ops::CreateBatch, q, r)) \
  X(Recall, RecallRequest, RecallResponse, DoRecall(a, q, r))

#define WEFT_GRPC_METHOD(Name, Req, Resp, call)           \
  R MetaService::Name(C* c, const Req* q, Resp* r) {      \
    const CallAuth a = CallAuth::Of(*c);                  \
    return call;                                          \
  }
WEFT_META_SESSION_METHODS(WEFT_GRPC_METHOD)
#undef WEFT_GRPC_METHOD

R MetaService::WireCall(const CallAuth& a, WireMethod method, std::string_view request, std::string* response) {
  switch (method) {
#define WEFT_WIRE_METHOD(Name, Req, Resp, call)                                                        \
  case WireMethod::k##Name: {                                                                          \
    Req req;                                                                                           \
    Resp resp;                                                                                         \
    if (!req.ParseFromArray(request.data(), static_cast<int>(request.size()))) {                       \
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed " #Name " request",           \
                          std::to_string(EPROTO));                                                     \
    }                                                                                                  \
    const Req* q = &req;                                                                               \
    Resp* r = &resp;                                                                                   \
    grpc::Status s = call;                                                                             \
    if (s.ok()) resp.SerializeToString(response);                                                      \
    return s;                                                                                          \
  }
    WEFT_META_SESSION_METHODS(WEFT_WIRE_METHOD)
#undef WEFT_WIRE_METHOD
    default:
      break;
  }
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      fmt::format("{} {}", kWireUnknownMethod, static_cast<int>(method)),
                      std::to_string(ENOSYS));
}

R MetaService::GetChainTable(C* c, const ChainTableRequest* q, ChainTableResponse* r) {
  // No token or any valid one: the table names servers, and reaching data takes a capability.
  if (grpc::Status s = auth_->OptionalToken(*c); !s.ok()) return s;
  if (cluster_ && q->known_version() != cluster_->version()) *r->mutable_table() = cluster_->Snapshot();
  return grpc::Status::OK;
}

}  // namespace weft::meta
