// Client sessions: Mount creates one (S record, mount counts in the volume), Unmount and expiry end it.
#include "common/clock.h"
#include "server/meta/dir_leases.h"
#include "server/meta/keys.h"
#include "server/meta/ops/handles.h"
#include "server/meta/ops/ops.h"
#include "server/meta/ops/volume_util.h"
#include "server/meta/session_table.h"

namespace weft::meta::ops {

Status Mount(OpContext& ctx, const MountRequest& req, MountResponse* resp) {
  auto id = VolumeIdByName(ctx, req.volume());
  if (!id.ok()) return id.status();
  RETURN_IF_ERROR(ctx.BindVolume(*id));
  rec::Volume& v = ctx.volume();
  const bool read_only = req.read_only() || v.info().read_only();
  if (!read_only && v.info().access_mode() == ACCESS_EXCLUSIVE && v.writer_mounts() > 0) {
    return Err(EBUSY, "volume '{}' is exclusive and already mounted read-write by another client", req.volume());
  }
  auto root = ctx.GetInode(v.info().root_ino());
  if (!root.ok()) return root.status();
  auto sid = ctx.NextId(keys::kSessionCounter);
  if (!sid.ok()) return sid.status();
  rec::Session s;
  s.set_id(*sid);
  s.set_volume_id(*id);
  s.set_client(req.client());
  s.set_read_only(read_only);
  s.set_created_ms(NowUnixMs());
  ctx.Put(keys::Session(*sid), s);
  v.mutable_info()->set_mounts(v.info().mounts() + 1);
  if (!read_only) v.set_writer_mounts(v.writer_mounts() + 1);
  ctx.MarkVolumeDirty();

  resp->set_volume_id(*id);
  resp->set_root_ino(v.info().root_ino());
  resp->set_session_id(*sid);
  resp->set_read_only(read_only);
  resp->set_chunk_size(v.info().chunk_size());
  *resp->mutable_root() = root->attr();
  if (SessionTable* table = ctx.env().sessions) {
    resp->set_session_ttl_ms(table->ttl_ms());
    ctx.OnCommit([table, sid = *sid, vid = *id] { table->Add(sid, vid); });
  } else {
    resp->set_session_ttl_ms(ctx.options().session_ttl_ms);
  }
  return Status::Ok();
}

Status TenantMount(OpContext& ctx, const rec::TenantMount& req, MountResponse* resp) {
  if (!req.tenant().empty()) {
    const std::string& name = req.request().volume();
    auto id = VolumeIdByName(ctx, name);
    if (!id.ok() && id.status().err() != ENOENT) return id.status();
    std::optional<rec::Volume> v;
    if (id.ok()) {
      auto found = ctx.Find<rec::Volume>(keys::Volume(*id));
      if (!found.ok()) return found.status();
      v = std::move(*found);
    }
    if (!v || v->info().tenant() != req.tenant()) {
      return Err(EACCES, "token {} of tenant '{}' has no access to volume '{}'", req.token_id(), req.tenant(), name);
    }
  }
  return Mount(ctx, req.request(), resp);
}

Status EndSession(OpContext& ctx, const rec::Session& session) {
  const uint64_t sid = session.id();
  // Handles: every open file of the session closes (reservations return, orphans go to GC).
  std::string hp = keys::HandlePrefix(sid);
  std::vector<rec::Handle> handles;
  {
    auto it = ctx.reader().Scan(hp, keys::PrefixEnd(hp));
    for (; it->Valid(); it->Next()) {
      rec::Handle h;
      if (!h.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return Err(EIO, "corrupt handle record of session {}", sid);
      }
      handles.push_back(std::move(h));
    }
    RETURN_IF_ERROR(it->status());
  }
  for (const auto& h : handles) RETURN_IF_ERROR(ReleaseHandle(ctx, h));
  // Remembered replies go with the session.
  std::string rp = keys::ReplyPrefix(sid);
  std::vector<std::string> replies;
  {
    auto it = ctx.reader().Scan(rp, keys::PrefixEnd(rp));
    for (; it->Valid(); it->Next()) replies.emplace_back(it->key());
    RETURN_IF_ERROR(it->status());
  }
  for (const auto& k : replies) ctx.Delete(k);
  ctx.Delete(keys::Session(sid));
  // Inodes reserved for deferred creates and not used go back to the quotas.
  if (session.ino_charged() > 0) RETURN_IF_ERROR(ctx.Charge(0, -static_cast<int64_t>(session.ino_charged()), 0));
  rec::Volume& v = ctx.volume();
  v.mutable_info()->set_mounts(v.info().mounts() > 0 ? v.info().mounts() - 1 : 0);
  if (!session.read_only() && v.writer_mounts() > 0) v.set_writer_mounts(v.writer_mounts() - 1);
  ctx.MarkVolumeDirty();
  if (SessionTable* table = ctx.env().sessions) ctx.OnCommit([table, sid] { table->Remove(sid); });
  if (DirLeases* leases = ctx.env().leases) ctx.OnCommit([leases, sid] { leases->SessionEnded(sid); });
  return Status::Ok();
}

namespace {

// Ends session_id if it exists. *found tells whether it did.
Status EndIfPresent(OpContext& ctx, uint64_t session_id) {
  auto s = ctx.Find<rec::Session>(keys::Session(session_id));
  if (!s.ok()) return s.status();
  if (!s->has_value()) return Status::Ok();
  RETURN_IF_ERROR(ctx.BindVolume((*s)->volume_id(), /*allow_deleting=*/true));
  return EndSession(ctx, **s);
}

}  // namespace

Status Unmount(OpContext& ctx, const UnmountRequest& req, UnmountResponse*) {
  // Idempotent: unmounting an unknown (already ended) session succeeds.
  return EndIfPresent(ctx, req.session_id());
}

Status ExpireSession(OpContext& ctx, uint64_t session_id) {
  // Renewed between the reaper's look and now: nothing to do.
  if (SessionTable* table = ctx.env().sessions; table && !table->IsExpired(session_id, MonoMs())) {
    return Status::Ok();
  }
  return EndIfPresent(ctx, session_id);
}

}  // namespace weft::meta::ops
