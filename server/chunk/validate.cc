#include "server/chunk/validate.h"

#include "common/crc32c.h"

namespace weft::chunk {
namespace {

Status CheckRouting(bool has_chunk, bool has_chain, uint32_t hop, const RequestLimits& limits) {
  if (!has_chunk) return Err(EINVAL, "request without a chunk id");
  if (!has_chain) return Err(EINVAL, "request without a chain reference");
  if (hop > limits.max_hop) return Err(EINVAL, "hop {} exceeds the longest chain ({})", hop, limits.max_hop);
  return Status::Ok();
}

Status CheckChunkSize(uint32_t chunk_size, const RequestLimits& limits) {
  if (chunk_size == 0 || chunk_size % kCrcBlock != 0 || chunk_size > limits.max_chunk_size) {
    return Err(EINVAL, "chunk_size {} is not a multiple of {} up to {}", chunk_size, kCrcBlock,
               limits.max_chunk_size);
  }
  return Status::Ok();
}

}  // namespace

Status ValidateWrite(const WriteRequest& req, uint32_t payload_len, const RequestLimits& limits) {
  RETURN_IF_ERROR(CheckRouting(req.has_chunk(), req.has_chain(), req.hop(), limits));
  RETURN_IF_ERROR(CheckChunkSize(req.chunk_size(), limits));
  if (req.length() == 0) return Err(EINVAL, "write of 0 bytes");
  if (req.length() != payload_len) {
    return Err(EINVAL, "write length {} but a payload of {} bytes", req.length(), payload_len);
  }
  if (uint64_t{req.offset()} + req.length() > req.chunk_size()) {
    return Err(EINVAL, "write [{}, +{}) past the chunk size {}", req.offset(), req.length(), req.chunk_size());
  }
  size_t want = (size_t{req.length()} + kCrcBlock - 1) / kCrcBlock;
  if (static_cast<size_t>(req.crcs_size()) != want) {
    return Err(EINVAL, "write of {} bytes with {} crcs (want {})", req.length(), req.crcs_size(), want);
  }
  if ((req.hop() > 0) != (req.update_version() > 0)) {
    return Err(EINVAL, "update_version {} at hop {}: set by the head only", req.update_version(), req.hop());
  }
  return Status::Ok();
}

Status ValidateRead(const ReadRequest& req, const RequestLimits& limits) {
  RETURN_IF_ERROR(CheckRouting(req.has_chunk(), req.has_chain(), 0, limits));
  if (req.whole_chunk()) return Status::Ok();
  if (uint64_t{req.offset()} + req.length() > limits.max_chunk_size) {
    return Err(EINVAL, "read [{}, +{}) past the largest chunk size {}", req.offset(), req.length(),
               limits.max_chunk_size);
  }
  return Status::Ok();
}

Status ValidateTruncate(const TruncateRequest& req, const RequestLimits& limits) {
  RETURN_IF_ERROR(CheckRouting(req.has_chunk(), req.has_chain(), req.hop(), limits));
  if (req.chunk_size() != 0) RETURN_IF_ERROR(CheckChunkSize(req.chunk_size(), limits));
  uint32_t bound = req.chunk_size() ? req.chunk_size() : limits.max_chunk_size;
  if (req.length() > bound) return Err(EINVAL, "truncate to {} past the chunk size {}", req.length(), bound);
  if ((req.hop() > 0) != (req.update_version() > 0)) {
    return Err(EINVAL, "update_version {} at hop {}: set by the head only", req.update_version(), req.hop());
  }
  return Status::Ok();
}

Status ValidateRemove(const RemoveRequest& req, const RequestLimits& limits) {
  return CheckRouting(req.has_chunk(), req.has_chain(), req.hop(), limits);
}

Status ValidateList(const ListRequest& req) {
  if (!req.has_chain()) return Err(EINVAL, "list request without a chain");
  return Status::Ok();
}

}  // namespace weft::chunk
