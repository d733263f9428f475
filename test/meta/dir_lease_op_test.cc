// Directory leases through the operations (server/meta/dir_leases.h): Mkdir grants one when asked,
// the holder's adds renew it, another session's add waits for it to end and ends it for good, and
// every kind of add counts (create, mkdir, symlink, link, rename into the directory), an exchange not.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include "common/clock.h"
#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

namespace {

constexpr uint32_t kLeaseMs = 300;

// The lease for dir among leases; grant 0 when none.
DirLease LeaseOn(const google::protobuf::RepeatedPtrField<DirLease>& leases, uint64_t dir) {
  for (const auto& l : leases) {
    if (l.dir() == dir) return l;
  }
  return DirLease();
}

uint64_t CreateGrant(TestClient& c, uint64_t dir, const std::string& name) {
  auto r = c.CreateOpen(dir, name, 0644, O_RDWR, /*exclusive=*/true);
  REQUIRE(r.ok());
  return LeaseOn(r->leases(), dir).grant();
}

}  // namespace

TEMPLATE_TEST_CASE("a directory lease starts with its directory and ends with another session's first add",
                   "[meta][dir_lease]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& a = f.c;
  TestClient b = f.NewClient();
  REQUIRE(b.MountVolume("v").ok());

  CHECK(MkdirLeased(a, a.root, "unleased", /*want=*/false).leases_size() == 0);  // not asked: none

  const int64_t sent = MonoMs();
  AttrResponse made = MkdirLeased(a, a.root, "d");
  const uint64_t dir = made.attr().ino();
  DirLease lease = LeaseOn(made.leases(), dir);
  REQUIRE(lease.grant() != 0);
  CHECK(lease.ms() == kLeaseMs);

  // The holder's adds renew it, with the same grant.
  CHECK(CreateGrant(a, dir, "f1") == lease.grant());
  auto sub = MkdirLeased(a, dir, "sub");
  CHECK(LeaseOn(sub.leases(), dir).grant() == lease.grant());
  CHECK(LeaseOn(sub.leases(), sub.attr().ino()).grant() != 0);  // and the new directory gets its own
  const int64_t renewed_sent = MonoMs();
  auto s = a.Symlink(dir, "s", "f1");
  REQUIRE(s.ok());

  // Another session's create returns only once the holder can no longer trust the lease.
  auto other = b.CreateOpen(dir, "from-b", 0644, O_RDWR, true);
  REQUIRE(other.ok());
  CHECK(MonoMs() >= renewed_sent + kLeaseMs);
  CHECK(MonoMs() >= sent + kLeaseMs);
  CHECK(LeaseOn(other->leases(), dir).grant() == 0);

  // Gone for good: the holder's next add carries no lease on it.
  CHECK(CreateGrant(a, dir, "f2") == 0);
  // And the other session adds without waiting from now on (nothing to assert about time: it returns).
  REQUIRE(b.CreateOpen(dir, "from-b2", 0644, O_RDWR, true).ok());
}

TEMPLATE_TEST_CASE("every kind of add by another session ends a directory lease, an exchange does not",
                   "[meta][dir_lease]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& a = f.c;
  TestClient b = f.NewClient();
  REQUIRE(b.MountVolume("v").ok());
  auto bdir = b.Mkdir(b.root, "bdir");
  REQUIRE(bdir.ok());
  auto bfile = b.CreateOpen(bdir->ino(), "x", 0644, O_RDWR, true);
  REQUIRE(bfile.ok());
  auto bfile2 = b.CreateOpen(bdir->ino(), "y", 0644, O_RDWR, true);
  REQUIRE(bfile2.ok());

  struct Case {
    const char* what;
    std::function<Status(uint64_t dir)> add;
  };
  int n = 0;
  std::vector<Case> cases = {
      {"mkdir", [&](uint64_t d) { return b.Mkdir(d, "m").status(); }},
      {"symlink", [&](uint64_t d) { return b.Symlink(d, "s", "t").status(); }},
      {"link", [&](uint64_t d) { return b.Link(bfile->attr().ino(), d, "l").status(); }},
      {"rename", [&](uint64_t d) { return b.Rename(bdir->ino(), "y", d, "r").status(); }},
  };
  for (auto& c : cases) {
    INFO(c.what);
    AttrResponse made = MkdirLeased(a, a.root, "d" + std::to_string(n++));
    const uint64_t dir = made.attr().ino();
    REQUIRE(LeaseOn(made.leases(), dir).grant() != 0);
    const int64_t sent = MonoMs();
    REQUIRE(CreateGrant(a, dir, "own") != 0);
    REQUIRE(c.add(dir).ok());
    CHECK(MonoMs() >= sent + kLeaseMs);
    CHECK(CreateGrant(a, dir, "own2") == 0);
  }

  // An exchange of two names in a leased directory by another session adds no name: the lease stays.
  AttrResponse made = MkdirLeased(a, a.root, "ex");
  const uint64_t dir = made.attr().ino();
  REQUIRE(CreateGrant(a, dir, "p") != 0);
  REQUIRE(CreateGrant(a, dir, "q") != 0);
  auto ex = b.Rename(dir, "p", dir, "q", RENAME_EXCHANGE_FLAG);
  REQUIRE(ex.ok());
  CHECK(LeaseOn(ex->leases(), dir).grant() == 0);
  CHECK(CreateGrant(a, dir, "r") == LeaseOn(made.leases(), dir).grant());
}

TEMPLATE_TEST_CASE("a retried add is answered from its record, and a removed directory leaves the lease table",
                   "[meta][dir_lease]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& a = f.c;
  AttrResponse made = MkdirLeased(a, a.root, "d");
  const uint64_t dir = made.attr().ino();
  CHECK(f.core().leases().size() == 1);

  CreateRequest q;
  q.set_session_id(a.session);
  *q.mutable_caller() = a.caller;
  q.set_request_id(a.NextRequestId());
  q.set_parent(dir);
  q.set_name("f");
  q.set_mode(0644);
  CreateResponse r1, r2;
  REQUIRE(a.transport().Create(q, &r1).ok());
  REQUIRE(a.transport().Create(q, &r2).ok());  // the same request id: the recorded reply
  CHECK(r2.attr().ino() == r1.attr().ino());
  CHECK(LeaseOn(r2.leases(), dir).grant() == LeaseOn(r1.leases(), dir).grant());

  REQUIRE(a.Unlink(dir, "f").ok());
  REQUIRE(a.Rmdir(a.root, "d").ok());
  CHECK(f.core().leases().size() == 0);
}
