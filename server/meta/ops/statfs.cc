// StatFs: a volume's size is its quota (or, without one, its tenant's; else 1 PiB), free is what
// neither the volume nor the tenant quota has used or reserved yet.
#include "server/meta/names.h"
#include "server/meta/ops/ops.h"
#include "server/meta/ops/volume_util.h"

namespace weft::meta::ops {
namespace {
constexpr uint64_t kUnlimitedBytes = 1ull << 50;   // 1 PiB
constexpr uint64_t kUnlimitedInodes = 1ull << 32;
}  // namespace

Status StatFs(OpContext& ctx, const StatFsRequest& req, StatFsResponse* resp) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  auto tenant = ctx.tenant();
  if (!tenant.ok()) return tenant.status();
  const Volume& v = ctx.volume().info();
  const Tenant& t = (*tenant)->info();
  uint64_t total = v.quota().bytes() ? v.quota().bytes() : (t.quota().bytes() ? t.quota().bytes() : kUnlimitedBytes);
  uint64_t used = v.usage().bytes() + v.usage().reserved_bytes();
  uint64_t free = used >= total ? 0 : total - used;
  auto room = FreeBytes(ctx);
  if (!room.ok()) return room.status();
  free = std::min(free, *room);
  uint64_t itotal = v.quota().inodes() ? v.quota().inodes() : (t.quota().inodes() ? t.quota().inodes() : kUnlimitedInodes);
  uint64_t ifree = v.usage().inodes() >= itotal ? 0 : itotal - v.usage().inodes();
  if (t.quota().inodes()) ifree = std::min(ifree, t.quota().inodes() > t.usage().inodes() ? t.quota().inodes() - t.usage().inodes() : 0);
  resp->set_total_bytes(total);
  resp->set_free_bytes(free);
  resp->set_total_inodes(itotal);
  resp->set_free_inodes(ifree);
  resp->set_block_size(4096);
  resp->set_name_max(static_cast<uint32_t>(kNameMax));
  return Status::Ok();
}

}  // namespace weft::meta::ops
