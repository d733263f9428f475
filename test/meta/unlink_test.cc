// ops/unlink.cc: names, links, open-unlinked files and the GC queue.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

TEMPLATE_TEST_CASE("unlink removes the name and the file's inode is collected", "[meta][unlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  REQUIRE(f.c.SetXattr(file->ino(), "user.k", "v").ok());
  auto r = f.c.Unlink(f.c.root, "f");
  REQUIRE(r.ok());
  CHECK(r->attr().ino() == file->ino());
  CHECK(r->attr().nlink() == 0);
  CHECK(Errno(f.c.Lookup(f.c.root, "f")) == ENOENT);
  CHECK(f.Check() == "");
  REQUIRE(f.DrainGc());
  CHECK(Errno(f.c.GetAttr(file->ino())) == ENOENT);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("unlink of a directory fails with EISDIR, of a missing name with ENOENT", "[meta][unlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Mkdir(f.c.root, "d").ok());
  CHECK(Errno(f.c.Unlink(f.c.root, "d")) == EISDIR);
  CHECK(Errno(f.c.Unlink(f.c.root, "missing")) == ENOENT);
  CHECK(Errno(f.c.Unlink(f.c.root, ".")) == EINVAL);
}

TEMPLATE_TEST_CASE("unlink of one of two hard links keeps the inode with nlink 1", "[meta][unlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "a");
  REQUIRE(file.ok());
  REQUIRE(f.c.Link(file->ino(), f.c.root, "b").ok());
  auto r = f.c.Unlink(f.c.root, "a");
  REQUIRE(r.ok());
  CHECK(r->attr().nlink() == 1);
  CHECK(f.c.Lookup(f.c.root, "b")->nlink() == 1);
  CHECK(f.GcPending() == 0);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("an unlinked open file keeps its inode until the last close", "[meta][unlink][open]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.CreateOpen(f.c.root, "f", 0644, O_RDWR);
  REQUIRE(file.ok());
  const uint64_t ino = file->attr().ino();
  REQUIRE(f.c.Commit(file->handle(), ino, 1000).ok());
  auto second = f.c.Open(ino, O_RDONLY);
  REQUIRE(second.ok());
  auto r = f.c.Unlink(f.c.root, "f");
  REQUIRE(r.ok());
  CHECK(r->attr().nlink() == 0);
  CHECK(f.c.GetAttr(ino).ok());  // still there for its handles
  CHECK(f.c.GetVolume("v")->usage().bytes() == 1000);
  CHECK(f.GcPending() == 0);
  CHECK(f.Check() == "");
  REQUIRE(f.c.Close(file->handle()).ok());
  CHECK(f.c.GetAttr(ino).ok());
  CHECK(f.GcPending() == 0);
  REQUIRE(f.c.Close(second->handle()).ok());
  CHECK(f.c.GetVolume("v")->usage().bytes() == 0);
  CHECK(f.Check() == "");
  REQUIRE(f.DrainGc());
  CHECK(Errno(f.c.GetAttr(ino)) == ENOENT);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("unlink returns the file's bytes and inode to the volume and tenant usage", "[meta][unlink][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto before = f.c.GetVolume("v");
  REQUIRE(before.ok());
  auto file = f.c.CreateOpen(f.c.root, "f", 0644, O_WRONLY);
  REQUIRE(file.ok());
  REQUIRE(f.c.CloseWithSize(file->handle(), 12345).ok());
  CHECK(f.c.GetVolume("v")->usage().bytes() == 12345);
  CHECK(f.c.GetTenant("t")->usage().bytes() == 12345);
  REQUIRE(f.c.Unlink(f.c.root, "f").ok());
  auto after = f.c.GetVolume("v");
  CHECK(after->usage().bytes() == 0);
  CHECK(after->usage().inodes() == before->usage().inodes());
  CHECK(f.c.GetTenant("t")->usage().bytes() == 0);
  CHECK(f.Check() == "");
}
