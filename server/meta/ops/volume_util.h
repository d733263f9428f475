// Small helpers shared by the volume and session operations.
//
// Thread-safety: as OpContext (one op's thread).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "server/meta/op_context.h"
#include "weft/admin.pb.h"

namespace weft::meta::ops {

// The id of the live volume called name: ENOENT "no volume 'name'".
StatusOr<uint64_t> VolumeIdByName(OpContext& ctx, std::string_view name);
// The Admin view of a volume record.
Volume VolumeView(const rec::Volume& v);
// Bytes the bound volume may still grow by (the smaller of the volume's and the tenant's room,
// counting reservations); UINT64_MAX when neither has a byte quota.
StatusOr<uint64_t> FreeBytes(OpContext& ctx);

}  // namespace weft::meta::ops
