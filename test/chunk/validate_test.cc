// Request validation: every malformed request is refused with EINVAL before any work.
#include <catch2/catch.hpp>

#include "common/crc32c.h"
#include "server/chunk/validate.h"

using weft::chunk::RequestLimits;
using weft::chunk::ValidateRead;
using weft::chunk::ValidateTruncate;
using weft::chunk::ValidateWrite;

namespace {
weft::WriteRequest GoodWrite(uint32_t offset, uint32_t length) {
  weft::WriteRequest w;
  w.mutable_chunk()->set_ino(1);
  w.mutable_chain()->set_chain_id(1);
  w.set_offset(offset);
  w.set_length(length);
  w.set_chunk_size(4u << 20);
  for (uint32_t i = 0; i < (length + 4095) / 4096; ++i) w.add_crcs(0);
  return w;
}
}  // namespace

TEST_CASE("a well-formed write passes validation", "[chunk][validate]") {
  RequestLimits l;
  CHECK(ValidateWrite(GoodWrite(0, 1), 1, l).ok());
  CHECK(ValidateWrite(GoodWrite(4096, 8193), 8193, l).ok());
  CHECK(ValidateWrite(GoodWrite((4u << 20) - 10, 10), 10, l).ok());
}

TEST_CASE("malformed writes are refused with EINVAL", "[chunk][validate]") {
  RequestLimits l;
  auto w = GoodWrite(0, 4096);
  CHECK(ValidateWrite(w, 4095, l).err() == EINVAL);  // length != payload
  auto past = GoodWrite((4u << 20) - 10, 11);
  CHECK(ValidateWrite(past, 11, l).err() == EINVAL);  // past the chunk size
  auto crcs = GoodWrite(0, 8192);
  crcs.add_crcs(0);
  CHECK(ValidateWrite(crcs, 8192, l).err() == EINVAL);  // wrong CRC count
  auto empty = GoodWrite(0, 0);
  CHECK(ValidateWrite(empty, 0, l).err() == EINVAL);
  auto nochain = GoodWrite(0, 1);
  nochain.clear_chain();
  CHECK(ValidateWrite(nochain, 1, l).err() == EINVAL);
  auto odd = GoodWrite(0, 1);
  odd.set_chunk_size(1000);
  CHECK(ValidateWrite(odd, 1, l).err() == EINVAL);
  auto huge = GoodWrite(0, 1);
  huge.set_chunk_size(64u << 20);
  CHECK(ValidateWrite(huge, 1, l).err() == EINVAL);
  auto version = GoodWrite(0, 1);
  version.set_update_version(3);  // only a forwarded write carries one
  CHECK(ValidateWrite(version, 1, l).err() == EINVAL);
  auto hop = GoodWrite(0, 1);
  hop.set_hop(1);  // forwarded without a version
  CHECK(ValidateWrite(hop, 1, l).err() == EINVAL);
  hop.set_update_version(2);
  CHECK(ValidateWrite(hop, 1, l).ok());
  hop.set_hop(99);
  CHECK(ValidateWrite(hop, 1, l).err() == EINVAL);
}

TEST_CASE("reads and truncates are bounded by the chunk size", "[chunk][validate]") {
  RequestLimits l;
  weft::ReadRequest r;
  r.mutable_chunk()->set_ino(1);
  r.mutable_chain()->set_chain_id(1);
  r.set_offset(l.max_chunk_size - 1);
  r.set_length(1);
  CHECK(ValidateRead(r, l).ok());
  r.set_length(2);
  CHECK(ValidateRead(r, l).err() == EINVAL);
  r.set_whole_chunk(true);
  CHECK(ValidateRead(r, l).ok());
  weft::TruncateRequest t;
  t.mutable_chunk()->set_ino(1);
  t.mutable_chain()->set_chain_id(1);
  t.set_chunk_size(1u << 20);
  t.set_length(1u << 20);
  CHECK(ValidateTruncate(t, l).ok());
  t.set_length((1u << 20) + 1);
  CHECK(ValidateTruncate(t, l).err() == EINVAL);
}
