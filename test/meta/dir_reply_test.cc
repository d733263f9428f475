// The replies of calls that change a directory carry that directory afterwards (what a GetAttr right
// after would return), so that a client can answer the kernel's next getattr of it without a round trip.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include <google/protobuf/util/message_differencer.h>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

namespace {
// a equals a fresh GetAttr of the same directory.
void CheckFresh(TestClient& c, const Attr& a) {
  REQUIRE(a.ino() != 0);
  auto now = c.GetAttr(a.ino());
  REQUIRE(now.ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(a, *now));
}
}  // namespace

TEMPLATE_TEST_CASE("create, mkdir, symlink, link, unlink and rmdir return the changed directory afterwards",
                   "[meta][create][unlink]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto& c = f.c;
  auto dir = c.Mkdir(c.root, "d");
  REQUIRE(dir.ok());

  auto created = c.CreateOpen(dir->ino(), "f", 0644, O_RDWR, /*exclusive=*/true);
  REQUIRE(created.ok());
  CheckFresh(c, created->parent());
  CHECK(created->parent().ino() == dir->ino());

  MkdirRequest mq;
  mq.set_session_id(c.session);
  *mq.mutable_caller() = c.caller;
  mq.set_request_id(c.NextRequestId());
  mq.set_parent(dir->ino());
  mq.set_name("sub");
  mq.set_mode(0755);
  AttrResponse mr;
  REQUIRE(c.transport().Mkdir(mq, &mr).ok());
  CheckFresh(c, mr.parent());
  CHECK(mr.parent().nlink() == 3);

  SymlinkRequest sq;
  sq.set_session_id(c.session);
  *sq.mutable_caller() = c.caller;
  sq.set_request_id(c.NextRequestId());
  sq.set_parent(dir->ino());
  sq.set_name("s");
  sq.set_target("f");
  AttrResponse sr;
  REQUIRE(c.transport().Symlink(sq, &sr).ok());
  CheckFresh(c, sr.parent());

  LinkRequest lq;
  lq.set_session_id(c.session);
  *lq.mutable_caller() = c.caller;
  lq.set_request_id(c.NextRequestId());
  lq.set_ino(created->attr().ino());
  lq.set_new_parent(dir->ino());
  lq.set_new_name("g");
  AttrResponse lr;
  REQUIRE(c.transport().Link(lq, &lr).ok());
  CheckFresh(c, lr.parent());

  auto unlinked = c.Unlink(dir->ino(), "g");
  REQUIRE(unlinked.ok());
  CheckFresh(c, unlinked->parent());

  auto removed = c.Rmdir(dir->ino(), "sub");
  REQUIRE(removed.ok());
  CheckFresh(c, removed->parent());
  CHECK(removed->parent().nlink() == 2);
  CHECK(removed->removed_ino() == mr.attr().ino());
}

TEMPLATE_TEST_CASE("create that opens an existing file changes no directory and returns none",
                   "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "x").ok());
  auto again = f.c.CreateOpen(f.c.root, "x", 0644, O_RDWR, /*exclusive=*/false);
  REQUIRE(again.ok());
  CHECK_FALSE(again->created());
  CHECK(again->parent().ino() == 0);
}

TEMPLATE_TEST_CASE("rename returns the source directory and, when another, the destination afterwards",
                   "[meta][rename]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto& c = f.c;
  auto a = c.Mkdir(c.root, "a");
  auto b = c.Mkdir(c.root, "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.Create(a->ino(), "f").ok());
  REQUIRE(c.Mkdir(a->ino(), "sub").ok());

  auto same = c.Rename(a->ino(), "f", a->ino(), "g");
  REQUIRE(same.ok());
  CheckFresh(c, same->parent());
  CHECK(same->new_parent().ino() == 0);

  auto across = c.Rename(a->ino(), "sub", b->ino(), "sub");
  REQUIRE(across.ok());
  CheckFresh(c, across->parent());
  CheckFresh(c, across->new_parent());
  CHECK(across->parent().nlink() == 2);
  CHECK(across->new_parent().nlink() == 3);
}
