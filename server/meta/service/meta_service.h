// The weft.Meta gRPC service: one line per method — the call is authorized (service/auth.h: a session
// call needs a token of the session's tenant, Mount one of the volume's tenant), then a mutation is
// queued to the sequencer and the handler waits for its group to commit; a read runs inline against the
// committed store. Errors leave as ToGrpc(status) (the errno travels in error_details).
//
// Why the synchronous API (and not the callback API the Admin and Cluster services use): it is the
// metadata hot path, and on a 2-vCPU VM a handoff between threads costs ~90 us of wake-up. The sync
// server runs a handler on the thread that read the request; the callback server passes each call
// through more threads. A bare call measured 400 us sync against 620 us callback on this machine.
// Handler threads are bounded (StartGrpcServer's max_threads); past the bound gRPC answers
// RESOURCE_EXHAUSTED without details, which clients retry.
//
// Thread-safety: thread-safe (gRPC calls it from its sync-server threads).
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "common/grpc_status.h"
#include "server/meta/core.h"
#include "server/meta/service/auth.h"
#include "server/meta/service/capability_issuer.h"
#include "common/meta_wire.h"
#include "weft/meta.grpc.pb.h"

namespace weft::meta {

class ClusterManager;

class MetaService final : public Meta::Service {
 public:
  // core, cluster (may be null), auth and caps are not owned.
  MetaService(MetaCore* core, ClusterManager* cluster, const Auth* auth, const CapabilityIssuer* caps,
              std::string version);

  using Ctx = grpc::ServerContext;
  using Reply = grpc::Status;

  Reply Health(Ctx* c, const HealthRequest* q, HealthResponse* r) override;
  Reply Mount(Ctx* c, const MountRequest* q, MountResponse* r) override;
  Reply Keepalive(Ctx* c, const KeepaliveRequest* q, KeepaliveResponse* r) override;
  Reply Unmount(Ctx* c, const UnmountRequest* q, UnmountResponse* r) override;
  Reply Lookup(Ctx* c, const LookupRequest* q, AttrResponse* r) override;
  Reply GetAttr(Ctx* c, const GetAttrRequest* q, AttrResponse* r) override;
  Reply SetAttr(Ctx* c, const SetAttrRequest* q, AttrResponse* r) override;
  Reply Create(Ctx* c, const CreateRequest* q, CreateResponse* r) override;
  Reply Mkdir(Ctx* c, const MkdirRequest* q, AttrResponse* r) override;
  Reply Unlink(Ctx* c, const UnlinkRequest* q, UnlinkResponse* r) override;
  Reply Rmdir(Ctx* c, const RmdirRequest* q, RmdirResponse* r) override;
  Reply Rename(Ctx* c, const RenameRequest* q, RenameResponse* r) override;
  Reply Link(Ctx* c, const LinkRequest* q, AttrResponse* r) override;
  Reply Symlink(Ctx* c, const SymlinkRequest* q, AttrResponse* r) override;
  Reply Readlink(Ctx* c, const ReadlinkRequest* q, ReadlinkResponse* r) override;
  Reply ReadDir(Ctx* c, const ReadDirRequest* q, ReadDirResponse* r) override;
  Reply GetXattr(Ctx* c, const XattrRequest* q, XattrResponse* r) override;
  Reply SetXattr(Ctx* c, const XattrRequest* q, XattrResponse* r) override;
  Reply ListXattr(Ctx* c, const XattrRequest* q, XattrResponse* r) override;
  Reply RemoveXattr(Ctx* c, const XattrRequest* q, XattrResponse* r) override;
  Reply StatFs(Ctx* c, const StatFsRequest* q, StatFsResponse* r) override;
  Reply Open(Ctx* c, const OpenRequest* q, OpenResponse* r) override;
  Reply Close(Ctx* c, const CloseRequest* q, CloseResponse* r) override;
  Reply Commit(Ctx* c, const CommitRequest* q, AttrResponse* r) override;
  Reply Grant(Ctx* c, const GrantRequest* q, GrantResponse* r) override;
  Reply Sync(Ctx* c, const SyncRequest* q, SyncResponse* r) override;
  Reply ReserveInodes(Ctx* c, const ReserveInodesRequest* q, ReserveInodesResponse* r) override;
  Reply CreateBatch(Ctx* c, const CreateBatchRequest* q, CreateBatchResponse* r) override;
  Reply Recall(Ctx* c, const RecallRequest* q, RecallResponse* r) override;
  Reply GetCapability(Ctx* c, const CapabilityRequest* q, CapabilityResponse* r) override;
  Reply GetChainTable(Ctx* c, const ChainTableRequest* q, ChainTableResponse* r) override;

