// Catch assertions the chunk-server integration tests share over a ChainFixture.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>

#include "test/chunk/chain_fixture.h"

namespace weft::test {

// Each of the chain's first `replicas` servers holds exactly `model` (chunk index -> bytes) for inode
// `ino`: reads succeed, carry matching CRCs, report the model's length and return the model's bytes.
inline void CheckReplicasHold(ChainFixture& f, int replicas, uint64_t ino,
                              const std::map<uint32_t, std::string>& model) {
  for (int pos = 0; pos < replicas; ++pos) {
    TestDataClient c(f.Addr(pos), f.Signer(), f.tls());
    for (const auto& [index, want] : model) {
      INFO("replica at position " << pos << ", chunk " << index);
      auto got = c.Call(FRAME_READ, MakeRead(ino, index, f.chain, 0, static_cast<uint32_t>(want.size())));
      REQUIRE(got.reply.err() == 0);
      CHECK(ReplyCrcsMatch(got));
      CHECK(got.reply.chunk_length() == want.size());
      CHECK(got.payload == want);
    }
  }
}

}  // namespace weft::test
