// Status <-> grpc::Status, the one place the two error models meet. The errno travels exactly in
// error_details (decimal text); a gRPC status without it (transport failures, deadlines) maps by code.
//
// Thread-safety: pure functions.
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace weft {

grpc::Status ToGrpc(const Status& s);
Status FromGrpc(const grpc::Status& s);

// The gRPC code an errno travels as (ENOENT -> NOT_FOUND, EDQUOT -> RESOURCE_EXHAUSTED, ...).
grpc::StatusCode GrpcCodeFor(int err);

}  // namespace weft
