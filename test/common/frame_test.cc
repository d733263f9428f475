#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "common/frame.h"

using weft::DecodeFrame;
using weft::EncodeFrame;
using weft::FrameLimits;

namespace {
std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}
}  // namespace

TEST_CASE("a frame round-trips header message and payload", "[common][frame]") {
  for (size_t msg_len : {0ul, 1ul, 300ul}) {
    for (size_t payload_len : {0ul, 1ul, 4096ul, 1000000ul}) {
      std::string msg = RandomBytes(msg_len, 1), payload = RandomBytes(payload_len, 2);
      std::string wire = EncodeFrame(7, 0x1122334455667788ull, msg, payload);
      size_t used = 0;
      auto f = DecodeFrame(wire, FrameLimits{}, &used);
      REQUIRE(f.ok());
      CHECK(used == wire.size());
      CHECK(f->header.type == 7);
      CHECK(f->header.request_id == 0x1122334455667788ull);
      CHECK(f->msg == msg);
      CHECK(f->payload == payload);
    }
  }
}

TEST_CASE("two frames back to back decode one at a time", "[common][frame]") {
  std::string wire = EncodeFrame(1, 1, "a", "payload-one") + EncodeFrame(2, 2, "bb", "payload-two");
  size_t used = 0;
  auto first = DecodeFrame(wire, FrameLimits{}, &used);
  REQUIRE(first.ok());
  CHECK(first->payload == "payload-one");
  auto second = DecodeFrame(std::string_view(wire).substr(used), FrameLimits{}, &used);
  REQUIRE(second.ok());
  CHECK(second->header.request_id == 2);
  CHECK(second->payload == "payload-two");
}

TEST_CASE("every truncation point gives a clear truncated-frame error", "[common][frame]") {
  std::string wire = EncodeFrame(3, 9, "header-message", RandomBytes(100, 3));
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    auto f = DecodeFrame(std::string_view(wire).substr(0, cut), FrameLimits{}, nullptr);
    REQUIRE(!f.ok());
    CHECK(f.status().err() == EPROTO);
    CHECK(f.status().message().find("truncated") != std::string::npos);
  }
}

TEST_CASE("a flipped bit anywhere in the frame is detected", "[common][frame]") {
  std::string wire = EncodeFrame(3, 9, "header-message", RandomBytes(64, 4));
  for (size_t byte = 0; byte < wire.size(); ++byte) {
    for (int bit : {0, 5}) {
      std::string bad = wire;
      bad[byte] ^= static_cast<char>(1 << bit);
      auto f = DecodeFrame(bad, FrameLimits{}, nullptr);
      INFO("byte " << byte << " bit " << bit);
      REQUIRE(!f.ok());
      // Magic/version -> EPROTO; a length grown past the buffer -> EPROTO (truncated) or EMSGSIZE;
      // anything else -> EBADMSG from the header or payload checksum.
      CHECK((f.status().err() == EPROTO || f.status().err() == EBADMSG || f.status().err() == EMSGSIZE));
    }
  }
}

TEST_CASE("a flipped payload bit is a payload checksum error", "[common][frame]") {
  std::string wire = EncodeFrame(3, 9, "m", std::string(50, 'p'));
  wire[wire.size() - 10] ^= 0x10;
  auto f = DecodeFrame(wire, FrameLimits{}, nullptr);
  REQUIRE(!f.ok());
  CHECK(f.status().err() == EBADMSG);
  CHECK(f.status().message().find("payload checksum") != std::string::npos);
}

TEST_CASE("a frame without the payload-CRC flag skips the payload check", "[common][frame]") {
  std::string wire = EncodeFrame(1, 1, "m", std::string(50, 'p'), /*flags=*/0);
  wire[wire.size() - 1] ^= 1;
  CHECK(DecodeFrame(wire, FrameLimits{}, nullptr).ok());
}

TEST_CASE("oversized lengths are refused before any allocation", "[common][frame]") {
  FrameLimits small;
  small.max_header = 16;
  small.max_payload = 1024;
  std::string big_msg = EncodeFrame(1, 1, std::string(17, 'h'), "");
  CHECK(DecodeFrame(big_msg, small, nullptr).status().err() == EMSGSIZE);
  std::string big_payload = EncodeFrame(1, 1, "h", std::string(1025, 'p'));
  auto f = DecodeFrame(big_payload, small, nullptr);
  CHECK(f.status().err() == EMSGSIZE);
  CHECK(f.status().message().find("exceeds the limit") != std::string::npos);
  // A forged 4 GiB payload length in an otherwise tiny frame.
  std::string forged = EncodeFrame(1, 1, "h", "");
  for (int i = 0; i < 4; ++i) forged[20 + i] = '\xff';
  CHECK(DecodeFrame(forged, FrameLimits{}, nullptr).status().err() == EMSGSIZE);
}

TEST_CASE("random garbage never decodes and never crashes", "[common][frame]") {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string junk = RandomBytes(rng() % 200, static_cast<unsigned>(i));
    CHECK(!DecodeFrame(junk, FrameLimits{}, nullptr).ok());
  }
}
