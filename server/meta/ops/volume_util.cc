#include "server/meta/ops/volume_util.h"

#include "server/meta/keys.h"

namespace weft::meta::ops {

StatusOr<uint64_t> VolumeIdByName(OpContext& ctx, std::string_view name) {
  auto v = ctx.reader().Get(keys::VolumeName(name));
  if (!v.ok()) return v.status();
  if (!v->has_value() || (*v)->size() != 8) return Err(ENOENT, "no volume '{}'", name);
  return keys::DecodeU64(**v);
}

Volume VolumeView(const rec::Volume& v) { return v.info(); }

StatusOr<uint64_t> FreeBytes(OpContext& ctx) {
  auto room = [](const Quota& q, const Usage& u) -> uint64_t {
    if (q.bytes() == 0) return UINT64_MAX;
    uint64_t used = u.bytes() + u.reserved_bytes();
    return used >= q.bytes() ? 0 : q.bytes() - used;
  };
  auto t = ctx.tenant();
  if (!t.ok()) return t.status();
  const Volume& v = ctx.volume().info();
  return std::min(room(v.quota(), v.usage()), room((*t)->info().quota(), (*t)->info().usage()));
}

}  // namespace weft::meta::ops
