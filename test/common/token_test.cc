#include "common/token.h"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>

using namespace weft;

TEST_CASE("a new token carries its id and 32 random bytes, and parses back", "[common][token]") {
  auto a = NewToken(42);
  auto b = NewToken(42);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a != *b);
  CHECK_THAT(*a, Catch::StartsWith("wt_42_"));
  CHECK(a->size() == 6 + 2 * kTokenSecretBytes);
  auto p = ParseToken(*a);
  REQUIRE(p.ok());
  CHECK(p->id == 42);
  CHECK(p->secret == std::string_view(*a).substr(6));
}

TEST_CASE("malformed tokens are refused without quoting them", "[common][token]") {
  const std::string secret(64, 'a');
  for (const std::string& bad : {std::string(), std::string("garbage"), "wt_" + secret, "wt__" + secret,
                                 "wt_x1_" + secret, std::string("wt_1_short"), "xx_1_" + secret, "wt_-1_" + secret}) {
    INFO(bad);
    auto p = ParseToken(bad);
    CHECK(p.status().err() == EINVAL);
    if (!bad.empty()) CHECK(p.status().message().find(bad) == std::string::npos);
  }
}

TEST_CASE("token hashes are SHA-256 and compare in constant time", "[common][token]") {
  // SHA-256("abc") = ba7816bf...
  std::string h = HashToken("abc");
  REQUIRE(h.size() == 32);
  CHECK(static_cast<unsigned char>(h[0]) == 0xba);
  CHECK(static_cast<unsigned char>(h[31]) == 0xad);
  CHECK(SecretEqual(HashToken("x"), HashToken("x")));
  CHECK_FALSE(SecretEqual(HashToken("x"), HashToken("y")));
  CHECK_FALSE(SecretEqual("ab", "abc"));
}

TEST_CASE("a token file is read without surrounding whitespace", "[common][token]") {
  char path[] = "/tmp/weft-token-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << "  wt_1_abc\n\n";
  auto t = ReadTokenFile(path);
  REQUIRE(t.ok());
  CHECK(*t == "wt_1_abc");
  std::ofstream(path, std::ios::trunc) << "\n";
  CHECK(ReadTokenFile(path).status().err() == EINVAL);
  unlink(path);
  CHECK(ReadTokenFile(path).status().err() == ENOENT);
}
