// ops/rename.cc: POSIX rename rules, RENAME_NOREPLACE, RENAME_EXCHANGE.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

TEMPLATE_TEST_CASE("rename within a directory moves the entry and keeps the inode", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Create(f.c.root, "a");
  REQUIRE(a.ok());
  auto r = f.c.Rename(f.c.root, "a", f.c.root, "b");
  REQUIRE(r.ok());
  CHECK(r->moved().ino() == a->ino());
  CHECK(r->replaced().ino() == 0);
  CHECK(Errno(f.c.Lookup(f.c.root, "a")) == ENOENT);
  CHECK(f.c.Lookup(f.c.root, "b")->ino() == a->ino());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("rename of a directory across directories fixes both parents' nlink and its parent", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto p1 = f.c.Mkdir(f.c.root, "p1");
  auto p2 = f.c.Mkdir(f.c.root, "p2");
  REQUIRE(p1.ok());
  REQUIRE(p2.ok());
  auto d = f.c.Mkdir(p1->ino(), "d");
  REQUIRE(d.ok());
  CHECK(f.c.GetAttr(p1->ino())->nlink() == 3);
  REQUIRE(f.c.Rename(p1->ino(), "d", p2->ino(), "e").ok());
  CHECK(f.c.GetAttr(p1->ino())->nlink() == 2);
  CHECK(f.c.GetAttr(p2->ino())->nlink() == 3);
  CHECK(f.c.Lookup(d->ino(), "..")->ino() == p2->ino());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("rename over an existing file replaces it and releases the old inode", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Create(f.c.root, "a");
  auto b = f.c.Create(f.c.root, "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto inodes = f.c.GetVolume("v")->usage().inodes();
  auto r = f.c.Rename(f.c.root, "a", f.c.root, "b");
  REQUIRE(r.ok());
  CHECK(r->replaced().ino() == b->ino());
  CHECK(r->replaced().nlink() == 0);
  CHECK(f.c.Lookup(f.c.root, "b")->ino() == a->ino());
  CHECK(f.c.GetVolume("v")->usage().inodes() == inodes - 1);
  CHECK(f.Check() == "");
  REQUIRE(f.DrainGc());
  CHECK(Errno(f.c.GetAttr(b->ino())) == ENOENT);
}

TEMPLATE_TEST_CASE("rename of a file over a directory fails with EISDIR", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "f").ok());
  REQUIRE(f.c.Mkdir(f.c.root, "d").ok());
  CHECK(Errno(f.c.Rename(f.c.root, "f", f.c.root, "d")) == EISDIR);
}

TEMPLATE_TEST_CASE("rename of a directory over a file fails with ENOTDIR", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "f").ok());
  REQUIRE(f.c.Mkdir(f.c.root, "d").ok());
  CHECK(Errno(f.c.Rename(f.c.root, "d", f.c.root, "f")) == ENOTDIR);
}

TEMPLATE_TEST_CASE("rename of a directory over a non-empty directory fails with ENOTEMPTY", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Mkdir(f.c.root, "a").ok());
  auto b = f.c.Mkdir(f.c.root, "b");
  REQUIRE(b.ok());
  REQUIRE(f.c.Create(b->ino(), "x").ok());
  CHECK(Errno(f.c.Rename(f.c.root, "a", f.c.root, "b")) == ENOTEMPTY);
}

