// How tests reach weft-meta: in process (CoreTransport: MetaCore::Run/Read, the sequencer and the ops
// exactly as the server runs them) or over gRPC (GrpcTransport: a real weft-meta). One method per RPC,
// generated from one list so both stay complete.
//
// Thread-safety: both transports are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "common/tls.h"
#include "weft/admin.grpc.pb.h"
#include "weft/meta.grpc.pb.h"

namespace weft::meta {
class MetaCore;
}

namespace weft::meta::test {

// X(kind, service, Name, Request, Response): kind is M (sequenced mutation), R (read), K (keepalive) or
// S (sync of the log).
#define WEFT_META_TEST_CALLS(X)                                            \
  X(M, Meta, Mount, MountRequest, MountResponse)                           \
  X(K, Meta, Keepalive, KeepaliveRequest, KeepaliveResponse)               \
  X(M, Meta, Unmount, UnmountRequest, UnmountResponse)                     \
  X(R, Meta, Lookup, LookupRequest, AttrResponse)                          \
  X(R, Meta, GetAttr, GetAttrRequest, AttrResponse)                        \
  X(M, Meta, SetAttr, SetAttrRequest, AttrResponse)                        \
  X(M, Meta, Create, CreateRequest, CreateResponse)                        \
  X(M, Meta, Mkdir, MkdirRequest, AttrResponse)                            \
  X(M, Meta, Unlink, UnlinkRequest, UnlinkResponse)                        \
  X(M, Meta, Rmdir, RmdirRequest, RmdirResponse)                           \
  X(M, Meta, Rename, RenameRequest, RenameResponse)                        \
  X(M, Meta, Link, LinkRequest, AttrResponse)                              \
  X(M, Meta, Symlink, SymlinkRequest, AttrResponse)                        \
  X(R, Meta, Readlink, ReadlinkRequest, ReadlinkResponse)                  \
  X(R, Meta, ReadDir, ReadDirRequest, ReadDirResponse)                     \
  X(R, Meta, GetXattr, XattrRequest, XattrResponse)                        \
  X(M, Meta, SetXattr, XattrRequest, XattrResponse)                        \
  X(R, Meta, ListXattr, XattrRequest, XattrResponse)                       \
  X(M, Meta, RemoveXattr, XattrRequest, XattrResponse)                     \
  X(R, Meta, StatFs, StatFsRequest, StatFsResponse)                        \
  X(M, Meta, Open, OpenRequest, OpenResponse)                              \
  X(M, Meta, Close, CloseRequest, CloseResponse)                           \
  X(M, Meta, Commit, CommitRequest, AttrResponse)                          \
  X(M, Meta, Grant, GrantRequest, GrantResponse)                           \
  X(S, Meta, Sync, SyncRequest, SyncResponse)                              \
  X(M, Meta, ReserveInodes, ReserveInodesRequest, ReserveInodesResponse)   \
  X(M, Meta, CreateBatch, CreateBatchRequest, CreateBatchResponse)         \
  X(M, Admin, CreateTenant, CreateTenantRequest, Tenant)                   \
  X(R, Admin, GetTenant, TenantRequest, Tenant)                            \
  X(R, Admin, ListTenants, ListTenantsRequest, ListTenantsResponse)        \
  X(M, Admin, SetTenantQuota, SetTenantQuotaRequest, Tenant)               \
  X(M, Admin, DeleteTenant, TenantRequest, DeleteResponse)                 \
  X(M, Admin, CreateVolume, CreateVolumeRequest, Volume)                   \
  X(R, Admin, GetVolume, VolumeRequest, Volume)                            \
  X(R, Admin, ListVolumes, ListVolumesRequest, ListVolumesResponse)        \
  X(M, Admin, ResizeVolume, ResizeVolumeRequest, Volume)                   \
  X(M, Admin, SetVolumeReadOnly, SetReadOnlyRequest, Volume)               \
  X(M, Admin, DeleteVolume, VolumeRequest, DeleteResponse)                 \
  X(R, Admin, ListClasses, ListClassesRequest, ListClassesResponse)        \
  X(R, Admin, GetClass, ClassRequest, VolumeClass)                         \
  X(M, Admin, IssueToken, IssueTokenRequest, IssueTokenResponse)           \
  X(M, Admin, RevokeToken, RevokeTokenRequest, RevokeTokenResponse)        \
  X(R, Admin, ListTokens, ListTokensRequest, ListTokensResponse)

class Transport {
 public:
  virtual ~Transport() = default;
#define WEFT_DECLARE_CALL(kind, service, Name, Req, Resp) virtual Status Name(const Req& req, Resp* resp) = 0;
  WEFT_META_TEST_CALLS(WEFT_DECLARE_CALL)
#undef WEFT_DECLARE_CALL
};

// In process, over a MetaCore (not owned).
std::unique_ptr<Transport> NewCoreTransport(MetaCore* core);
// Over gRPC to address (a new channel; TLS with tls, null = plain text), every call with the bearer token
// (admin or tenant; "" = none) and a deadline of timeout_ms.
std::unique_ptr<Transport> NewGrpcTransport(const std::string& address, const Tls* tls, const std::string& token,
                                            int timeout_ms = 10000);
// Every session call over the metadata wire (common/meta_wire.h), on the port the Mount reply names, and
// the rest (Mount, Unmount, Admin) over gRPC. Never falls back: a call the wire did not carry fails EPIPE,
// so tests see the wire itself.
std::unique_ptr<Transport> NewWireTransport(const std::string& address, const std::string& token,
                                            int timeout_ms = 10000);

}  // namespace weft::meta::test
