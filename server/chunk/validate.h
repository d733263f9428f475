// Validation of data-plane requests before any work is done. Pure functions, unit-tested
// (test/chunk/validate_test.cc). Every failure is EINVAL with a message naming the field.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "weft/data.pb.h"

namespace weft::chunk {

struct RequestLimits {
  uint32_t max_chunk_size = 16u << 20;  // largest chunk (and so largest read or write); default 16 MiB
  uint32_t max_hop = 15;                // longest chain a request may travel; default 15
};

// A write of payload_len bytes. Checks the chunk id and chain ref are present, 0 < length ==
// payload_len, chunk_size a multiple of 4 KiB within the limit, offset + length <= chunk_size, one CRC per
// 4 KiB piece of the payload, hop within the limit, update_version set exactly when hop > 0.
Status ValidateWrite(const WriteRequest& req, uint32_t payload_len, const RequestLimits& limits);
// A read: offset + length <= max_chunk_size (whole_chunk reads ignore both).
Status ValidateRead(const ReadRequest& req, const RequestLimits& limits);
// A truncate: length <= chunk_size (or the maximum), update_version set exactly when hop > 0.
Status ValidateTruncate(const TruncateRequest& req, const RequestLimits& limits);
Status ValidateRemove(const RemoveRequest& req, const RequestLimits& limits);
// A chain listing: the chain ref is present.
Status ValidateList(const ListRequest& req);

}  // namespace weft::chunk
