// The weft.Meta gRPC service: one line per method — the call is authorized (service/auth.h: a session
// call needs a token of the session's tenant, Mount one of the volume's tenant), then a mutation is queued to the sequencer and its
// reactor finishes from the sequencer thread once the group has committed; a read runs inline against
// the committed store. Errors leave as ToGrpc(status) (the errno travels in error_details).
//
// Thread-safety: thread-safe (gRPC calls it from its callback threads).
#pragma once

#include <string>

#include "common/grpc_status.h"
#include "server/meta/core.h"
#include "server/meta/service/auth.h"
#include "server/meta/service/capability_issuer.h"
#include "weft/meta.grpc.pb.h"

namespace weft::meta {

class ClusterManager;

class MetaService final : public Meta::CallbackService {
 public:
  // core, cluster (may be null), auth and caps are not owned.
  MetaService(MetaCore* core, ClusterManager* cluster, const Auth* auth, const CapabilityIssuer* caps,
              std::string version);

  using Ctx = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  Reactor* Health(Ctx* c, const HealthRequest* q, HealthResponse* r) override;
  Reactor* Mount(Ctx* c, const MountRequest* q, MountResponse* r) override;
  Reactor* Keepalive(Ctx* c, const KeepaliveRequest* q, KeepaliveResponse* r) override;
  Reactor* Unmount(Ctx* c, const UnmountRequest* q, UnmountResponse* r) override;
  Reactor* Lookup(Ctx* c, const LookupRequest* q, AttrResponse* r) override;
  Reactor* GetAttr(Ctx* c, const GetAttrRequest* q, AttrResponse* r) override;
  Reactor* SetAttr(Ctx* c, const SetAttrRequest* q, AttrResponse* r) override;
  Reactor* Create(Ctx* c, const CreateRequest* q, CreateResponse* r) override;
  Reactor* Mkdir(Ctx* c, const MkdirRequest* q, AttrResponse* r) override;
  Reactor* Unlink(Ctx* c, const UnlinkRequest* q, UnlinkResponse* r) override;
  Reactor* Rmdir(Ctx* c, const RmdirRequest* q, RmdirResponse* r) override;
  Reactor* Rename(Ctx* c, const RenameRequest* q, RenameResponse* r) override;
  Reactor* Link(Ctx* c, const LinkRequest* q, AttrResponse* r) override;
  Reactor* Symlink(Ctx* c, const SymlinkRequest* q, AttrResponse* r) override;
  Reactor* Readlink(Ctx* c, const ReadlinkRequest* q, ReadlinkResponse* r) override;
  Reactor* ReadDir(Ctx* c, const ReadDirRequest* q, ReadDirResponse* r) override;
  Reactor* GetXattr(Ctx* c, const XattrRequest* q, XattrResponse* r) override;
  Reactor* SetXattr(Ctx* c, const XattrRequest* q, XattrResponse* r) override;
  Reactor* ListXattr(Ctx* c, const XattrRequest* q, XattrResponse* r) override;
  Reactor* RemoveXattr(Ctx* c, const XattrRequest* q, XattrResponse* r) override;
  Reactor* StatFs(Ctx* c, const StatFsRequest* q, StatFsResponse* r) override;
  Reactor* Open(Ctx* c, const OpenRequest* q, OpenResponse* r) override;
  Reactor* Close(Ctx* c, const CloseRequest* q, CloseResponse* r) override;
  Reactor* Commit(Ctx* c, const CommitRequest* q, AttrResponse* r) override;
  Reactor* Grant(Ctx* c, const GrantRequest* q, GrantResponse* r) override;
  Reactor* GetCapability(Ctx* c, const CapabilityRequest* q, CapabilityResponse* r) override;
  Reactor* GetChainTable(Ctx* c, const ChainTableRequest* q, ChainTableResponse* r) override;

 private:
  // A call carrying a session id: authorized for the session's tenant, then run.
  template <typename Req, typename Resp>
  Reactor* Read(Ctx* c, OpFn<Req, Resp> op, const Req* q, Resp* r);
  template <typename Req, typename Resp>
  Reactor* Mutate(Ctx* c, OpFn<Req, Resp> op, const Req* q, Resp* r);
  template <typename Req, typename Resp>
  Reactor* OpenWithCapability(Ctx* c, OpFn<Req, Resp> op, const Req* q, Resp* r, uint32_t open_flags);

  MetaCore* const core_;
  ClusterManager* const cluster_;
  const Auth* const auth_;
  const CapabilityIssuer* const caps_;
  const std::string version_;
  const int64_t start_ms_;
};

// Reactor helpers shared by the services.
template <typename Req, typename Resp>
grpc::ServerUnaryReactor* MutateCall(grpc::CallbackServerContext* c, MetaCore* core, OpFn<Req, Resp> op,
                                     const Req* req, Resp* resp) {
  auto* reactor = c->DefaultReactor();
  core->Submit(op, *req, resp, [reactor](const Status& s) { reactor->Finish(ToGrpc(s)); });
  return reactor;
}

template <typename Req, typename Resp>
grpc::ServerUnaryReactor* ReadCall(grpc::CallbackServerContext* c, MetaCore* core, OpFn<Req, Resp> op,
                                   const Req* req, Resp* resp) {
  auto* reactor = c->DefaultReactor();
  reactor->Finish(ToGrpc(core->Read(op, *req, resp)));
  return reactor;
}

// Finishes a call refused before it ran (auth).
inline grpc::ServerUnaryReactor* RejectCall(grpc::CallbackServerContext* c, const grpc::Status& s) {
  auto* reactor = c->DefaultReactor();
  reactor->Finish(s);
  return reactor;
}

inline grpc::ServerUnaryReactor* FinishCall(grpc::CallbackServerContext* c, const Status& s) {
  auto* reactor = c->DefaultReactor();
  reactor->Finish(ToGrpc(s));
  return reactor;
}

}  // namespace weft::meta
