// ops/xattr.cc: get/set/list/remove, flags, limits and the namespace rules.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <algorithm>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

namespace {
constexpr uint32_t kCreate = 1, kReplace = 2;
}

TEMPLATE_TEST_CASE("xattrs set, get, list and remove", "[meta][xattr]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  REQUIRE(f.c.SetXattr(file->ino(), "user.a", "1").ok());
  REQUIRE(f.c.SetXattr(file->ino(), "user.b", std::string("\0bin\xff", 5)).ok());
  CHECK(f.c.GetXattr(file->ino(), "user.a").value() == "1");
  CHECK(f.c.GetXattr(file->ino(), "user.b").value() == std::string("\0bin\xff", 5));
  auto names = f.c.ListXattr(file->ino());
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"user.a", "user.b"});
  REQUIRE(f.c.SetXattr(file->ino(), "user.a", "2").ok());
  CHECK(f.c.GetXattr(file->ino(), "user.a").value() == "2");
  REQUIRE(f.c.RemoveXattr(file->ino(), "user.a").ok());
  CHECK(Errno(f.c.GetXattr(file->ino(), "user.a")) == ENODATA);
  CHECK(f.c.ListXattr(file->ino())->size() == 1);
  CHECK(f.c.SetXattr(file->ino(), "user.empty", "").ok());
  CHECK(f.c.GetXattr(file->ino(), "user.empty").value() == "");
}

TEMPLATE_TEST_CASE("attributes say when an inode has no xattrs, and only then", "[meta][xattr]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  CHECK(file->no_xattrs());  // the create's own reply
  CHECK(f.c.GetAttr(file->ino())->no_xattrs());
  auto dir = f.c.Mkdir(f.c.root, "d");
  REQUIRE(dir.ok());
  CHECK(f.c.GetAttr(dir->ino())->no_xattrs());
  REQUIRE(f.c.SetXattr(file->ino(), "user.a", "1").ok());
  REQUIRE(f.c.SetXattr(file->ino(), "user.b", "2").ok());
  CHECK_FALSE(f.c.GetAttr(file->ino())->no_xattrs());
  REQUIRE(f.c.RemoveXattr(file->ino(), "user.a").ok());
  CHECK_FALSE(f.c.GetAttr(file->ino())->no_xattrs());  // one left
  // A change of other attributes keeps what the flag says.
  REQUIRE(f.c.Rename(f.c.root, "f", f.c.root, "g").ok());
  CHECK_FALSE(f.c.GetAttr(file->ino())->no_xattrs());
  REQUIRE(f.c.RemoveXattr(file->ino(), "user.b").ok());
  CHECK(f.c.GetAttr(file->ino())->no_xattrs());
}

TEMPLATE_TEST_CASE("xattr flags: CREATE on an existing name EEXIST, REPLACE of a missing one ENODATA", "[meta][xattr]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  CHECK(Errno(f.c.SetXattr(file->ino(), "user.a", "1", kReplace)) == ENODATA);
  CHECK(f.c.SetXattr(file->ino(), "user.a", "1", kCreate).ok());
  CHECK(Errno(f.c.SetXattr(file->ino(), "user.a", "2", kCreate)) == EEXIST);
  CHECK(f.c.SetXattr(file->ino(), "user.a", "3", kReplace).ok());
  CHECK(Errno(f.c.SetXattr(file->ino(), "user.a", "4", kCreate | kReplace)) == EINVAL);
  CHECK(Errno(f.c.RemoveXattr(file->ino(), "user.missing")) == ENODATA);
  CHECK(Errno(f.c.GetXattr(file->ino(), "user.missing")) == ENODATA);
  CHECK(f.c.GetXattr(file->ino(), "user.a").value() == "3");
}

