// Permission rules enforced by weft-meta for non-root callers (server/meta/perm.cc and the ops).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include "server/meta/perm.h"
#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

namespace {
constexpr uint32_t kAlice = 1000, kBob = 2000, kCarol = 3000, kStaff = 50;
}

TEMPLATE_TEST_CASE("lookup without search permission on the directory fails with EACCES", "[meta][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto d = f.c.Mkdir(f.c.root, "private", 0700);
  REQUIRE(d.ok());
  REQUIRE(f.c.Create(d->ino(), "f").ok());
  auto bob = f.c.As(User(kBob, kBob));
  CHECK(Errno(bob.Lookup(d->ino(), "f")) == EACCES);
  CHECK(Errno(bob.Lookup(d->ino(), "missing")) == EACCES);
  CHECK(f.c.Lookup(d->ino(), "f").ok());
  REQUIRE(f.c.Chmod(d->ino(), 0701).ok());
  CHECK(bob.Lookup(d->ino(), "f").ok());  // search (x) is enough
  CHECK(Errno(bob.ReadDir(d->ino())) == EACCES);
}

TEMPLATE_TEST_CASE("entry changes without write permission on the parent fail with EACCES", "[meta][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto d = f.c.Mkdir(f.c.root, "ro", 0755);
  REQUIRE(d.ok());
  auto file = f.c.Create(d->ino(), "f", 0666);
  REQUIRE(f.c.Mkdir(d->ino(), "sub", 0777).ok());
  auto other = f.c.Mkdir(f.c.root, "rw", 0777);
  auto bob = f.c.As(User(kBob, kBob));
  CHECK(Errno(bob.Create(d->ino(), "x")) == EACCES);
  CHECK(Errno(bob.Mkdir(d->ino(), "x")) == EACCES);
  CHECK(Errno(bob.Symlink(d->ino(), "x", "t")) == EACCES);
  CHECK(Errno(bob.Link(file->ino(), d->ino(), "x")) == EACCES);
  CHECK(Errno(bob.Unlink(d->ino(), "f")) == EACCES);
  CHECK(Errno(bob.Rmdir(d->ino(), "sub")) == EACCES);
  CHECK(Errno(bob.Rename(d->ino(), "f", other->ino(), "f")) == EACCES);
  CHECK(Errno(bob.Rename(other->ino(), "nothing", d->ino(), "f")) == ENOENT);
  REQUIRE(bob.Create(other->ino(), "mine").ok());
  CHECK(Errno(bob.Rename(other->ino(), "mine", d->ino(), "mine")) == EACCES);
  CHECK(bob.Link(file->ino(), other->ino(), "link").ok());  // write on the target directory suffices
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("in a sticky directory only the entry's owner, the directory's owner or root removes it", "[meta][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto tmp = f.c.Mkdir(f.c.root, "tmp", 01777);
  REQUIRE(tmp.ok());
  REQUIRE(f.c.Chown(tmp->ino(), kCarol, kStaff).ok());
  auto alice = f.c.As(User(kAlice, kStaff));
  auto bob = f.c.As(User(kBob, kStaff));
  auto carol = f.c.As(User(kCarol, kStaff));
  REQUIRE(alice.Create(tmp->ino(), "a1", 0666).ok());
  REQUIRE(alice.Create(tmp->ino(), "a2", 0666).ok());
  REQUIRE(alice.Create(tmp->ino(), "a3", 0666).ok());
  REQUIRE(alice.Mkdir(tmp->ino(), "adir", 0777).ok());
  REQUIRE(bob.Create(tmp->ino(), "b1", 0666).ok());
  CHECK(Errno(bob.Unlink(tmp->ino(), "a1")) == EPERM);
  CHECK(Errno(bob.Rmdir(tmp->ino(), "adir")) == EPERM);
  CHECK(Errno(bob.Rename(tmp->ino(), "a1", tmp->ino(), "stolen")) == EPERM);
  CHECK(Errno(bob.Rename(tmp->ino(), "b1", tmp->ino(), "a1")) == EPERM);  // replacing alice's file
  CHECK(alice.Unlink(tmp->ino(), "a1").ok());
  CHECK(carol.Unlink(tmp->ino(), "a2").ok());  // owns the directory
  CHECK(f.c.Unlink(tmp->ino(), "a3").ok());    // root
  CHECK(bob.Rename(tmp->ino(), "b1", tmp->ino(), "b2").ok());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("new entries in a setgid directory take its group, subdirectories inherit setgid", "[meta][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto shared = f.c.Mkdir(f.c.root, "shared", 0777);
  REQUIRE(shared.ok());
  REQUIRE(f.c.Chown(shared->ino(), 0, kStaff).ok());
  REQUIRE(f.c.Chmod(shared->ino(), S_ISGID | 0777).ok());
  auto alice = f.c.As(User(kAlice, kAlice, {kStaff}));
  auto file = alice.Create(shared->ino(), "f", 0644);
  REQUIRE(file.ok());
  CHECK(file->gid() == kStaff);
  CHECK((file->mode() & S_ISGID) == 0);
  auto sub = alice.Mkdir(shared->ino(), "sub", 0755);
  REQUIRE(sub.ok());
  CHECK(sub->gid() == kStaff);
  CHECK((sub->mode() & S_ISGID) != 0);
  auto deeper = alice.Create(sub->ino(), "g", 0644);
  CHECK(deeper->gid() == kStaff);
  auto plain = f.c.Mkdir(f.c.root, "plain", 0777);
  CHECK(alice.Create(plain->ino(), "h", 0644)->gid() == kAlice);
}

TEMPLATE_TEST_CASE("a group-executable setgid file made in a setgid directory by a non-member loses setgid", "[meta][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto shared = f.c.Mkdir(f.c.root, "shared", 0777);
  REQUIRE(f.c.Chown(shared->ino(), 0, kStaff).ok());
  REQUIRE(f.c.Chmod(shared->ino(), S_ISGID | 0777).ok());
  auto outsider = f.c.As(User(kBob, kBob));
  auto file = outsider.Create(shared->ino(), "f", S_ISGID | 0755);
  REQUIRE(file.ok());
  CHECK(file->gid() == kStaff);
  CHECK((file->mode() & 07777) == 0755);
  auto member = f.c.As(User(kAlice, kAlice, {kStaff}));
  auto kept = member.Create(shared->ino(), "g", S_ISGID | 0755);
  CHECK((kept->mode() & 07777) == (S_ISGID | 0755));
}

TEMPLATE_TEST_CASE("open checks read and write permission by access mode, O_TRUNC needs write", "[meta][perm][open]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Chmod(f.c.root, 0777).ok());
  auto alice = f.c.As(User(kAlice, kStaff));
  auto file = alice.Create(f.c.root, "f", 0640);
  REQUIRE(file.ok());
  auto groupmate = f.c.As(User(kBob, kStaff));
  auto stranger = f.c.As(User(kCarol, kCarol));
  CHECK(groupmate.Open(file->ino(), O_RDONLY).ok());
  CHECK(Errno(groupmate.Open(file->ino(), O_WRONLY)) == EACCES);
  CHECK(Errno(groupmate.Open(file->ino(), O_RDWR)) == EACCES);
  CHECK(Errno(groupmate.Open(file->ino(), O_RDONLY | O_TRUNC)) == EACCES);
  CHECK(Errno(stranger.Open(file->ino(), O_RDONLY)) == EACCES);
  CHECK(alice.Open(file->ino(), O_RDWR).ok());
  CHECK(f.c.Open(file->ino(), O_RDWR).ok());  // root
  auto supp = f.c.As(User(kCarol, kCarol, {kStaff}));
  CHECK(supp.Open(file->ino(), O_RDONLY).ok());  // supplementary group
}

TEST_CASE("root may execute a file only when some x bit is set", "[meta][perm]") {
  Attr a;
  a.set_mode(S_IFREG | 0644);
  Caller root;
  CHECK(meta::CheckAccess(root, a, meta::kMayRead | meta::kMayWrite).ok());
  CHECK(meta::CheckAccess(root, a, meta::kMayExec).err() == EACCES);
  a.set_mode(S_IFREG | 0601);
  CHECK(meta::CheckAccess(root, a, meta::kMayExec).ok());
  a.set_mode(S_IFDIR | 0000);
  CHECK(meta::CheckAccess(root, a, meta::kMayExec).ok());
}

TEST_CASE("the owner's bits apply to the owner even when group or other bits would allow more", "[meta][perm]") {
  Attr a;
  a.set_mode(S_IFREG | 0077);
  a.set_uid(kAlice);
  a.set_gid(kStaff);
  CHECK(meta::CheckAccess(User(kAlice, kStaff), a, meta::kMayRead).err() == EACCES);
  CHECK(meta::CheckAccess(User(kBob, kStaff), a, meta::kMayRead).ok());
  CHECK(meta::CheckAccess(User(kCarol, 1), a, meta::kMayRead).ok());
}
