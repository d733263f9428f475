// client/leased_dirs.h: which lookups a directory lease answers ENOENT, and when it stops.
#include <catch2/catch.hpp>

#include <vector>

#include "client/leased_dirs.h"
#include "common/clock.h"

using weft::Attr;
using weft::Caller;
using weft::DirLease;
using weft::MonoMs;
using weft::client::LeasedDirs;

namespace {

constexpr uint64_t kDir = 77;

LeasedDirs::Leases Lease(uint64_t dir, uint64_t grant, uint32_t ms) {
  LeasedDirs::Leases out;
  DirLease* l = out.Add();
  l->set_dir(dir);
  l->set_grant(grant);
  l->set_ms(ms);
  return out;
}

Attr DirAttr(uint64_t ino, uint32_t mode = 040755, uint32_t uid = 0, uint32_t gid = 0) {
  Attr a;
  a.set_ino(ino);
  a.set_mode(mode);
  a.set_uid(uid);
  a.set_gid(gid);
  return a;
}

Caller Who(uint32_t uid, uint32_t gid) {
  Caller c;
  c.set_uid(uid);
  c.set_gid(gid);
  return c;
}

const Caller kRoot = Who(0, 0);

}  // namespace

TEST_CASE("a leased directory answers names this session did not add, and only those", "[client][dir_lease]") {
  LeasedDirs d(true);
  const int64_t sent = MonoMs();
  d.Made(DirAttr(kDir), Lease(kDir, 5, 60000), sent);
  CHECK(d.Absent(kDir, "new", kRoot));
  d.WillAdd(kDir, "mine");
  CHECK_FALSE(d.Absent(kDir, "mine", kRoot));
  d.Added(kDir, Lease(kDir, 5, 60000), sent, Attr());
  CHECK(d.Absent(kDir, "other", kRoot));
  CHECK_FALSE(d.Absent(kDir + 1, "other", kRoot));  // no lease there
  // Names weft-meta resolves or refuses itself are never answered here.
  CHECK_FALSE(d.Absent(kDir, ".", kRoot));
  CHECK_FALSE(d.Absent(kDir, "..", kRoot));
  CHECK_FALSE(d.Absent(kDir, "", kRoot));
  CHECK_FALSE(d.Absent(kDir, std::string(256, 'n'), kRoot));
  CHECK_FALSE(d.Absent(kDir, "a/b", kRoot));
  CHECK(d.answered() == 2);
}

TEST_CASE("a leased directory answers only callers who may search it", "[client][dir_lease]") {
  LeasedDirs d(true);
  const int64_t sent = MonoMs();
  d.Made(DirAttr(kDir, 040750, 1000, 100), Lease(kDir, 5, 60000), sent);
  CHECK(d.Absent(kDir, "n", Who(1000, 1000)));  // the owner
  CHECK(d.Absent(kDir, "n", Who(2000, 100)));   // the group
  Caller member = Who(2000, 5);
  member.add_groups(100);
  CHECK(d.Absent(kDir, "n", member));           // a supplementary group
  CHECK_FALSE(d.Absent(kDir, "n", Who(3000, 300)));  // others: weft-meta answers EACCES
  CHECK(d.Absent(kDir, "n", kRoot));
  // An add's reply carries the directory's mode afterwards (a chmod of it shows there).
  d.WillAdd(kDir, "x");
  d.Added(kDir, Lease(kDir, 5, 60000), sent, DirAttr(kDir, 040700, 1000, 100));
  CHECK_FALSE(d.Absent(kDir, "n", Who(2000, 100)));
  CHECK(d.Absent(kDir, "n", Who(1000, 1000)));
}

TEST_CASE("a directory lease ends with a reply without it, at its time, and with the directory", "[client][dir_lease]") {
  LeasedDirs d(true);
  const int64_t sent = MonoMs();
  d.Made(DirAttr(kDir), Lease(kDir, 5, 60000), sent);
  d.WillAdd(kDir, "x");
  d.Added(kDir, Lease(kDir, 6, 60000), sent, Attr());  // another grant: not ours any more
  CHECK_FALSE(d.Absent(kDir, "y", kRoot));
  CHECK(d.size() == 0);
  d.Added(kDir, Lease(kDir, 5, 60000), sent, Attr());  // a late renewal does not bring it back
  CHECK_FALSE(d.Absent(kDir, "y", kRoot));

  d.Made(DirAttr(kDir), Lease(kDir, 7, 50), MonoMs() - 60);  // trusted from the send time: already over
  CHECK_FALSE(d.Absent(kDir, "y", kRoot));
  d.Added(kDir, Lease(kDir, 7, 60000), MonoMs(), Attr());  // renewed by an add's reply
  CHECK(d.Absent(kDir, "y", kRoot));
  d.Forget(kDir);
  CHECK_FALSE(d.Absent(kDir, "y", kRoot));

  d.Made(DirAttr(kDir), LeasedDirs::Leases(), MonoMs());  // a Mkdir reply without a lease starts nothing
  CHECK(d.size() == 0);
  d.Made(DirAttr(kDir), Lease(kDir + 1, 8, 60000), MonoMs());  // nor one for another directory
  CHECK(d.size() == 0);

  LeasedDirs off(false);
  off.Made(DirAttr(kDir), Lease(kDir, 5, 60000), MonoMs());
  CHECK_FALSE(off.Absent(kDir, "y", kRoot));
}

