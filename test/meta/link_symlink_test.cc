// ops/link.cc, ops/symlink.cc and Readlink.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

TEMPLATE_TEST_CASE("link adds a name and counts it in nlink", "[meta][link]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Create(f.c.root, "a");
  auto d = f.c.Mkdir(f.c.root, "d");
  REQUIRE(a.ok());
  REQUIRE(d.ok());
  auto l = f.c.Link(a->ino(), d->ino(), "b");
  REQUIRE(l.ok());
  CHECK(l->ino() == a->ino());
  CHECK(l->nlink() == 2);
  CHECK(f.c.Lookup(d->ino(), "b")->ino() == a->ino());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("link to a directory fails with EPERM", "[meta][link]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto d = f.c.Mkdir(f.c.root, "d");
  REQUIRE(d.ok());
  CHECK(Errno(f.c.Link(d->ino(), f.c.root, "e")) == EPERM);
}

TEMPLATE_TEST_CASE("link over an existing name fails with EEXIST", "[meta][link]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Create(f.c.root, "a");
  REQUIRE(f.c.Create(f.c.root, "b").ok());
  CHECK(Errno(f.c.Link(a->ino(), f.c.root, "b")) == EEXIST);
  CHECK(Errno(f.c.Link(a->ino(), f.c.root, "a")) == EEXIST);
  CHECK(Errno(f.c.Link(999999, f.c.root, "c")) == ENOENT);
}

TEMPLATE_TEST_CASE("link of an unlinked open file fails with ENOENT", "[meta][link]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.CreateOpen(f.c.root, "a", 0644, O_RDWR);
  REQUIRE(a.ok());
  REQUIRE(f.c.Unlink(f.c.root, "a").ok());
  CHECK(Errno(f.c.Link(a->attr().ino(), f.c.root, "again")) == ENOENT);
  REQUIRE(f.c.Close(a->handle()).ok());
}

TEMPLATE_TEST_CASE("symlink stores its target and readlink returns it", "[meta][symlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto s = f.c.Symlink(f.c.root, "s", "../some/where");
  REQUIRE(s.ok());
  CHECK(S_ISLNK(s->mode()));
  CHECK((s->mode() & 0777) == 0777);
  CHECK(s->size() == 13);
  CHECK(f.c.Readlink(s->ino()).value() == "../some/where");
  auto longest = f.c.Symlink(f.c.root, "long", std::string(4095, 'x'));
  REQUIRE(longest.ok());
  CHECK(f.c.Readlink(longest->ino())->size() == 4095);
  CHECK(Errno(f.c.Symlink(f.c.root, "s", "t")) == EEXIST);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("a symlink target over 4095 bytes fails with ENAMETOOLONG, an empty one with ENOENT", "[meta][symlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  CHECK(Errno(f.c.Symlink(f.c.root, "s", std::string(4096, 'x'))) == ENAMETOOLONG);
  CHECK(Errno(f.c.Symlink(f.c.root, "s", "")) == ENOENT);
}

TEMPLATE_TEST_CASE("readlink of a non-symlink fails with EINVAL and open of a symlink with ELOOP", "[meta][symlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Create(f.c.root, "a");
  REQUIRE(a.ok());
  CHECK(Errno(f.c.Readlink(a->ino())) == EINVAL);
  auto s = f.c.Symlink(f.c.root, "s", "a");
  REQUIRE(s.ok());
  CHECK(Errno(f.c.Open(s->ino(), O_RDONLY)) == ELOOP);
}
