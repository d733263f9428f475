// ops/open_close.cc and ops/grant_commit.cc: handles, O_TRUNC, space grants, commits, statfs.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

namespace {
constexpr uint64_t kMi = 1 << 20;

meta::MetaOptions SmallGrants() {
  meta::MetaOptions o = TestOptions();
  o.grant_increment = kMi;
  return o;
}
}  // namespace

TEMPLATE_TEST_CASE("open returns a handle and close releases it", "[meta][open]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  auto h = f.c.Open(file->ino(), O_RDWR);
  REQUIRE(h.ok());
  CHECK(h->handle() != 0);
  CHECK(h->attr().ino() == file->ino());
  CHECK(f.Check() == "");
  CHECK(f.c.Close(h->handle()).ok());
  CHECK(Errno(f.c.Close(h->handle())) == EBADF);
  CHECK(Errno(f.c.Close(424242)) == EBADF);
  CHECK(Errno(f.c.Open(999999, O_RDONLY)) == ENOENT);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("one close releases a batch of handles and skips closed ones and the last one releases an unlinked file", "[meta][open][unlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Create(f.c.root, "a");
  auto b = f.c.Create(f.c.root, "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto a1 = f.c.Open(a->ino(), O_RDONLY);
  auto a2 = f.c.Open(a->ino(), O_RDWR);
  auto b1 = f.c.Open(b->ino(), O_RDONLY);
  REQUIRE(a1.ok());
  REQUIRE(a2.ok());
  REQUIRE(b1.ok());
  REQUIRE(f.c.Unlink(f.c.root, "a").ok());
  CHECK(f.c.GetAttr(a->ino())->nlink() == 0);  // kept while open
  REQUIRE(f.c.Close(b1->handle()).ok());
  // b1 is closed already: skipped. Both handles of the unlinked a go in one op, which releases it.
  REQUIRE(f.c.CloseMany({a1->handle(), b1->handle(), a2->handle()}).ok());
  CHECK(Errno(f.c.GetAttr(a->ino())) == ENOENT);
  CHECK(f.c.GetAttr(b->ino())->nlink() == 1);
  CHECK(Errno(f.c.Close(a2->handle())) == EBADF);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("open of a directory fails with EISDIR (directories need no handle)", "[meta][open]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto d = f.c.Mkdir(f.c.root, "d");
  CHECK(Errno(f.c.Open(d->ino(), O_WRONLY)) == EISDIR);
  CHECK(Errno(f.c.Open(d->ino(), O_RDONLY | O_TRUNC)) == EISDIR);
  CHECK(Errno(f.c.Open(d->ino(), O_RDONLY)) == EISDIR);
}

TEMPLATE_TEST_CASE("an unlinked open FIFO stays until its last close, then is deleted", "[meta][open][unlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto fifo = f.c.Create(f.c.root, "p", S_IFIFO | 0644);
  REQUIRE(fifo.ok());
  auto h = f.c.Open(fifo->ino(), O_RDONLY);
  REQUIRE(h.ok());
  REQUIRE(f.c.Unlink(f.c.root, "p").ok());
  CHECK(f.c.GetAttr(fifo->ino())->nlink() == 0);
  CHECK(f.Check() == "");
  REQUIRE(f.c.Close(h->handle()).ok());
  CHECK(Errno(f.c.GetAttr(fifo->ino())) == ENOENT);
  CHECK(f.GcPending() == 0);  // nothing to collect: not a regular file
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("open with O_TRUNC sets the size to 0 and frees its usage", "[meta][open][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto w = f.c.CreateOpen(f.c.root, "f", 0644, O_WRONLY);
  REQUIRE(w.ok());
  REQUIRE(f.c.CloseWithSize(w->handle(), 777).ok());
  CHECK(f.c.GetVolume("v")->usage().bytes() == 777);
  auto t = f.c.Open(w->attr().ino(), O_WRONLY | O_TRUNC);
  REQUIRE(t.ok());
  CHECK(t->attr().size() == 0);
  CHECK(f.c.GetVolume("v")->usage().bytes() == 0);
  CHECK(f.c.Close(t->handle()).ok());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("grant reserves whole increments, EDQUOT when the rest does not fit", "[meta][grant][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open(), SmallGrants());
  REQUIRE(f.c.CreateVolume("q", "t", 10 * kMi + 100).ok());
  auto c = f.NewClient();
  REQUIRE(c.MountVolume("q").ok());
  auto file = c.CreateOpen(c.root, "f", 0644, O_WRONLY);
  REQUIRE(file.ok());
  const uint64_t ino = file->attr().ino();
  auto g = c.Grant(file->handle(), ino, 100);
  REQUIRE(g.ok());
  CHECK(*g == kMi);  // rounded up to the increment
  CHECK(f.c.GetVolume("q")->usage().reserved_bytes() == kMi);
  CHECK(c.Grant(file->handle(), ino, 1000).value() == kMi);  // already covered: nothing new
  CHECK(c.Grant(file->handle(), ino, 9 * kMi + 1).value() == 10 * kMi);
  CHECK(c.Grant(file->handle(), ino, 10 * kMi + 50).value() == 10 * kMi + 100);  // capped by what remains
  auto refused = c.Grant(file->handle(), ino, 10 * kMi + 101);
  CHECK(Errno(refused) == EDQUOT);
  CHECK(f.c.GetVolume("q")->usage().reserved_bytes() == 10 * kMi + 100);
  CHECK(f.Check() == "");
  // Another writer finds no room either.
  auto other = c.CreateOpen(c.root, "g", 0644, O_WRONLY);
  REQUIRE(other.ok());
  CHECK(Errno(c.Grant(other->handle(), other->attr().ino(), 1)) == EDQUOT);
  // Closing returns the unused reservation.
  REQUIRE(c.CloseWithSize(file->handle(), 3 * kMi).ok());
  auto v = f.c.GetVolume("q");
  CHECK(v->usage().bytes() == 3 * kMi);
  CHECK(v->usage().reserved_bytes() == 0);
  CHECK(c.Grant(other->handle(), other->attr().ino(), 7 * kMi).ok());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("commit grows the size, moves usage and consumes the reservation, it never shrinks", "[meta][commit][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open(), SmallGrants());
  auto file = f.c.CreateOpen(f.c.root, "f", 0644, O_RDWR);
  REQUIRE(file.ok());
  const uint64_t ino = file->attr().ino();
  REQUIRE(f.c.Grant(file->handle(), ino, 4 * kMi).ok());
  auto a = f.c.Commit(file->handle(), ino, 3 * kMi);
  REQUIRE(a.ok());
  CHECK(a->size() == 3 * kMi);
  auto v = f.c.GetVolume("v");
  CHECK(v->usage().bytes() == 3 * kMi);
  CHECK(v->usage().reserved_bytes() == kMi);
  auto b = f.c.Commit(file->handle(), ino, kMi);
  REQUIRE(b.ok());
  CHECK(b->size() == 3 * kMi);
  CHECK(f.c.GetTenant("t")->usage().bytes() == 3 * kMi);
  CHECK(f.c.GetTenant("t")->usage().reserved_bytes() == kMi);
  REQUIRE(f.c.Close(file->handle()).ok());
  CHECK(f.c.GetVolume("v")->usage().reserved_bytes() == 0);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("grant and commit need a writable handle of the same inode", "[meta][grant]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Create(f.c.root, "a");
  auto b = f.c.Create(f.c.root, "b");
  auto reader = f.c.Open(a->ino(), O_RDONLY);
  auto writer = f.c.Open(a->ino(), O_WRONLY);
  REQUIRE(reader.ok());
  REQUIRE(writer.ok());
  CHECK(Errno(f.c.Grant(reader->handle(), a->ino(), 10)) == EBADF);
  CHECK(Errno(f.c.Commit(reader->handle(), a->ino(), 10)) == EBADF);
  CHECK(Errno(f.c.Grant(writer->handle(), b->ino(), 10)) == EINVAL);
  CHECK(Errno(f.c.Grant(31337, a->ino(), 10)) == EBADF);
  CHECK(Errno(f.c.Grant(writer->handle(), a->ino(), (1ull << 60) + 1)) == EFBIG);
}

TEMPLATE_TEST_CASE("the tenant's byte quota limits grants across its volumes", "[meta][grant][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open(), SmallGrants());
  Quota q;
  q.set_bytes(3 * kMi);
  REQUIRE(f.c.CreateTenant("tq", q).ok());
  REQUIRE(f.c.CreateVolume("v1", "tq", 100 * kMi).ok());
  REQUIRE(f.c.CreateVolume("v2", "tq", 100 * kMi).ok());
  auto c1 = f.NewClient();
  auto c2 = f.NewClient();
  REQUIRE(c1.MountVolume("v1").ok());
  REQUIRE(c2.MountVolume("v2").ok());
  auto f1 = c1.CreateOpen(c1.root, "f", 0644, O_WRONLY);
  auto f2 = c2.CreateOpen(c2.root, "f", 0644, O_WRONLY);
  REQUIRE(c1.Grant(f1->handle(), f1->attr().ino(), 2 * kMi).ok());
  CHECK(c2.Grant(f2->handle(), f2->attr().ino(), kMi).ok());
  auto refused = c2.Grant(f2->handle(), f2->attr().ino(), kMi + 1);
  CHECK(Errno(refused) == EDQUOT);
  CHECK(f.c.GetTenant("tq")->usage().reserved_bytes() == 3 * kMi);
  auto st = c2.StatFs();
  REQUIRE(st.ok());
  CHECK(st->free_bytes() == 0);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("statfs reports the volume's quota and usage", "[meta][statfs]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open(), SmallGrants());
  REQUIRE(f.c.CreateVolume("s", "t", 100 * kMi, 1000).ok());
  auto c = f.NewClient();
  REQUIRE(c.MountVolume("s").ok());
  auto file = c.CreateOpen(c.root, "f", 0644, O_WRONLY);
  REQUIRE(c.Grant(file->handle(), file->attr().ino(), 10 * kMi).ok());
  REQUIRE(c.Commit(file->handle(), file->attr().ino(), 6 * kMi).ok());
  auto st = c.StatFs();
  REQUIRE(st.ok());
  CHECK(st->total_bytes() == 100 * kMi);
  CHECK(st->free_bytes() == 90 * kMi);  // 6 used + 4 still reserved
  CHECK(st->total_inodes() == 1000);
  CHECK(st->free_inodes() == 998);  // root + f
  CHECK(st->name_max() == 255);
  CHECK(st->block_size() == 4096);
}
