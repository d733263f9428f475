#include "common/grpc_status.h"

#include <charconv>

namespace weft {

grpc::StatusCode GrpcCodeFor(int err) {
  switch (err) {
    case 0: return grpc::StatusCode::OK;
    case ENOENT: case ENODATA: return grpc::StatusCode::NOT_FOUND;
    case EEXIST: return grpc::StatusCode::ALREADY_EXISTS;
    case EDQUOT: case ENOSPC: case EMLINK: case EFBIG: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case EACCES: case EPERM: return grpc::StatusCode::PERMISSION_DENIED;
    case EINVAL: case ENAMETOOLONG: case ERANGE: return grpc::StatusCode::INVALID_ARGUMENT;
    case ENOTEMPTY: case EROFS: case EBUSY: case ENOTDIR: case EISDIR: case EXDEV: case ELOOP:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case ETIMEDOUT: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case EAGAIN: case ECONNREFUSED: case ENOTCONN: case ESHUTDOWN: case EHOSTUNREACH:
      return grpc::StatusCode::UNAVAILABLE;
    case ESTALE: return grpc::StatusCode::ABORTED;
    case ENOSYS: case EOPNOTSUPP: return grpc::StatusCode::UNIMPLEMENTED;
    case ECANCELED: return grpc::StatusCode::CANCELLED;
    default: return grpc::StatusCode::INTERNAL;
  }
}

grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(GrpcCodeFor(s.err()), s.message(), std::to_string(s.err()));
}

Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return Status::Ok();
  const std::string& d = s.error_details();
  int err = 0;
  auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), err);
  if (ec == std::errc() && p == d.data() + d.size() && err > 0) return Status(err, s.error_message());
  switch (s.error_code()) {
    case grpc::StatusCode::NOT_FOUND: err = ENOENT; break;
    case grpc::StatusCode::ALREADY_EXISTS: err = EEXIST; break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: err = ENOSPC; break;
    case grpc::StatusCode::PERMISSION_DENIED: err = EACCES; break;
    case grpc::StatusCode::UNAUTHENTICATED: err = EACCES; break;
    case grpc::StatusCode::INVALID_ARGUMENT: err = EINVAL; break;
    case grpc::StatusCode::DEADLINE_EXCEEDED: err = ETIMEDOUT; break;
    case grpc::StatusCode::UNAVAILABLE: err = ENOTCONN; break;
    case grpc::StatusCode::CANCELLED: err = ECANCELED; break;
    case grpc::StatusCode::UNIMPLEMENTED: err = ENOSYS; break;
    case grpc::StatusCode::ABORTED: err = ESTALE; break;
    default: err = EIO; break;
  }
  std::string msg = s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE && msg.empty()) msg = "metadata service unavailable";
  return Status(err, msg);
}

}  // namespace weft
