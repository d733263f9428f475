// ops/mkdir.cc and ops/rmdir.cc.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

TEMPLATE_TEST_CASE("mkdir makes a directory with nlink 2 and adds one to the parent's nlink", "[meta][mkdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto root = f.c.GetAttr(f.c.root);
  REQUIRE(root.ok());
  CHECK(root->nlink() == 2);
  auto d = f.c.Mkdir(f.c.root, "d", 0750);
  REQUIRE(d.ok());
  CHECK(S_ISDIR(d->mode()));
  CHECK((d->mode() & 07777) == 0750);
  CHECK(d->nlink() == 2);
  CHECK(f.c.GetAttr(f.c.root)->nlink() == 3);
  REQUIRE(f.c.Mkdir(d->ino(), "sub").ok());
  CHECK(f.c.GetAttr(d->ino())->nlink() == 3);
  REQUIRE(f.c.Create(d->ino(), "file").ok());
  CHECK(f.c.GetAttr(d->ino())->nlink() == 3);
  CHECK(f.c.Lookup(d->ino(), "..")->ino() == f.c.root);
  CHECK(f.c.Lookup(d->ino(), ".")->ino() == d->ino());
  CHECK(f.c.Lookup(f.c.root, "..")->ino() == f.c.root);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("mkdir of an existing name fails with EEXIST", "[meta][mkdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Mkdir(f.c.root, "d").ok());
  REQUIRE(f.c.Create(f.c.root, "f").ok());
  CHECK(Errno(f.c.Mkdir(f.c.root, "d")) == EEXIST);
  CHECK(Errno(f.c.Mkdir(f.c.root, "f")) == EEXIST);
}

TEMPLATE_TEST_CASE("mkdir keeps only permission and sticky bits, after the umask", "[meta][mkdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto d = f.c.Mkdir(f.c.root, "d", S_ISUID | S_ISVTX | 0777, 027);
  REQUIRE(d.ok());
  CHECK((d->mode() & 07777) == (S_ISVTX | 0750));
}

TEMPLATE_TEST_CASE("rmdir of a non-empty directory fails with ENOTEMPTY", "[meta][rmdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto d = f.c.Mkdir(f.c.root, "d");
  REQUIRE(d.ok());
  REQUIRE(f.c.Create(d->ino(), "f").ok());
  CHECK(Errno(f.c.Rmdir(f.c.root, "d")) == ENOTEMPTY);
  REQUIRE(f.c.Unlink(d->ino(), "f").ok());
  REQUIRE(f.c.Mkdir(d->ino(), "sub").ok());
  CHECK(Errno(f.c.Rmdir(f.c.root, "d")) == ENOTEMPTY);
  REQUIRE(f.c.Rmdir(d->ino(), "sub").ok());
  CHECK(f.c.Rmdir(f.c.root, "d").ok());
  CHECK(Errno(f.c.Lookup(f.c.root, "d")) == ENOENT);
  CHECK(Errno(f.c.GetAttr(d->ino())) == ENOENT);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("rmdir of a file fails with ENOTDIR, of a missing name with ENOENT", "[meta][rmdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "f").ok());
  CHECK(Errno(f.c.Rmdir(f.c.root, "f")) == ENOTDIR);
  CHECK(Errno(f.c.Rmdir(f.c.root, "missing")) == ENOENT);
  CHECK(Errno(f.c.Rmdir(f.c.root, ".")) == EINVAL);
  CHECK(Errno(f.c.Rmdir(f.c.root, "..")) == EINVAL);
}

TEMPLATE_TEST_CASE("rmdir restores the parent's nlink, frees the inode and reports the parent", "[meta][rmdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto before = f.c.GetVolume("v");
  REQUIRE(before.ok());
  REQUIRE(f.c.Mkdir(f.c.root, "d").ok());
  CHECK(f.c.GetVolume("v")->usage().inodes() == before->usage().inodes() + 1);
  auto r = f.c.Rmdir(f.c.root, "d");
  REQUIRE(r.ok());
  CHECK(r->parent().ino() == f.c.root);
  CHECK(r->parent().nlink() == 2);
  CHECK(f.c.GetAttr(f.c.root)->nlink() == 2);
  CHECK(f.c.GetVolume("v")->usage().inodes() == before->usage().inodes());
  CHECK(f.c.GetTenant("t")->usage().inodes() == before->usage().inodes());
  CHECK(f.Check() == "");
}
