// FinishGc: the GC worker removed the data of these inodes; forget them (inode record and G key).
#include "server/meta/keys.h"
#include "server/meta/ops/ops.h"

namespace weft::meta::ops {

Status FinishGc(OpContext& ctx, const std::vector<uint64_t>& inos) {
  for (uint64_t ino : inos) {
    auto g = ctx.reader().Get(keys::Gc(ino));
    if (!g.ok()) return g.status();
    if (!g->has_value()) continue;
    ctx.Delete(keys::Gc(ino));
    ctx.Delete(keys::Inode(ino));
  }
  return Status::Ok();
}

}  // namespace weft::meta::ops
