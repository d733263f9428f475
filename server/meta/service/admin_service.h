// The weft.Admin gRPC service: tenants, volumes, classes and tokens through the core (mutations
// sequenced, reads inline), cluster status from the cluster manager plus the core's counts. Each method
// is authorized first (service/auth.h): the admin token for everything; a tenant token for its own
// tenant's GetTenant, GetVolume, ListVolumes, ListTokens, and for ListClasses/GetClass.
//
// Thread-safety: thread-safe.
#pragma once

#include <string>

#include "server/meta/core.h"
#include "server/meta/service/auth.h"
#include "weft/admin.grpc.pb.h"

namespace weft::meta {

class ClusterManager;

class AdminService final : public Admin::Service {
 public:
  // core, cluster (may be null) and auth are not owned.
  AdminService(MetaCore* core, ClusterManager* cluster, const Auth* auth, std::string version);

  using Ctx = grpc::ServerContext;
  using Reply = grpc::Status;

  Reply CreateTenant(Ctx* c, const CreateTenantRequest* q, Tenant* r) override;
  Reply GetTenant(Ctx* c, const TenantRequest* q, Tenant* r) override;
  Reply ListTenants(Ctx* c, const ListTenantsRequest* q, ListTenantsResponse* r) override;
  Reply SetTenantQuota(Ctx* c, const SetTenantQuotaRequest* q, Tenant* r) override;
  Reply DeleteTenant(Ctx* c, const TenantRequest* q, DeleteResponse* r) override;
  Reply CreateVolume(Ctx* c, const CreateVolumeRequest* q, Volume* r) override;
  Reply GetVolume(Ctx* c, const VolumeRequest* q, Volume* r) override;
  Reply ListVolumes(Ctx* c, const ListVolumesRequest* q, ListVolumesResponse* r) override;
  Reply ResizeVolume(Ctx* c, const ResizeVolumeRequest* q, Volume* r) override;
  Reply SetVolumeReadOnly(Ctx* c, const SetReadOnlyRequest* q, Volume* r) override;
  Reply DeleteVolume(Ctx* c, const VolumeRequest* q, DeleteResponse* r) override;
  Reply ListClasses(Ctx* c, const ListClassesRequest* q, ListClassesResponse* r) override;
  Reply GetClass(Ctx* c, const ClassRequest* q, VolumeClass* r) override;
  Reply ClusterStatus(Ctx* c, const ClusterStatusRequest* q, ClusterStatusResponse* r) override;
  Reply GetServer(Ctx* c, const ServerRequest* q, ServerResponse* r) override;
  Reply DrainServer(Ctx* c, const DrainServerRequest* q, ServerResponse* r) override;
  Reply IssueToken(Ctx* c, const IssueTokenRequest* q, IssueTokenResponse* r) override;
  Reply RevokeToken(Ctx* c, const RevokeTokenRequest* q, RevokeTokenResponse* r) override;
  Reply ListTokens(Ctx* c, const ListTokensRequest* q, ListTokensResponse* r) override;

 private:
  MetaCore* const core_;
  // An admin-token call: authorized, then the op.
  template <typename Req, typename Resp>
  Reply AdminMutate(Ctx* c, OpFn<Req, Resp> op, const Req* q, Resp* r);

  ClusterManager* const cluster_;
  const Auth* const auth_;
  const std::string version_;
  const int64_t start_ms_;
};

}  // namespace weft::meta
