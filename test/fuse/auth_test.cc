// weft-mount with tenant tokens: a tenant's token mounts its own volume and reads and writes it; it
// cannot mount another tenant's volume (a clear error, exit before mounting); a revoked token's mount
// gets EACCES on its next metadata call.
#include <catch2/catch.hpp>

#include <fstream>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

TEST_CASE("weft-mount mounts only its tenant's volumes and stops working once its token is revoked",
          "[fuse][integration][auth]") {
  TestCluster c(ClusterOptions{.chunk_servers = 1});
  c.CreateTenant("a");
  c.CreateTenant("b");
  VolumeSpec spec;
  spec.replication = 1;
  c.CreateVolume("va", "a", spec);
  c.CreateVolume("vb", "b", spec);
  IssuedToken ta = c.IssueToken("a", "fuse-test");
  const std::string token_file = c.dir() + "/a.token";
  std::ofstream(token_file) << ta.token << "\n";

  std::string mnt = c.Mount("va", {"--token-file", token_file});
  REQUIRE(WriteFile(mnt + "/hello", "hello from a", true) == 0);
  CHECK(ReadFile(mnt + "/hello") == "hello from a");

  try {
    c.Mount("vb", {"--token", ta.token});
    FAIL("mounting tenant b's volume with tenant a's token succeeded");
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("cannot mount volume 'vb'") && Catch::Contains("no access to volume 'vb'"));
    CHECK(what.find(ta.token.substr(8)) == std::string::npos);
  }

  c.RevokeToken(ta.id);
  CHECK(WriteFile(mnt + "/after-revoke", "x") == EACCES);
}