TEMPLATE_TEST_CASE("rename of a directory over an empty directory replaces it", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto p = f.c.Mkdir(f.c.root, "p");
  REQUIRE(p.ok());
  auto a = f.c.Mkdir(p->ino(), "a");
  auto b = f.c.Mkdir(f.c.root, "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(f.c.Create(a->ino(), "inside").ok());
  auto r = f.c.Rename(p->ino(), "a", f.c.root, "b");
  REQUIRE(r.ok());
  CHECK(r->replaced().ino() == b->ino());
  CHECK(Errno(f.c.GetAttr(b->ino())) == ENOENT);
  CHECK(f.c.Lookup(f.c.root, "b")->ino() == a->ino());
  CHECK(f.c.GetAttr(f.c.root)->nlink() == 4);  // p, b (= a)
  CHECK(f.c.GetAttr(p->ino())->nlink() == 2);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("rename of a directory into its own subtree fails with EINVAL", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Mkdir(f.c.root, "a");
  REQUIRE(a.ok());
  auto b = f.c.Mkdir(a->ino(), "b");
  REQUIRE(b.ok());
  auto c = f.c.Mkdir(b->ino(), "c");
  REQUIRE(c.ok());
  CHECK(Errno(f.c.Rename(f.c.root, "a", c->ino(), "a")) == EINVAL);
  CHECK(Errno(f.c.Rename(f.c.root, "a", a->ino(), "self")) == EINVAL);
  CHECK(Errno(f.c.Rename(f.c.root, "a", b->ino(), "x")) == EINVAL);
  // Moving a directory up and out of its parent is fine; over an ancestor that contains it is not empty.
  CHECK(Errno(f.c.Rename(b->ino(), "c", f.c.root, "a")) == ENOTEMPTY);
  CHECK(f.c.Rename(b->ino(), "c", f.c.root, "c").ok());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("RENAME_NOREPLACE over an existing entry fails with EEXIST", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "a").ok());
  REQUIRE(f.c.Create(f.c.root, "b").ok());
  CHECK(Errno(f.c.Rename(f.c.root, "a", f.c.root, "b", RENAME_NOREPLACE_FLAG)) == EEXIST);
  CHECK(f.c.Rename(f.c.root, "a", f.c.root, "c", RENAME_NOREPLACE_FLAG).ok());
}

TEMPLATE_TEST_CASE("RENAME_EXCHANGE swaps two entries, a file and a directory across parents", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto p1 = f.c.Mkdir(f.c.root, "p1");
  auto p2 = f.c.Mkdir(f.c.root, "p2");
  REQUIRE(p1.ok());
  REQUIRE(p2.ok());
  auto file = f.c.Create(p1->ino(), "x");
  auto dir = f.c.Mkdir(p2->ino(), "y");
  REQUIRE(file.ok());
  REQUIRE(dir.ok());
  auto r = f.c.Rename(p1->ino(), "x", p2->ino(), "y", RENAME_EXCHANGE_FLAG);
  REQUIRE(r.ok());
  CHECK(r->moved().ino() == file->ino());
  CHECK(r->replaced().ino() == dir->ino());
  CHECK(f.c.Lookup(p1->ino(), "x")->ino() == dir->ino());
  CHECK(f.c.Lookup(p2->ino(), "y")->ino() == file->ino());
  CHECK(f.c.GetAttr(p1->ino())->nlink() == 3);
  CHECK(f.c.GetAttr(p2->ino())->nlink() == 2);
  CHECK(f.c.Lookup(dir->ino(), "..")->ino() == p1->ino());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("RENAME_EXCHANGE with a missing target fails with ENOENT", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "a").ok());
  CHECK(Errno(f.c.Rename(f.c.root, "a", f.c.root, "b", RENAME_EXCHANGE_FLAG)) == ENOENT);
}

TEMPLATE_TEST_CASE("RENAME_EXCHANGE of a directory into its own subtree fails with EINVAL", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Mkdir(f.c.root, "a");
  REQUIRE(a.ok());
  REQUIRE(f.c.Create(a->ino(), "f").ok());
  CHECK(Errno(f.c.Rename(a->ino(), "f", f.c.root, "a", RENAME_EXCHANGE_FLAG)) == EINVAL);
}

TEMPLATE_TEST_CASE("unknown rename flags or NOREPLACE with EXCHANGE fail with EINVAL", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "a").ok());
  REQUIRE(f.c.Create(f.c.root, "b").ok());
  CHECK(Errno(f.c.Rename(f.c.root, "a", f.c.root, "b", RENAME_NOREPLACE_FLAG | RENAME_EXCHANGE_FLAG)) == EINVAL);
  CHECK(Errno(f.c.Rename(f.c.root, "a", f.c.root, "b", 8)) == EINVAL);
}

TEMPLATE_TEST_CASE("rename onto another hard link of the same inode succeeds and changes nothing", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Create(f.c.root, "a");
  REQUIRE(a.ok());
  REQUIRE(f.c.Link(a->ino(), f.c.root, "b").ok());
  REQUIRE(f.c.Rename(f.c.root, "a", f.c.root, "b").ok());
  CHECK(f.c.Lookup(f.c.root, "a")->ino() == a->ino());
  CHECK(f.c.Lookup(f.c.root, "b")->nlink() == 2);
  REQUIRE(f.c.Rename(f.c.root, "a", f.c.root, "a").ok());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("rename of a missing entry fails with ENOENT", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  CHECK(Errno(f.c.Rename(f.c.root, "missing", f.c.root, "b")) == ENOENT);
  CHECK(Errno(f.c.Rename(f.c.root, "missing", 999999, "b")) == ENOENT);
}

TEMPLATE_TEST_CASE("rename sets the moved inode's ctime and both parents' mtime", "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto p1 = f.c.Mkdir(f.c.root, "p1");
  auto p2 = f.c.Mkdir(f.c.root, "p2");
  auto file = f.c.Create(p1->ino(), "x");
  REQUIRE(file.ok());
  auto r = f.c.Rename(p1->ino(), "x", p2->ino(), "y");
  REQUIRE(r.ok());
  const auto& t = r->moved().ctime();
  CHECK((t.sec() > file->ctime().sec() || (t.sec() == file->ctime().sec() && t.nsec() > file->ctime().nsec())));
  CHECK(f.c.GetAttr(p1->ino())->mtime().nsec() == t.nsec());
  CHECK(f.c.GetAttr(p2->ino())->mtime().nsec() == t.nsec());
}
