// The capability format and the cluster key file (common/capability.h, common/cluster_key.h).
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "common/capability.h"
#include "common/cluster_key.h"
#include "common/net.h"

using namespace weft;

namespace {
ClusterKey Key(char fill) { return ClusterKey::FromBytes(std::string(32, fill)); }
}  // namespace

TEST_CASE("a minted capability verifies and names its inode, access and expiry", "[common][capability]") {
  CapabilitySigner s(Key('a'));
  std::string wire = s.Mint({.ino = 77, .access = kCapRead, .expiry_ms = 123456});
  REQUIRE(wire.size() == kCapabilityBytes);
  auto c = s.Verify(wire);
  REQUIRE(c.ok());
  CHECK(c->ino == 77);
  CHECK(c->access == kCapRead);
  CHECK(c->expiry_ms == 123456);
  CHECK(CheckCapability(*c, 77, kCapRead, 123000, 0).ok());
  CHECK(CheckCapability(*c, 77, kCapRead, 125000, 5000).ok());  // within the skew
  CHECK(CheckCapability(*c, 77, kCapRead, 129000, 5000).err() == EACCES);
  CHECK(CheckCapability(*c, 78, kCapRead, 123000, 0).err() == EACCES);
  CHECK(CheckCapability(*c, 77, kCapWrite, 123000, 0).err() == EACCES);
}

TEST_CASE("changing any byte of a capability makes it invalid", "[common][capability]") {
  CapabilitySigner s(Key('a'));
  std::string wire = s.Mint({.ino = 5, .access = kCapRead | kCapWrite, .expiry_ms = 1});
  for (size_t i = 0; i < wire.size(); ++i) {
    std::string bad = wire;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    INFO("byte " << i);
    auto c = s.Verify(bad);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().err() == EACCES);
  }
  CHECK(s.Verify("").status().err() == EACCES);
  CHECK_FALSE(CapabilitySigner(Key('b')).Verify(wire).ok());  // another cluster's key
}

TEST_CASE("the cluster key file is created once, private, and must be 32 bytes", "[common][capability]") {
  char tmpl[] = "/tmp/weft-key-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  const std::string dir = tmpl, path = dir + "/cluster.key";
  CHECK(ClusterKey::Load(path).status().err() == ENOENT);
  auto a = ClusterKey::LoadOrCreate(path);
  REQUIRE(a.ok());
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 32);
  auto b = ClusterKey::LoadOrCreate(path);  // exists: loaded, not replaced
  REQUIRE(b.ok());
  CHECK(a->key_id() == b->key_id());
  CHECK(a->control_credential() == b->control_credential());
  CHECK(a->control_credential() != Key('a').control_credential());
  REQUIRE(WriteFileAtomic(path, "short").ok());
  auto c = ClusterKey::Load(path);
  CHECK(c.status().err() == EINVAL);
  CHECK_THAT(c.status().message(), Catch::Contains(path));
  unlink(path.c_str());
  rmdir(dir.c_str());
}