TEST_CASE("a leased directory answers unlinks of the files this session put there, once each", "[client][dir_lease]") {
  LeasedDirs d(true);
  const int64_t sent = MonoMs();
  d.Made(DirAttr(kDir), Lease(kDir, 5, 60000), sent);
  weft::Timespec now;
  now.set_sec(1'800'000'000);
  auto idle = [](uint64_t) { return false; };
  std::vector<uint64_t> queued;
  auto queue = [&](uint64_t ino) { queued.push_back(ino); };
  d.WillAdd(kDir, "f");
  d.AddedFile(kDir, "f", 1001);
  d.WillAdd(kDir, "g");
  d.AddedFile(kDir, "g", 1002);
  d.AddedFile(kDir + 1, "h", 1003);  // no lease there: not kept

  // A name the session did not put there, or in a directory without a lease: weft-meta's to answer.
  CHECK_FALSE(d.MayDeferUnlink(kDir, "other", kRoot, now, idle, queue));
  CHECK_FALSE(d.MayDeferUnlink(kDir + 1, "h", kRoot, now, idle, queue));
  // A file with a handle open here: weft-meta's too, and it stays known.
  CHECK_FALSE(d.MayDeferUnlink(kDir, "f", kRoot, now, [](uint64_t ino) { return ino == 1001; }, queue));
  // A caller who may not write the directory.
  CHECK_FALSE(d.MayDeferUnlink(kDir, "f", Who(1000, 1000), now, idle, queue));

  CHECK_FALSE(d.Absent(kDir, "f", kRoot));
  auto u = d.MayDeferUnlink(kDir, "f", kRoot, now, idle, queue);
  REQUIRE(u);
  CHECK(u->ino == 1001);
  CHECK(queued == std::vector<uint64_t>{1001});  // queued once, by the answer only
  CHECK(u->dir.ino() == kDir);
  CHECK(u->dir.mtime().sec() == 1'800'000'000);
  // Gone on this side: its lookup is answered here, a second unlink is not, a create may be deferred.
  CHECK(d.Absent(kDir, "f", kRoot));
  CHECK_FALSE(d.MayDeferUnlink(kDir, "f", kRoot, now, idle, queue));
  CHECK(d.MayDefer(kDir, "f", kRoot, now));

  // An unlink or rename sent to weft-meta forgets the name; a rename in makes it known again.
  d.Removing(kDir, "g");
  CHECK_FALSE(d.MayDeferUnlink(kDir, "g", kRoot, now, idle, queue));
  CHECK_FALSE(d.Absent(kDir, "g", kRoot));  // weft-meta says whether it is gone
  d.WillAdd(kDir, "g2");
  d.AddedFile(kDir, "g2", 1002);
  auto g2 = d.MayDeferUnlink(kDir, "g2", kRoot, now, idle, queue);
  REQUIRE(g2);
  CHECK(g2->ino == 1002);

  // A name added twice stays noted after one unlink: lookups of it go to weft-meta.
  d.WillAdd(kDir, "twice");
  d.WillAdd(kDir, "twice");
  d.AddedFile(kDir, "twice", 1004);
  REQUIRE(d.MayDeferUnlink(kDir, "twice", kRoot, now, idle, queue));
  CHECK_FALSE(d.Absent(kDir, "twice", kRoot));

  // A sticky directory answers none; the end of the lease forgets every file.
  d.WillAdd(kDir, "k");
  d.AddedFile(kDir, "k", 1005);
  d.Forget(kDir);
  CHECK_FALSE(d.MayDeferUnlink(kDir, "k", kRoot, now, idle, queue));
  d.Made(DirAttr(kDir + 2, 041777), Lease(kDir + 2, 6, 60000), sent);
  d.WillAdd(kDir + 2, "s");
  d.AddedFile(kDir + 2, "s", 1006);
  CHECK_FALSE(d.MayDeferUnlink(kDir + 2, "s", kRoot, now, idle, queue));
}

TEST_CASE("a lease with less than half its period left answers no unlink", "[client][dir_lease]") {
  LeasedDirs d(true);
  weft::Timespec now;
  d.Made(DirAttr(kDir), Lease(kDir, 5, 400), MonoMs() - 250);  // 150 ms of 400 left
  d.WillAdd(kDir, "f");
  d.AddedFile(kDir, "f", 1001);
  CHECK_FALSE(d.MayDeferUnlink(kDir, "f", kRoot, now, [](uint64_t) { return false; }, [](uint64_t) { FAIL("queued"); }));
}

TEST_CASE("an unlink's reply renews a lease it carries and ends none", "[client][dir_lease]") {
  LeasedDirs d(true);
  weft::Timespec now;
  auto idle = [](uint64_t) { return false; };
  auto queue = [](uint64_t) {};
  d.Made(DirAttr(kDir), Lease(kDir, 5, 400), MonoMs() - 350);  // 50 ms of 400 left
  d.WillAdd(kDir, "f");
  d.AddedFile(kDir, "f", 1001);
  d.AddedFile(kDir, "g", 1002);
  CHECK_FALSE(d.MayDeferUnlink(kDir, "f", kRoot, now, idle, queue));
  d.Renewed(kDir, Lease(kDir, 6, 400), MonoMs());  // another grant: not this lease
  CHECK_FALSE(d.MayDeferUnlink(kDir, "f", kRoot, now, idle, queue));
  d.Renewed(kDir, LeasedDirs::Leases(), MonoMs());  // no lease in the reply: nothing ends
  d.Renewed(kDir, Lease(kDir, 5, 400), MonoMs());
  CHECK(d.MayDeferUnlink(kDir, "f", kRoot, now, idle, queue));
  CHECK(d.MayDeferUnlink(kDir, "g", kRoot, now, idle, queue));
}
