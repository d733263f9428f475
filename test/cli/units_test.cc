#include "client/cli/units.h"

#include <catch2/catch.hpp>

namespace weft::cli {
namespace {

constexpr uint64_t Ki = 1024ull, Mi = Ki * 1024, Gi = Mi * 1024, Ti = Gi * 1024, Pi = Ti * 1024, Ei = Pi * 1024;

uint64_t Size(const char* text) {
  auto v = ParseSize(text);
  INFO(text << ": " << v.status().ToString());
  REQUIRE(v.ok());
  return *v;
}

std::string SizeError(const char* text) {
  auto v = ParseSize(text);
  INFO(text);
  REQUIRE_FALSE(v.ok());
  CHECK(v.status().err() == EINVAL);
  return v.status().message();
}

TEST_CASE("ParseSize reads plain bytes", "[cli][units]") {
  CHECK(Size("0") == 0);
  CHECK(Size("1") == 1);
  CHECK(Size("4096") == 4096);
  CHECK(Size("007") == 7);
  CHECK(Size("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("ParseSize reads binary suffixes as powers of 1024", "[cli][units]") {
  CHECK(Size("1Ki") == Ki);
  CHECK(Size("10Gi") == 10 * Gi);
  CHECK(Size("512Mi") == 512 * Mi);
  CHECK(Size("3Ti") == 3 * Ti);
  CHECK(Size("2Pi") == 2 * Pi);
  CHECK(Size("15Ei") == 15 * Ei);
}

TEST_CASE("ParseSize reads decimal suffixes as powers of 1000", "[cli][units]") {
  CHECK(Size("1K") == 1000);
  CHECK(Size("1k") == 1000);
  CHECK(Size("500M") == 500'000'000);
  CHECK(Size("10G") == 10'000'000'000ull);
  CHECK(Size("2T") == 2'000'000'000'000ull);
  CHECK(Size("1P") == 1'000'000'000'000'000ull);
  CHECK(Size("18E") == 18'000'000'000'000'000'000ull);
}

TEST_CASE("ParseSize reads fractions with a unit and rounds up to a whole byte", "[cli][units]") {
  CHECK(Size("1.5Gi") == Gi + Gi / 2);
  CHECK(Size("0.5Ki") == 512);
  CHECK(Size("1.25Ti") == Ti + Ti / 4);
  CHECK(Size("0.1Ki") == 103);  // 102.4 rounds up
  CHECK(Size("1.5K") == 1500);
  CHECK(Size("0.0000001K") == 1);  // 0.0001 bytes rounds up to 1
  CHECK(Size("2.0Gi") == 2 * Gi);
}

TEST_CASE("ParseSize names the bad value in every error", "[cli][units]") {
  CHECK_THAT(SizeError("10Gb"), Catch::Contains("'10Gb'") && Catch::Contains("unknown unit 'Gb'"));
  CHECK_THAT(SizeError("10GB"), Catch::Contains("'10GB'"));
  CHECK_THAT(SizeError("10gi"), Catch::Contains("unknown unit 'gi'"));
  CHECK_THAT(SizeError("10KI"), Catch::Contains("unknown unit 'KI'"));
  CHECK_THAT(SizeError("10m"), Catch::Contains("unknown unit 'm'"));
  CHECK_THAT(SizeError("10 Gi"), Catch::Contains("'10 Gi'"));
  CHECK_THAT(SizeError("10B"), Catch::Contains("'10B'"));
  CHECK_THAT(SizeError("-1"), Catch::Contains("'-1'") && Catch::Contains("negative"));
  CHECK_THAT(SizeError("-1Gi"), Catch::Contains("negative"));
  CHECK_THAT(SizeError("+1"), Catch::Contains("'+1'"));
  CHECK_THAT(SizeError("1.2.3Gi"), Catch::Contains("'1.2.3Gi'") && Catch::Contains("not a number"));
  CHECK_THAT(SizeError(""), Catch::Contains("empty size"));
  CHECK_THAT(SizeError(" 1"), Catch::Contains("' 1'"));
  CHECK_THAT(SizeError("1 "), Catch::Contains("'1 '"));
  CHECK_THAT(SizeError("Gi"), Catch::Contains("'Gi'"));
  CHECK_THAT(SizeError(".5Gi"), Catch::Contains("'.5Gi'"));
  CHECK_THAT(SizeError("1."), Catch::Contains("'1.'"));
  CHECK_THAT(SizeError("1.Gi"), Catch::Contains("'1.Gi'"));
  CHECK_THAT(SizeError("1e9"), Catch::Contains("'1e9'"));
  CHECK_THAT(SizeError("0x10"), Catch::Contains("'0x10'"));
  CHECK_THAT(SizeError("1.5"), Catch::Contains("fraction needs a unit"));
  CHECK_THAT(SizeError("ten"), Catch::Contains("'ten'"));
  CHECK_THAT(SizeError("10Gi10"), Catch::Contains("'10Gi10'"));
  CHECK_THAT(SizeError("10Zi"), Catch::Contains("'10Zi'"));
}

TEST_CASE("ParseSize refuses sizes beyond 2^64-1 bytes", "[cli][units]") {
  CHECK_THAT(SizeError("18446744073709551616"), Catch::Contains("too large"));
  CHECK_THAT(SizeError("16Ei"), Catch::Contains("too large"));
  CHECK_THAT(SizeError("16384Pi"), Catch::Contains("too large"));
  CHECK_THAT(SizeError("99999999999999999999Ki"), Catch::Contains("too large"));
  CHECK_THAT(SizeError("123456789012345678901"), Catch::Contains("too large"));
  CHECK_THAT(SizeError("19E"), Catch::Contains("too large"));
  CHECK(Size("16383Pi") == 16383 * Pi);
  CHECK(Size("15.99Ei") > 15 * Ei);
}

TEST_CASE("ParseCount takes decimal suffixes only", "[cli][units]") {
  CHECK(*ParseCount("0") == 0);
  CHECK(*ParseCount("1000") == 1000);
  CHECK(*ParseCount("10K") == 10'000);
  CHECK(*ParseCount("1M") == 1'000'000);
  CHECK(*ParseCount("2.5M") == 2'500'000);
  CHECK(*ParseCount("1G") == 1'000'000'000);
  auto bad = ParseCount("1Mi");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("'1Mi'"));
  CHECK_FALSE(ParseCount("-3").ok());
  CHECK_FALSE(ParseCount("").ok());
  CHECK_FALSE(ParseCount("1.5").ok());
  CHECK_FALSE(ParseCount("lots").ok());
}

TEST_CASE("FormatSize prints binary units with at most one decimal", "[cli][units]") {
  CHECK(FormatSize(0) == "0");
  CHECK(FormatSize(1) == "1");
  CHECK(FormatSize(1023) == "1023");
  CHECK(FormatSize(1024) == "1Ki");
  CHECK(FormatSize(1536) == "1.5Ki");
  CHECK(FormatSize(4 * Mi) == "4Mi");
  CHECK(FormatSize(10 * Gi) == "10Gi");
  CHECK(FormatSize(Gi + Gi / 2) == "1.5Gi");
  CHECK(FormatSize(Gi + Gi / 4) == "1.3Gi");  // 1.25 rounds half up
  CHECK(FormatSize(10 * Gi + 1) == "10Gi");   // rounded to one decimal
  CHECK(FormatSize(2 * Ti) == "2Ti");
  CHECK(FormatSize(3 * Pi) == "3Pi");
  CHECK(FormatSize(Ei) == "1Ei");
  CHECK(FormatSize(UINT64_MAX) == "16Ei");
}

TEST_CASE("FormatSize moves to the next unit when rounding reaches 1024", "[cli][units]") {
  CHECK(FormatSize(1023 * Ki + 1000) == "1Mi");  // 1023.98Ki would print as 1024.0Ki
  CHECK(FormatSize(Mi - 1) == "1Mi");
  CHECK(FormatSize(1023 * Mi) == "1023Mi");
  CHECK(FormatSize(Gi - 1) == "1Gi");
}

TEST_CASE("FormatSize output parses back to about the same size", "[cli][units]") {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{999}, Ki, 3 * Ki / 2, 7 * Mi, 10 * Gi, 5 * Ti / 2, 9 * Pi, Ei}) {
    auto back = ParseSize(FormatSize(v));
    REQUIRE(back.ok());
    double err = v ? static_cast<double>(*back > v ? *back - v : v - *back) / static_cast<double>(v) : 0;
    CHECK(err < 0.05);
  }
}

TEST_CASE("FormatCount prints decimal units", "[cli][units]") {
  CHECK(FormatCount(0) == "0");
  CHECK(FormatCount(999) == "999");
  CHECK(FormatCount(1000) == "1K");
  CHECK(FormatCount(1500) == "1.5K");
  CHECK(FormatCount(1'000'000) == "1M");
  CHECK(FormatCount(999'999) == "1M");
  CHECK(FormatCount(10'000'000) == "10M");
  CHECK(FormatCount(2'500'000'000ull) == "2.5G");
  CHECK(FormatCount(UINT64_MAX) == "18.4E");
  CHECK(*ParseCount(FormatCount(10'000'000)) == 10'000'000);
}

}  // namespace
}  // namespace weft::cli
