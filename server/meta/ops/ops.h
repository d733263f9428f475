// Every metadata operation, one per file in this folder. Each is a body
//   Status Op(OpContext& ctx, const Request& req, Response* resp)
// that validates its input and either changes nothing (returns an error) or makes its whole change
// through ctx. Mutations run on the sequencer (ctx.mutating()); reads run on the caller's thread
// against the committed store. Every error is one errno (common/status.h); the client maps it 1:1.
//
// Thread-safety: bodies are called by the sequencer (mutations) or by any thread (reads).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "server/meta/op_context.h"
#include "weft/admin.pb.h"
#include "weft/meta.pb.h"

namespace weft::meta::ops {

// --- Sessions (session.cc) ---
Status Mount(OpContext& ctx, const MountRequest& req, MountResponse* resp);
Status Unmount(OpContext& ctx, const UnmountRequest& req, UnmountResponse* resp);
// Mount for a caller authenticated with a token: EACCES unless the volume belongs to req.tenant()
// ("" = the admin token, any volume). A missing volume is EACCES too, so a tenant learns nothing of
// other tenants' volume names.
Status TenantMount(OpContext& ctx, const rec::TenantMount& req, MountResponse* resp);
// Ends a session whose TTL passed (a no-op when it was renewed meanwhile or is already gone).
Status ExpireSession(OpContext& ctx, uint64_t session_id);
// Ends a session: closes its handles, forgets its replies, drops its mount counts.
Status EndSession(OpContext& ctx, const rec::Session& session);

// --- Reads (lookup.cc, getattr.cc, readdir.cc, readlink.cc, xattr.cc, statfs.cc) ---
Status Lookup(OpContext& ctx, const LookupRequest& req, AttrResponse* resp);
Status GetAttr(OpContext& ctx, const GetAttrRequest& req, AttrResponse* resp);
Status ReadDir(OpContext& ctx, const ReadDirRequest& req, ReadDirResponse* resp);
Status Readlink(OpContext& ctx, const ReadlinkRequest& req, ReadlinkResponse* resp);
Status GetXattr(OpContext& ctx, const XattrRequest& req, XattrResponse* resp);
Status ListXattr(OpContext& ctx, const XattrRequest& req, XattrResponse* resp);
Status StatFs(OpContext& ctx, const StatFsRequest& req, StatFsResponse* resp);

// --- Namespace mutations ---
Status SetAttr(OpContext& ctx, const SetAttrRequest& req, AttrResponse* resp);        // setattr.cc
Status Create(OpContext& ctx, const CreateRequest& req, CreateResponse* resp);        // create.cc
Status Mkdir(OpContext& ctx, const MkdirRequest& req, AttrResponse* resp);            // mkdir.cc
Status Unlink(OpContext& ctx, const UnlinkRequest& req, UnlinkResponse* resp);        // unlink.cc
Status Rmdir(OpContext& ctx, const RmdirRequest& req, RmdirResponse* resp);           // rmdir.cc
Status Rename(OpContext& ctx, const RenameRequest& req, RenameResponse* resp);        // rename.cc
Status Link(OpContext& ctx, const LinkRequest& req, AttrResponse* resp);              // link.cc
Status Symlink(OpContext& ctx, const SymlinkRequest& req, AttrResponse* resp);        // symlink.cc
Status SetXattr(OpContext& ctx, const XattrRequest& req, XattrResponse* resp);        // xattr.cc
Status RemoveXattr(OpContext& ctx, const XattrRequest& req, XattrResponse* resp);     // xattr.cc
Status Open(OpContext& ctx, const OpenRequest& req, OpenResponse* resp);              // open_close.cc
Status Close(OpContext& ctx, const CloseRequest& req, CloseResponse* resp);           // open_close.cc
Status Commit(OpContext& ctx, const CommitRequest& req, AttrResponse* resp);          // grant_commit.cc
Status Grant(OpContext& ctx, const GrantRequest& req, GrantResponse* resp);           // grant_commit.cc
// Deferred creates (deferred_create.cc; docs/async-creates.md): a session's inode reservation, charged
// to the quotas at once (a new one returns what is left of the last), and the creates it answered itself.
inline constexpr uint32_t kMaxInodeReservation = 4096;
inline constexpr uint32_t kMaxCreateBatch = 1024;
Status ReserveInodes(OpContext& ctx, const ReserveInodesRequest& req, ReserveInodesResponse* resp);
Status CreateBatch(OpContext& ctx, const CreateBatchRequest& req, CreateBatchResponse* resp);
// The checks of GetCapability (the gRPC edge mints the capability once they pass).  // capability.cc
Status GetCapability(OpContext& ctx, const CapabilityRequest& req, CapabilityResponse* resp);

// --- Tenants (tenant.cc) ---
Status CreateTenant(OpContext& ctx, const CreateTenantRequest& req, Tenant* resp);
Status GetTenant(OpContext& ctx, const TenantRequest& req, Tenant* resp);
Status ListTenants(OpContext& ctx, const ListTenantsRequest& req, ListTenantsResponse* resp);
Status SetTenantQuota(OpContext& ctx, const SetTenantQuotaRequest& req, Tenant* resp);
Status DeleteTenant(OpContext& ctx, const TenantRequest& req, DeleteResponse* resp);

// --- Tokens (token.cc) ---
Status IssueToken(OpContext& ctx, const IssueTokenRequest& req, IssueTokenResponse* resp);
Status RevokeToken(OpContext& ctx, const RevokeTokenRequest& req, RevokeTokenResponse* resp);
Status ListTokens(OpContext& ctx, const ListTokensRequest& req, ListTokensResponse* resp);
// Stores req.hash as the admin token's (id 0).
Status SetAdminToken(OpContext& ctx, const rec::Token& req, rec::Token* resp);
// Deletes every token of a tenant (DeleteTenant).
Status DeleteTenantTokens(OpContext& ctx, const std::string& tenant);

// --- Volumes (volume_create.cc, volume.cc, volume_delete.cc) and classes ---
Status CreateVolume(OpContext& ctx, const CreateVolumeRequest& req, Volume* resp);
Status GetVolume(OpContext& ctx, const VolumeRequest& req, Volume* resp);
Status ListVolumes(OpContext& ctx, const ListVolumesRequest& req, ListVolumesResponse* resp);
Status ResizeVolume(OpContext& ctx, const ResizeVolumeRequest& req, Volume* resp);
Status SetVolumeReadOnly(OpContext& ctx, const SetReadOnlyRequest& req, Volume* resp);
Status DeleteVolume(OpContext& ctx, const VolumeRequest& req, DeleteResponse* resp);
Status ListClasses(OpContext& ctx, const ListClassesRequest& req, ListClassesResponse* resp);
Status GetClass(OpContext& ctx, const ClassRequest& req, VolumeClass* resp);

// --- Garbage collection (gc_ops.cc, volume_purge.cc) ---
// Forgets inodes whose data is gone: deletes their inode records and G keys.
Status FinishGc(OpContext& ctx, const std::vector<uint64_t>& inos);
// Removes up to purge_step_entries entries of a deleted volume's namespace; *done once it is gone
// (the volume record is deleted with the last step).
Status PurgeVolumeStep(OpContext& ctx, uint64_t volume_id, bool* done);

}  // namespace weft::meta::ops
