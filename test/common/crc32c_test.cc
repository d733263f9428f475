#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "common/crc32c.h"

TEST_CASE("CRC32C matches the standard check value", "[common][crc]") {
  CHECK(weft::Crc32c(std::string_view("123456789")) == 0xE3069283u);
  CHECK(weft::Crc32c(std::string_view("")) == 0u);
  // RFC 3720 B.4: 32 bytes of zeros.
  std::string zeros(32, '\0');
  CHECK(weft::Crc32c(zeros) == 0x8A9136AAu);
}

TEST_CASE("CRC32C extends piecewise to the same value", "[common][crc]") {
  std::mt19937 rng(1);
  std::string data(100000, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  uint32_t whole = weft::Crc32c(data);
  for (size_t cut : {0ul, 1ul, 7ul, 4096ul, 65537ul, data.size()}) {
    uint32_t a = weft::Crc32c(data.data(), cut);
    CHECK(weft::Crc32cExtend(a, data.data() + cut, data.size() - cut) == whole);
  }
}

TEST_CASE("block CRCs locate the damaged block", "[common][crc]") {
  std::string data(3 * weft::kCrcBlock + 100, 'x');
  auto crcs = weft::BlockCrcs(data.data(), data.size());
  REQUIRE(crcs.size() == 4);
  CHECK(weft::FirstBadBlock(data.data(), data.size(), crcs) == -1);
  data[2 * weft::kCrcBlock + 5] ^= 1;
  CHECK(weft::FirstBadBlock(data.data(), data.size(), crcs) == 2);
  crcs.pop_back();
  data[2 * weft::kCrcBlock + 5] ^= 1;
  CHECK(weft::FirstBadBlock(data.data(), data.size(), crcs) == 3);  // missing CRC counts as bad
}