TEMPLATE_TEST_CASE("xattr limits: value over 64 KiB E2BIG, name over 255 bytes or empty ERANGE", "[meta][xattr]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  CHECK(f.c.SetXattr(file->ino(), "user.max", std::string(65536, 'v')).ok());
  CHECK(Errno(f.c.SetXattr(file->ino(), "user.big", std::string(65537, 'v'))) == E2BIG);
  CHECK(f.c.SetXattr(file->ino(), "user." + std::string(250, 'n'), "v").ok());
  CHECK(Errno(f.c.SetXattr(file->ino(), "user." + std::string(251, 'n'), "v")) == ERANGE);
  CHECK(Errno(f.c.SetXattr(file->ino(), "", "v")) == ERANGE);
  CHECK(Errno(f.c.GetXattr(file->ino(), "")) == ERANGE);
}

TEMPLATE_TEST_CASE("trusted xattrs are root's: EPERM to set, ENODATA to read and hidden for others", "[meta][xattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f", 0666);
  REQUIRE(file.ok());
  REQUIRE(f.c.SetXattr(file->ino(), "trusted.secret", "x").ok());
  REQUIRE(f.c.SetXattr(file->ino(), "user.open", "y").ok());
  auto bob = f.c.As(User(2000, 2000));
  CHECK(Errno(bob.SetXattr(file->ino(), "trusted.mine", "x")) == EPERM);
  CHECK(Errno(bob.GetXattr(file->ino(), "trusted.secret")) == ENODATA);
  CHECK(Errno(bob.RemoveXattr(file->ino(), "trusted.secret")) == EPERM);
  CHECK(*bob.ListXattr(file->ino()) == std::vector<std::string>{"user.open"});
  CHECK(f.c.ListXattr(file->ino())->size() == 2);
}

TEMPLATE_TEST_CASE("user xattrs follow file permissions and types", "[meta][xattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Chmod(f.c.root, 0777).ok());
  auto alice = f.c.As(User(1000, 1000));
  auto bob = f.c.As(User(2000, 2000));
  auto file = alice.Create(f.c.root, "f", 0640);
  REQUIRE(file.ok());
  REQUIRE(alice.SetXattr(file->ino(), "user.a", "1").ok());
  CHECK(Errno(bob.SetXattr(file->ino(), "user.b", "1")) == EACCES);
  CHECK(Errno(bob.GetXattr(file->ino(), "user.a")) == EACCES);
  CHECK(Errno(bob.RemoveXattr(file->ino(), "user.a")) == EACCES);
  auto s = alice.Symlink(f.c.root, "s", "f");
  REQUIRE(s.ok());
  CHECK(Errno(alice.SetXattr(s->ino(), "user.a", "1")) == EPERM);
  CHECK(Errno(alice.GetXattr(s->ino(), "user.a")) == ENODATA);
  auto sticky = alice.Mkdir(f.c.root, "sticky", 01777);
  REQUIRE(sticky.ok());
  CHECK(Errno(bob.SetXattr(sticky->ino(), "user.a", "1")) == EPERM);
  CHECK(alice.SetXattr(sticky->ino(), "user.a", "1").ok());
  CHECK(bob.SetXattr(file->ino(), "security.label", "x").ok());  // no VFS check on security.*
  CHECK(Errno(alice.SetXattr(file->ino(), "system.posix_acl_access", "x")) == EOPNOTSUPP);
}

TEMPLATE_TEST_CASE("an xattr change sets ctime, xattrs go with the inode", "[meta][xattr]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  REQUIRE(f.c.SetXattr(file->ino(), "user.a", "1").ok());
  auto a = f.c.GetAttr(file->ino());
  CHECK((a->ctime().sec() != file->ctime().sec() || a->ctime().nsec() != file->ctime().nsec()));
  auto d = f.c.Mkdir(f.c.root, "d");
  REQUIRE(f.c.SetXattr(d->ino(), "user.a", "1").ok());
  REQUIRE(f.c.Unlink(f.c.root, "f").ok());
  REQUIRE(f.c.Rmdir(f.c.root, "d").ok());
  CHECK(f.Check() == "");  // no xattr left without its inode
}
