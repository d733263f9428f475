#include "server/meta/service/meta_service.h"

#include "common/clock.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/ops/ops.h"

namespace weft::meta {

MetaService::MetaService(MetaCore* core, ClusterManager* cluster, const CapabilityIssuer* caps, std::string version)
    : core_(core), cluster_(cluster), caps_(caps), version_(std::move(version)), start_ms_(MonoMs()) {}

using R = grpc::ServerUnaryReactor;
using C = grpc::CallbackServerContext;

R* MetaService::Health(C* c, const HealthRequest*, HealthResponse* r) {
  r->set_service("weft-meta");
  r->set_version(version_);
  r->set_uptime_ms(static_cast<uint64_t>(MonoMs() - start_ms_));
  r->set_serving(true);
  return FinishCall(c, Status::Ok());
}

R* MetaService::Mount(C* c, const MountRequest* q, MountResponse* r) { return MutateCall(c, core_, ops::Mount, q, r); }
R* MetaService::Keepalive(C* c, const KeepaliveRequest* q, KeepaliveResponse* r) {
  return FinishCall(c, core_->Keepalive(*q, r));
}
R* MetaService::Unmount(C* c, const UnmountRequest* q, UnmountResponse* r) {
  return MutateCall(c, core_, ops::Unmount, q, r);
}
R* MetaService::Lookup(C* c, const LookupRequest* q, AttrResponse* r) { return ReadCall(c, core_, ops::Lookup, q, r); }
R* MetaService::GetAttr(C* c, const GetAttrRequest* q, AttrResponse* r) { return ReadCall(c, core_, ops::GetAttr, q, r); }
R* MetaService::SetAttr(C* c, const SetAttrRequest* q, AttrResponse* r) {
  return MutateCall(c, core_, ops::SetAttr, q, r);
}
R* MetaService::Create(C* c, const CreateRequest* q, CreateResponse* r) {
  auto* reactor = c->DefaultReactor();
  core_->Submit(ops::Create, *q, r, [this, reactor, q, r](const Status& s) {
    if (s.ok() && r->handle() != 0) {
      auto cap = caps_->Issue(r->attr().ino(), CapabilityIssuer::AccessForOpen(q->open_flags()));
      r->set_capability(std::move(cap.capability));
      r->set_capability_expiry_ms(cap.expiry_ms);
      r->set_capability_ttl_ms(cap.ttl_ms);
    }
    reactor->Finish(ToGrpc(s));
  });
  return reactor;
}
R* MetaService::Mkdir(C* c, const MkdirRequest* q, AttrResponse* r) { return MutateCall(c, core_, ops::Mkdir, q, r); }
R* MetaService::Unlink(C* c, const UnlinkRequest* q, UnlinkResponse* r) { return MutateCall(c, core_, ops::Unlink, q, r); }
R* MetaService::Rmdir(C* c, const RmdirRequest* q, RmdirResponse* r) { return MutateCall(c, core_, ops::Rmdir, q, r); }
R* MetaService::Rename(C* c, const RenameRequest* q, RenameResponse* r) { return MutateCall(c, core_, ops::Rename, q, r); }
R* MetaService::Link(C* c, const LinkRequest* q, AttrResponse* r) { return MutateCall(c, core_, ops::Link, q, r); }
R* MetaService::Symlink(C* c, const SymlinkRequest* q, AttrResponse* r) { return MutateCall(c, core_, ops::Symlink, q, r); }
R* MetaService::Readlink(C* c, const ReadlinkRequest* q, ReadlinkResponse* r) {
  return ReadCall(c, core_, ops::Readlink, q, r);
}
R* MetaService::ReadDir(C* c, const ReadDirRequest* q, ReadDirResponse* r) { return ReadCall(c, core_, ops::ReadDir, q, r); }
R* MetaService::GetXattr(C* c, const XattrRequest* q, XattrResponse* r) { return ReadCall(c, core_, ops::GetXattr, q, r); }
R* MetaService::SetXattr(C* c, const XattrRequest* q, XattrResponse* r) {
  return MutateCall(c, core_, ops::SetXattr, q, r);
}
R* MetaService::ListXattr(C* c, const XattrRequest* q, XattrResponse* r) { return ReadCall(c, core_, ops::ListXattr, q, r); }
R* MetaService::RemoveXattr(C* c, const XattrRequest* q, XattrResponse* r) {
  return MutateCall(c, core_, ops::RemoveXattr, q, r);
}
R* MetaService::StatFs(C* c, const StatFsRequest* q, StatFsResponse* r) { return ReadCall(c, core_, ops::StatFs, q, r); }
R* MetaService::Open(C* c, const OpenRequest* q, OpenResponse* r) {
  auto* reactor = c->DefaultReactor();
  core_->Submit(ops::Open, *q, r, [this, reactor, q, r](const Status& s) {
    if (s.ok()) {
      auto cap = caps_->Issue(r->attr().ino(), CapabilityIssuer::AccessForOpen(q->flags()));
      r->set_capability(std::move(cap.capability));
      r->set_capability_expiry_ms(cap.expiry_ms);
      r->set_capability_ttl_ms(cap.ttl_ms);
    }
    reactor->Finish(ToGrpc(s));
  });
  return reactor;
}
R* MetaService::Close(C* c, const CloseRequest* q, CloseResponse* r) { return MutateCall(c, core_, ops::Close, q, r); }
R* MetaService::Commit(C* c, const CommitRequest* q, AttrResponse* r) { return MutateCall(c, core_, ops::Commit, q, r); }
R* MetaService::Grant(C* c, const GrantRequest* q, GrantResponse* r) { return MutateCall(c, core_, ops::Grant, q, r); }
R* MetaService::GetCapability(C* c, const CapabilityRequest* q, CapabilityResponse* r) {
  Status s = core_->Read(ops::GetCapability, *q, r);
  if (s.ok()) {
    auto cap = caps_->Issue(q->ino(), static_cast<uint8_t>(q->access()));
    r->set_capability(std::move(cap.capability));
    r->set_expiry_ms(cap.expiry_ms);
    r->set_ttl_ms(cap.ttl_ms);
  }
  return FinishCall(c, s);
}

R* MetaService::GetChainTable(C* c, const ChainTableRequest* q, ChainTableResponse* r) {
  if (cluster_ && q->known_version() != cluster_->version()) *r->mutable_table() = cluster_->Snapshot();
  return FinishCall(c, Status::Ok());
}

}  // namespace weft::meta
