#include "server/meta/service/admin_service.h"

#include "common/clock.h"
#include "server/meta/cluster/cluster_manager.h"
#include "server/meta/ops/ops.h"
#include "server/meta/service/meta_service.h"

namespace weft::meta {

AdminService::AdminService(MetaCore* core, ClusterManager* cluster, std::string version)
    : core_(core), cluster_(cluster), version_(std::move(version)), start_ms_(MonoMs()) {}

using R = grpc::ServerUnaryReactor;
using C = grpc::CallbackServerContext;

R* AdminService::CreateTenant(C* c, const CreateTenantRequest* q, Tenant* r) {
  return MutateCall(c, core_, ops::CreateTenant, q, r);
}
R* AdminService::GetTenant(C* c, const TenantRequest* q, Tenant* r) { return ReadCall(c, core_, ops::GetTenant, q, r); }
R* AdminService::ListTenants(C* c, const ListTenantsRequest* q, ListTenantsResponse* r) {
  return ReadCall(c, core_, ops::ListTenants, q, r);
}
R* AdminService::SetTenantQuota(C* c, const SetTenantQuotaRequest* q, Tenant* r) {
  return MutateCall(c, core_, ops::SetTenantQuota, q, r);
}
R* AdminService::DeleteTenant(C* c, const TenantRequest* q, DeleteResponse* r) {
  return MutateCall(c, core_, ops::DeleteTenant, q, r);
}
R* AdminService::CreateVolume(C* c, const CreateVolumeRequest* q, Volume* r) {
  return MutateCall(c, core_, ops::CreateVolume, q, r);
}
R* AdminService::GetVolume(C* c, const VolumeRequest* q, Volume* r) { return ReadCall(c, core_, ops::GetVolume, q, r); }
R* AdminService::ListVolumes(C* c, const ListVolumesRequest* q, ListVolumesResponse* r) {
  return ReadCall(c, core_, ops::ListVolumes, q, r);
}
R* AdminService::ResizeVolume(C* c, const ResizeVolumeRequest* q, Volume* r) {
  return MutateCall(c, core_, ops::ResizeVolume, q, r);
}
R* AdminService::SetVolumeReadOnly(C* c, const SetReadOnlyRequest* q, Volume* r) {
  return MutateCall(c, core_, ops::SetVolumeReadOnly, q, r);
}
R* AdminService::DeleteVolume(C* c, const VolumeRequest* q, DeleteResponse* r) {
  return MutateCall(c, core_, ops::DeleteVolume, q, r);
}
R* AdminService::ListClasses(C* c, const ListClassesRequest* q, ListClassesResponse* r) {
  return ReadCall(c, core_, ops::ListClasses, q, r);
}
R* AdminService::GetClass(C* c, const ClassRequest* q, VolumeClass* r) { return ReadCall(c, core_, ops::GetClass, q, r); }

R* AdminService::ClusterStatus(C* c, const ClusterStatusRequest*, ClusterStatusResponse* r) {
  if (cluster_) cluster_->FillStatus(r);
  MetaCounts n = core_->Counts();
  r->set_volumes(n.volumes);
  r->set_tenants(n.tenants);
  r->set_sessions(n.sessions);
  r->set_gc_pending(n.gc_pending);
  r->set_meta_version(version_);
  r->set_meta_uptime_ms(static_cast<uint64_t>(MonoMs() - start_ms_));
  return FinishCall(c, Status::Ok());
}

R* AdminService::GetServer(C* c, const ServerRequest* q, ServerResponse* r) {
  if (!cluster_) return FinishCall(c, Err(ENOENT, "no chunk server with id {}", q->id()));
  auto s = cluster_->GetServer(q->id());
  if (s.ok()) *r = std::move(*s);
  return FinishCall(c, s.status());
}

}  // namespace weft::meta
