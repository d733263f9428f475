#include "server/meta/service/admin_service.h"

#include <memory>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/ops/ops.h"
#include "server/meta/service/meta_service.h"

namespace weft::meta {

AdminService::AdminService(MetaCore* core, ClusterManager* cluster, const Auth* auth, std::string version)
    : core_(core), cluster_(cluster), auth_(auth), version_(std::move(version)), start_ms_(MonoMs()) {}

using R = grpc::Status;
using C = grpc::ServerContext;

template <typename Req, typename Resp>
R AdminService::AdminMutate(C* c, OpFn<Req, Resp> op, const Req* q, Resp* r) {
  if (grpc::Status s = auth_->RequireAdmin(*c); !s.ok()) return RejectCall(c, s);
  return MutateCall(c, core_, op, q, r);
}

R AdminService::CreateTenant(C* c, const CreateTenantRequest* q, Tenant* r) {
  return AdminMutate(c, ops::CreateTenant, q, r);
}
R AdminService::GetTenant(C* c, const TenantRequest* q, Tenant* r) {
  if (grpc::Status s = auth_->ForTenant(*c, q->name()); !s.ok()) return RejectCall(c, s);
  return ReadCall(c, core_, ops::GetTenant, q, r);
}
R AdminService::ListTenants(C* c, const ListTenantsRequest* q, ListTenantsResponse* r) {
  if (grpc::Status s = auth_->RequireAdmin(*c); !s.ok()) return RejectCall(c, s);
  return ReadCall(c, core_, ops::ListTenants, q, r);
}
R AdminService::SetTenantQuota(C* c, const SetTenantQuotaRequest* q, Tenant* r) {
  return AdminMutate(c, ops::SetTenantQuota, q, r);
}
R AdminService::DeleteTenant(C* c, const TenantRequest* q, DeleteResponse* r) {
  return AdminMutate(c, ops::DeleteTenant, q, r);
}
R AdminService::CreateVolume(C* c, const CreateVolumeRequest* q, Volume* r) {
  return AdminMutate(c, ops::CreateVolume, q, r);
}
R AdminService::GetVolume(C* c, const VolumeRequest* q, Volume* r) {
  AuthResult a = auth_->Authenticate(*c);
  if (!a.ok()) return RejectCall(c, a.status);
  Status s = core_->Read(ops::GetVolume, *q, r);
  // A tenant token sees its own volumes only; another tenant's and a missing one look the same.
  if (!a.who.admin && (s.ok() || s.err() == ENOENT) && r->tenant() != a.who.tenant) {
    r->Clear();
    return RejectCall(c, Auth::VolumeDenied(a.who, q->name()));
  }
  return FinishCall(c, s);
}
R AdminService::ListVolumes(C* c, const ListVolumesRequest* q, ListVolumesResponse* r) {
  AuthResult a = auth_->Authenticate(*c);
  if (!a.ok()) return RejectCall(c, a.status);
  if (a.who.admin) return ReadCall(c, core_, ops::ListVolumes, q, r);
  if (!q->tenant().empty() && q->tenant() != a.who.tenant) {
    return RejectCall(c, Auth::Denied(fmt::format("token {} of tenant '{}' may list only its own volumes",
                                                  a.who.token_id, a.who.tenant)));
  }
  ListVolumesRequest own = *q;
  own.set_tenant(a.who.tenant);
  return FinishCall(c, core_->Read(ops::ListVolumes, own, r));
}
R AdminService::ResizeVolume(C* c, const ResizeVolumeRequest* q, Volume* r) {
  return AdminMutate(c, ops::ResizeVolume, q, r);
}
R AdminService::SetVolumeReadOnly(C* c, const SetReadOnlyRequest* q, Volume* r) {
  return AdminMutate(c, ops::SetVolumeReadOnly, q, r);
}
R AdminService::DeleteVolume(C* c, const VolumeRequest* q, DeleteResponse* r) {
  return AdminMutate(c, ops::DeleteVolume, q, r);
}
R AdminService::ListClasses(C* c, const ListClassesRequest* q, ListClassesResponse* r) {
  if (grpc::Status s = auth_->Authenticate(*c).status; !s.ok()) return RejectCall(c, s);
  return ReadCall(c, core_, ops::ListClasses, q, r);
}
R AdminService::GetClass(C* c, const ClassRequest* q, VolumeClass* r) {
  if (grpc::Status s = auth_->Authenticate(*c).status; !s.ok()) return RejectCall(c, s);
  return ReadCall(c, core_, ops::GetClass, q, r);
}

R AdminService::ClusterStatus(C* c, const ClusterStatusRequest*, ClusterStatusResponse* r) {
  if (grpc::Status s = auth_->RequireAdmin(*c); !s.ok()) return RejectCall(c, s);
  if (cluster_) cluster_->FillStatus(r);
  MetaCounts n = core_->Counts();
  r->set_volumes(n.volumes);
  r->set_tenants(n.tenants);
  r->set_sessions(n.sessions);
  r->set_gc_pending(n.gc_pending);
  r->set_meta_version(version_);
  r->set_meta_uptime_ms(static_cast<uint64_t>(MonoMs() - start_ms_));
  SequencerStats st = core_->sequencer().stats();
  r->set_meta_commits(st.groups);
  r->set_meta_synced_commits(st.synced_groups);
  r->set_meta_background_syncs(st.background_syncs);
  r->set_meta_requested_syncs(st.explicit_syncs);
  return FinishCall(c, Status::Ok());
}

R AdminService::GetServer(C* c, const ServerRequest* q, ServerResponse* r) {
  if (grpc::Status s = auth_->RequireAdmin(*c); !s.ok()) return RejectCall(c, s);
  if (!cluster_) return FinishCall(c, Err(ENOENT, "no chunk server with id {}", q->id()));
  auto s = cluster_->GetServer(q->id());
  if (s.ok()) *r = std::move(*s);
  return FinishCall(c, s.status());
}

// Persists the chain table with a synced write under the cluster lock: rare, and the admin waits for it.
R AdminService::DrainServer(C* c, const DrainServerRequest* q, ServerResponse* r) {
  if (grpc::Status s = auth_->RequireAdmin(*c); !s.ok()) return RejectCall(c, s);
  if (!cluster_) return FinishCall(c, Err(ENOENT, "no chunk server with id {}", q->id()));
  auto s = cluster_->Drain(q->id(), q->drain());
  if (s.ok()) *r = std::move(*s);
  return FinishCall(c, s.status());
}

R AdminService::IssueToken(C* c, const IssueTokenRequest* q, IssueTokenResponse* r) {
  if (grpc::Status s = auth_->RequireAdmin(*c); !s.ok()) return RejectCall(c, s);
  Status s = core_->Run(ops::IssueToken, *q, r);
  if (s.ok()) spdlog::info("issued token {} for tenant '{}'", r->token().id(), q->tenant());
  return ToGrpc(s);
}
R AdminService::RevokeToken(C* c, const RevokeTokenRequest* q, RevokeTokenResponse* r) {
  if (grpc::Status s = auth_->RequireAdmin(*c); !s.ok()) return RejectCall(c, s);
  Status s = core_->Run(ops::RevokeToken, *q, r);
  if (s.ok()) spdlog::info("revoked token {}", q->id());
  return ToGrpc(s);
}
R AdminService::ListTokens(C* c, const ListTokensRequest* q, ListTokensResponse* r) {
  AuthResult a = auth_->Authenticate(*c);
  if (!a.ok()) return RejectCall(c, a.status);
  if (a.who.admin) return ReadCall(c, core_, ops::ListTokens, q, r);
  if (!q->tenant().empty() && q->tenant() != a.who.tenant) {
    return RejectCall(c, Auth::Denied(fmt::format("token {} of tenant '{}' may list only its own tenant's tokens",
                                                  a.who.token_id, a.who.tenant)));
  }
  ListTokensRequest own = *q;
  own.set_tenant(a.who.tenant);
  return FinishCall(c, core_->Read(ops::ListTokens, own, r));
}

}  // namespace weft::meta
