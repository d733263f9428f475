// Deferred creates (server/meta/ops/deferred_create.cc, docs/async-creates.md): inode reservations
// charged to the quotas, batches of creates a session answered itself under its directory lease, and
// other sessions' reads of such a directory waiting for the lease.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

namespace {

constexpr uint32_t kLeaseMs = 300;

// A directory made with a lease; its inode.
uint64_t LeasedDir(TestClient& c, uint64_t parent, const std::string& name) {
  AttrResponse r = MkdirLeased(c, parent, name, /*want=*/true, 0777);
  REQUIRE(r.leases_size() > 0);
  return r.attr().ino();
}

StatusOr<ReserveInodesResponse> Reserve(TestClient& c, uint32_t count) {
  ReserveInodesRequest q;
  q.set_session_id(c.session);
  q.set_count(count);
  q.set_request_id(c.NextRequestId());
  ReserveInodesResponse r;
  RETURN_IF_ERROR(c.transport().ReserveInodes(q, &r));
  return r;
}

DeferredCreate Entry(const TestClient& c, uint64_t parent, const std::string& name, uint64_t ino, uint32_t mode = 0666,
                     uint32_t umask = 022) {
  DeferredCreate e;
  *e.mutable_caller() = c.caller;
  e.set_parent(parent);
  e.set_name(name);
  e.set_ino(ino);
  e.set_mode(mode);
  e.set_umask(umask);
  e.mutable_time()->set_sec(1'700'000'000);
  e.mutable_time()->set_nsec(123);
  return e;
}

DeferredCreate UnlinkEntry(const TestClient& c, uint64_t parent, const std::string& name, uint64_t ino) {
  DeferredCreate e;
  *e.mutable_caller() = c.caller;
  e.set_parent(parent);
  e.set_name(name);
  e.set_ino(ino);
  e.set_unlink(true);
  return e;
}

StatusOr<CreateBatchResponse> Batch(TestClient& c, const std::vector<DeferredCreate>& entries) {
  CreateBatchRequest q;
  q.set_session_id(c.session);
  q.set_request_id(c.NextRequestId());
  for (const auto& e : entries) *q.add_creates() = e;
  CreateBatchResponse r;
  RETURN_IF_ERROR(c.transport().CreateBatch(q, &r));
  return r;
}

uint64_t VolumeInodes(TestClient& c) {
  auto v = c.GetVolume("v");
  REQUIRE(v.ok());
  return v->usage().inodes();
}

int64_t Since(int64_t start) { return MonoMs() - start; }

// Each entry's errno in a batch's reply (0 = applied).
std::vector<int> Errs(const CreateBatchResponse& r) {
  std::vector<int> out;
  for (const auto& e : r.results()) out.push_back(e.err());
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("an inode reservation is charged at once and returned by the next one and by unmount",
                   "[meta][deferred]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& c = f.c;
  const uint64_t base = VolumeInodes(c);

  auto r = Reserve(c, 40);
  REQUIRE(r.ok());
  CHECK(r->count() == 40);
  CHECK(VolumeInodes(c) == base + 40);
  CHECK(f.Check() == "");

  // A second reservation returns the first one's rest: the usage counts only the new one.
  auto r2 = Reserve(c, 10);
  REQUIRE(r2.ok());
  CHECK(r2->first() >= r->first() + 40);
  CHECK(VolumeInodes(c) == base + 10);
  CHECK(f.Check() == "");

  CHECK(Errno(Reserve(c, 0)) == EINVAL);
  CHECK(Errno(Reserve(c, 5000)) == EINVAL);

  REQUIRE(c.Unmount().ok());
  REQUIRE(c.MountVolume("v").ok());
  CHECK(VolumeInodes(c) == base);
  CHECK(f.Check() == "");

  // Quotas: a reservation is refused like a create when it would pass the tenant's inode quota, and
  // the refused one leaves the previous reservation as it was.
  Quota q;
  q.set_inodes(30);
  REQUIRE(c.CreateTenant("tq", q).ok());
  REQUIRE(c.CreateVolume("tv", "tq").ok());
  auto t = f.NewClient();
  REQUIRE(t.MountVolume("tv").ok());
  REQUIRE(Reserve(t, 20).ok());
  auto over = Reserve(t, 40);
  CHECK(Errno(over) == EDQUOT);
  auto tenant = t.GetTenant("tq");
  REQUIRE(tenant.ok());
  CHECK(tenant->usage().inodes() == 21);  // the root and the 20 still reserved
  CHECK(Errno(t.Create(t.root, "x")) == 0);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("a batch of deferred creates applies each create on its own under the session's lease",
                   "[meta][deferred]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& c = f.c;
  const uint64_t dir = LeasedDir(c, c.root, "d");
  auto r = Reserve(c, 8);
  REQUIRE(r.ok());
  const uint64_t first = r->first();
  const uint64_t charged = VolumeInodes(c);

  std::vector<DeferredCreate> batch = {
      Entry(c, dir, "a", first),
      Entry(c, dir, "b", first + 1, 0640, 0),
      Entry(c, dir, "a", first + 2),        // the name is taken by the first create: EEXIST
      Entry(c, dir, "c", first + 100),      // not reserved: EINVAL
      Entry(c, dir, "x/y", first + 3),      // a bad name: EINVAL
      Entry(c, c.root, "e", first + 4),     // the session holds no lease on the root: ESTALE
  };
  auto out = Batch(c, batch);
  REQUIRE(out.ok());
  CHECK(Errs(*out) == std::vector<int>{0, 0, EEXIST, EINVAL, EINVAL, ESTALE});
  REQUIRE(out->leases_size() == 1);  // the lease on d, renewed
  CHECK(out->leases(0).dir() == dir);

  auto a = c.Lookup(dir, "a");
  REQUIRE(a.ok());
  CHECK(a->ino() == first);
  CHECK(a->mode() == (S_IFREG | 0644));
  CHECK(a->nlink() == 1);
  CHECK(a->size() == 0);
  CHECK(a->mtime().sec() == 1'700'000'000);
  CHECK(a->ctime().nsec() == 123);
  CHECK(a->layout().chunk_size() > 0);
  auto b = c.Lookup(dir, "b");
  REQUIRE(b.ok());
  CHECK(b->mode() == (S_IFREG | 0640));
  CHECK(Errno(c.Lookup(c.root, "e")) == ENOENT);
  // The two creates used two of the reserved inodes: the usage did not move.
  CHECK(VolumeInodes(c) == charged);

  // The same batch again (its reply lost): the applied creates are found applied, nothing is doubled.
  auto again = Batch(c, batch);
  REQUIRE(again.ok());
  CHECK(again->results(0).err() == 0);
  CHECK(again->results(1).err() == 0);
  auto names = c.ListNames(dir);
  REQUIRE(names.ok());
  CHECK(names->size() == 2);

  // A file made so opens by inode as any other.
  auto h = c.Open(first, O_RDWR);
  REQUIRE(h.ok());
  REQUIRE(c.Close(h->handle()).ok());
  REQUIRE(c.Unlink(dir, "a").ok());
  CHECK(f.Check() == "");

  // Unmount returns the 6 reserved inodes not used.
  REQUIRE(c.Unmount().ok());
  REQUIRE(c.MountVolume("v").ok());
  CHECK(VolumeInodes(c) == charged - 1 - 6);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("another session's reads of a directory a deferring session fills wait for its lease and end it",
                   "[meta][deferred]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& a = f.c;
  TestClient b = f.NewClient();
  REQUIRE(b.MountVolume("v").ok());

  // A session that never reserved inodes: reads of its leased directory do not wait.
  const uint64_t plain = LeasedDir(a, a.root, "plain");
  int64_t t0 = MonoMs();
  CHECK(Errno(b.Lookup(plain, "nothing")) == ENOENT);
  CHECK(Since(t0) < kLeaseMs / 2);

  REQUIRE(Reserve(a, 16).ok());
  auto r = Reserve(a, 16);
  REQUIRE(r.ok());
  const uint64_t dir = LeasedDir(a, a.root, "d");

  // b looks "x" up while a holds the lease; a's batch lands meanwhile, so b sees it.
  t0 = MonoMs();
  auto found = std::async(std::launch::async, [&] { return b.Lookup(dir, "x"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto out = Batch(a, {Entry(a, dir, "x", r->first())});
  REQUIRE(out.ok());
  CHECK(out->results(0).err() == 0);
  CHECK(out->leases_size() == 0);  // revoked by b's wait: no renewal
  auto x = found.get();
  CHECK(Since(t0) >= kLeaseMs - 100);
  REQUIRE(x.ok());
  CHECK(x->ino() == r->first());

  // The lease is over: a create a sends now is refused, not applied behind b's read.
  auto late = Batch(a, {Entry(a, dir, "y", r->first() + 1)});
  REQUIRE(late.ok());
  CHECK(late->results(0).err() == ESTALE);
  CHECK(Errno(b.Lookup(dir, "y")) == ENOENT);

  // A listing waits the same way, and an rmdir of a directory a fills ahead waits for the lease, then
  // finds what arrived meanwhile.
  const uint64_t d2 = LeasedDir(a, a.root, "d2");
  t0 = MonoMs();
  auto listed = std::async(std::launch::async, [&] { return b.ListNames(d2); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(Batch(a, {Entry(a, d2, "z", r->first() + 2)}).ok());
  auto names = listed.get();
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"z"});
  CHECK(Since(t0) >= kLeaseMs - 100);

  const uint64_t d3 = LeasedDir(a, a.root, "d3");
  t0 = MonoMs();
  auto removed = std::async(std::launch::async, [&] { return b.Rmdir(a.root, "d3"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto in3 = Batch(a, {Entry(a, d3, "w", r->first() + 3)});
  REQUIRE(in3.ok());
  CHECK(in3->results(0).err() == 0);
  CHECK(Errno(removed.get()) == ENOTEMPTY);
  CHECK(Since(t0) >= kLeaseMs - 100);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("a batch applies deferred unlinks in order with its creates, only of the inode the name named",
                   "[meta][deferred]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& c = f.c;
  const uint64_t dir = LeasedDir(c, c.root, "d");
  auto r = Reserve(c, 8);
  REQUIRE(r.ok());
  CHECK(r->unlinks());  // this weft-meta takes them
  const uint64_t first = r->first();
  REQUIRE(c.Mkdir(dir, "sub").ok());
  const uint64_t sub_made = VolumeInodes(c);

  std::vector<DeferredCreate> batch = {
      Entry(c, dir, "a", first),
      Entry(c, dir, "b", first + 1),
      UnlinkEntry(c, dir, "a", first),      // a goes, and its inode with it
      Entry(c, dir, "a", first + 2),        // the name is free again
      UnlinkEntry(c, dir, "b", first + 5),  // b names another inode: ESTALE, b stays
      UnlinkEntry(c, dir, "nothere", first + 3),  // ENOENT
      UnlinkEntry(c, dir, "x/y", first + 1),      // a bad name: EINVAL
      UnlinkEntry(c, dir, "sub", 0),              // a directory's name names another inode: ESTALE
  };
  auto out = Batch(c, batch);
  REQUIRE(out.ok());
  CHECK(Errs(*out) == std::vector<int>{0, 0, 0, 0, ESTALE, ENOENT, EINVAL, ESTALE});
  REQUIRE(out->leases_size() == 1);  // the lease on d, renewed
  CHECK(out->leases(0).dir() == dir);

  auto a = c.Lookup(dir, "a");
  REQUIRE(a.ok());
  CHECK(a->ino() == first + 2);
  CHECK(Errno(c.GetAttr(first)) == ENOENT);  // released
  auto b = c.Lookup(dir, "b");
  REQUIRE(b.ok());
  CHECK(b->ino() == first + 1);
  auto names = c.ListNames(dir);
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"a", "b", "sub"});
  // Three creates from the reservation, one of them released again.
  CHECK(VolumeInodes(c) == sub_made - 1);
  CHECK(f.Check() == "");

  // The same batch again (its reply lost, a new request): nothing is applied twice; "a" keeps its new inode.
  auto again = Batch(c, batch);
  REQUIRE(again.ok());
  CHECK(again->results(2).err() == ESTALE);
  auto a2 = c.Lookup(dir, "a");
  REQUIRE(a2.ok());
  CHECK(a2->ino() == first + 2);
  CHECK(VolumeInodes(c) == sub_made - 1);

  // An unlink of a file open elsewhere leaves the inode until its close, as a plain unlink does.
  auto h = c.Open(first + 1, O_RDWR);
  REQUIRE(h.ok());
  auto gone = Batch(c, {UnlinkEntry(c, dir, "b", first + 1)});
  REQUIRE(gone.ok());
  CHECK(gone->results(0).err() == 0);
  CHECK(Errno(c.Lookup(dir, "b")) == ENOENT);
  REQUIRE(c.Close(h->handle()).ok());
  CHECK(Errno(c.GetAttr(first + 1)) == ENOENT);
  CHECK(VolumeInodes(c) == sub_made - 2);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("a deferred unlink checks the caller's permission on the directory, and applies after the lease ended",
                   "[meta][deferred]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& c = f.c;
  TestClient b = f.NewClient();
  REQUIRE(b.MountVolume("v").ok());
  const uint64_t dir = LeasedDir(c, c.root, "d");
  auto r = Reserve(c, 8);
  REQUIRE(r.ok());
  const uint64_t first = r->first();
  REQUIRE(Batch(c, {Entry(c, dir, "f", first), Entry(c, dir, "g", first + 1)}).ok());

  // A caller without write permission on d: EACCES, the file stays.
  DeferredCreate denied = UnlinkEntry(c, dir, "f", first);
  denied.mutable_caller()->set_uid(4242);
  denied.mutable_caller()->set_gid(4242);
  denied.mutable_caller()->clear_groups();
  REQUIRE(c.Chmod(dir, 0755).ok());
  auto out = Batch(c, {denied});
  REQUIRE(out.ok());
  CHECK(out->results(0).err() == EACCES);
  CHECK(c.Lookup(dir, "f").ok());

  // b reads d: the lease ends. An unlink c sends afterwards still applies (the name still names the
  // inode c unlinked), where a create would be refused.
  REQUIRE(b.ListNames(dir).ok());
  auto late = Batch(c, {UnlinkEntry(c, dir, "f", first), Entry(c, dir, "h", first + 2)});
  REQUIRE(late.ok());
  CHECK(late->results(0).err() == 0);
  CHECK(late->results(1).err() == ESTALE);
  CHECK(late->leases_size() == 0);
  CHECK(Errno(b.Lookup(dir, "f")) == ENOENT);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("another session's unlink or rename out of a directory a deferring session fills waits for its lease",
                   "[meta][deferred]", MemEngine, RocksEngine) {
  TestType engine;
  CoreFixture f(engine.Open(), LeaseOptions(kLeaseMs));
  auto& a = f.c;
  TestClient b = f.NewClient();
  REQUIRE(b.MountVolume("v").ok());
  auto r = Reserve(a, 16);
  REQUIRE(r.ok());
  const uint64_t first = r->first();
  const uint64_t dir = LeasedDir(a, a.root, "d");
  REQUIRE(Batch(a, {Entry(a, dir, "x", first), Entry(a, dir, "y", first + 1)}).ok());

  // b unlinks x while a holds the lease; a's unlink of x lands meanwhile: b finds it gone.
  int64_t t0 = MonoMs();
  auto removed = std::async(std::launch::async, [&] { return b.Unlink(dir, "x"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto out = Batch(a, {UnlinkEntry(a, dir, "x", first)});
  REQUIRE(out.ok());
  CHECK(out->results(0).err() == 0);
  CHECK(Errno(removed.get()) == ENOENT);
  CHECK(Since(t0) >= kLeaseMs - 100);

  // A rename of z out of d2 waits the same way, and a's unlink of z that lands meanwhile wins.
  const uint64_t d2 = LeasedDir(a, a.root, "d2");
  REQUIRE(Batch(a, {Entry(a, d2, "z", first + 2)}).ok());
  t0 = MonoMs();
  auto moved = std::async(std::launch::async, [&] { return b.Rename(d2, "z", b.root, "z2"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(Batch(a, {UnlinkEntry(a, d2, "z", first + 2)}).ok());
  CHECK(Errno(moved.get()) == ENOENT);
  CHECK(Since(t0) >= kLeaseMs - 100);
  CHECK(Errno(b.Lookup(b.root, "z2")) == ENOENT);

  // The holder's own unlinks and renames in its directory do not wait, and its unlink renews its lease,
  // as its adds do (one that lapsed while it only read comes back).
  t0 = MonoMs();
  const uint64_t d3 = LeasedDir(a, a.root, "d3");
  REQUIRE(Batch(a, {Entry(a, d3, "w", first + 3), Entry(a, d3, "v", first + 4)}).ok());
  REQUIRE(a.Rename(d3, "w", d3, "w2").ok());
  auto own = a.Unlink(d3, "w2");
  REQUIRE(own.ok());
  CHECK(Since(t0) < kLeaseMs / 2);
  REQUIRE(own->leases_size() == 1);
  CHECK(own->leases(0).dir() == d3);
  std::this_thread::sleep_for(std::chrono::milliseconds(kLeaseMs + 50));
  auto lapsed = a.Unlink(d3, "v");
  REQUIRE(lapsed.ok());
  CHECK(lapsed->leases_size() == 1);
  // Another session's unlink renews nothing of a's (it waits for a's lease, then ends it).
  const uint64_t d4 = LeasedDir(a, a.root, "d4");
  REQUIRE(Batch(a, {Entry(a, d4, "u", first + 5)}).ok());
  auto theirs = b.Unlink(d4, "u");
  REQUIRE(theirs.ok());
  CHECK(theirs->leases_size() == 0);
  auto after = Batch(a, {Entry(a, d4, "u2", first + 6)});
  REQUIRE(after.ok());
  CHECK(after->results(0).err() == ESTALE);  // a's lease there ended with b's unlink
  CHECK(f.Check() == "");
}