  // A call of the metadata wire (common/meta_wire.h): parses `request` as the method's request message,
  // runs the same handler as gRPC would, and serializes the response into *response on success.
  // INVALID_ARGUMENT (EPROTO) for a request that does not parse, UNIMPLEMENTED for an unknown method.
  Reply WireCall(const CallAuth& a, WireMethod method, std::string_view request, std::string* response);
  // The wire's port, announced in Mount and Keepalive replies; 0 = no wire.
  void set_wire_port(uint16_t port) { wire_port_ = port; }

 private:
  // One handler per session method, for both transports (the gRPC overrides pass CallAuth::Of).
  Reply DoKeepalive(const CallAuth& a, const KeepaliveRequest* q, KeepaliveResponse* r);
  Reply DoSync(const CallAuth& a, const SyncRequest* q, SyncResponse* r);
  // Hands back the released leases, then waits (at most kMaxRecallWaitMs) for recalls (DirLeases).
  Reply DoRecall(const CallAuth& a, const RecallRequest* q, RecallResponse* r);
  static constexpr uint32_t kMaxRecallWaitMs = 1000;
  Reply DoGetCapability(const CallAuth& a, const CapabilityRequest* q, CapabilityResponse* r);
  Reply DoCreate(const CallAuth& a, const CreateRequest* q, CreateResponse* r);
  Reply DoOpen(const CallAuth& a, const OpenRequest* q, OpenResponse* r);

  // A call carrying a session id: authorized for the session's tenant, then run.
  template <typename Req, typename Resp>
  Reply Read(const CallAuth& a, OpFn<Req, Resp> op, const Req* q, Resp* r);
  template <typename Req, typename Resp>
  Reply Mutate(const CallAuth& a, OpFn<Req, Resp> op, const Req* q, Resp* r);
  template <typename Req, typename Resp>
  Reply OpenWithCapability(const CallAuth& a, OpFn<Req, Resp> op, const Req* q, Resp* r, uint32_t open_flags);

  MetaCore* const core_;
  ClusterManager* const cluster_;
  const Auth* const auth_;
  const CapabilityIssuer* const caps_;
  const std::string version_;
  const int64_t start_ms_;
  std::atomic<uint16_t> wire_port_{0};
};

// Helpers for the synchronous services (Admin): a mutation waits for its group's commit.
template <typename Req, typename Resp>
grpc::Status MutateCall(grpc::ServerContext*, MetaCore* core, OpFn<Req, Resp> op, const Req* req, Resp* resp) {
  return ToGrpc(core->Run(op, *req, resp));
}

template <typename Req, typename Resp>
grpc::Status ReadCall(grpc::ServerContext*, MetaCore* core, OpFn<Req, Resp> op, const Req* req, Resp* resp) {
  return ToGrpc(core->Read(op, *req, resp));
}

// A call refused before it ran (auth).
inline grpc::Status RejectCall(grpc::ServerContext*, const grpc::Status& s) { return s; }

inline grpc::Status FinishCall(grpc::ServerContext*, const Status& s) { return ToGrpc(s); }

}  // namespace weft::meta
