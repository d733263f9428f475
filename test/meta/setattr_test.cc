// ops/setattr.cc: chmod, chown, chgrp, truncate and times, with Linux's owner rules (non-root callers).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

namespace {
constexpr uint32_t kAlice = 1000, kBob = 2000, kStaff = 50, kOther = 60;

// A world-writable directory with a file owned by alice:staff (mode `mode`).
uint64_t AliceFile(CoreFixture& f, uint32_t mode = 0644) {
  REQUIRE(f.c.Chmod(f.c.root, 0777).ok());
  auto file = f.c.As(User(kAlice, kStaff)).Create(f.c.root, "file", mode);
  REQUIRE(file.ok());
  return file->ino();
}

SetAttrRequest Times(uint64_t ino, uint32_t mask, int64_t sec = 0, uint32_t nsec = 0) {
  SetAttrRequest q;
  q.set_ino(ino);
  q.set_mask(mask);
  q.mutable_atime()->set_sec(sec);
  q.mutable_atime()->set_nsec(nsec);
  q.mutable_mtime()->set_sec(sec);
  q.mutable_mtime()->set_nsec(nsec);
  return q;
}
}  // namespace

TEMPLATE_TEST_CASE("chmod by the owner works and by another user fails with EPERM", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f);
  auto a = f.c.As(User(kAlice, kStaff)).Chmod(ino, 0600);
  REQUIRE(a.ok());
  CHECK((a->mode() & 07777) == 0600);
  CHECK(S_ISREG(a->mode()));
  CHECK(Errno(f.c.As(User(kBob, kStaff)).Chmod(ino, 0666)) == EPERM);
  CHECK(f.c.Chmod(ino, 0640).ok());  // root
}

TEMPLATE_TEST_CASE("a writer who is not the owner may clear setuid/setgid and nothing else", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f, 0666);
  REQUIRE(f.c.Chmod(ino, S_ISUID | S_ISGID | 0676).ok());  // root: setuid, setgid, group-executable
  auto bob = f.c.As(User(kBob, kOther));
  CHECK(Errno(bob.Chmod(ino, S_ISUID | S_ISGID | 0777)) == EPERM);  // adds bits
  CHECK(Errno(bob.Chmod(ino, 0666)) == EPERM);                      // clears setuid and changes more
  CHECK(Errno(bob.Chmod(ino, S_ISUID | S_ISGID | 0676)) == EPERM);  // a no-op chmod is still a chmod
  auto cleared = bob.Chmod(ino, 0676);  // what the kernel asks for on bob's write (ATTR_KILL_SUID)
  REQUIRE(cleared.ok());
  CHECK((cleared->mode() & 07777) == 0676);
  // Without write permission the same request is refused.
  REQUIRE(f.c.Chmod(ino, S_ISUID | 0644).ok());
  CHECK(Errno(bob.Chmod(ino, 0644)) == EACCES);
  CHECK((f.c.GetAttr(ino)->mode() & 07777) == (S_ISUID | 0644));
}

TEMPLATE_TEST_CASE("chmod by an owner outside the file's group clears setgid", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f);
  REQUIRE(f.c.Chgrp(ino, kOther).ok());
  auto a = f.c.As(User(kAlice, kStaff)).Chmod(ino, S_ISGID | 0755);
  REQUIRE(a.ok());
  CHECK((a->mode() & 07777) == 0755);
  auto member = f.c.As(User(kAlice, kStaff, {kOther})).Chmod(ino, S_ISGID | 0755);
  REQUIRE(member.ok());
  CHECK((member->mode() & 07777) == (S_ISGID | 0755));
}

TEMPLATE_TEST_CASE("chown to another user by a non-root caller fails with EPERM, root may", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f);
  auto alice = f.c.As(User(kAlice, kStaff));
  CHECK(Errno(alice.Chown(ino, kBob, kStaff)) == EPERM);
  CHECK(alice.Chown(ino, kAlice, kStaff).ok());  // to itself: allowed
  CHECK(Errno(f.c.As(User(kBob, kStaff)).Chown(ino, kAlice, kStaff)) == EPERM);
  auto a = f.c.Chown(ino, kBob, kOther);
  REQUIRE(a.ok());
  CHECK(a->uid() == kBob);
  CHECK(a->gid() == kOther);
}

TEMPLATE_TEST_CASE("chgrp by the owner to its own group works, else EPERM", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f);
  auto alice = f.c.As(User(kAlice, kStaff, {kOther}));
  auto a = alice.Chgrp(ino, kOther);
  REQUIRE(a.ok());
  CHECK(a->gid() == kOther);
  CHECK(Errno(alice.Chgrp(ino, 77)) == EPERM);
  CHECK(Errno(f.c.As(User(kBob, kOther)).Chgrp(ino, kOther)) == EPERM);
}

TEMPLATE_TEST_CASE("chown of a file clears setuid and group-executable setgid, even by root", "[meta][setattr]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f, S_ISUID | S_ISGID | 0755);
  REQUIRE((f.c.GetAttr(ino)->mode() & 07777) == (S_ISUID | S_ISGID | 0755));
  auto a = f.c.Chown(ino, kBob, kStaff);
  REQUIRE(a.ok());
  CHECK((a->mode() & 07777) == 0755);
  // setgid without group execute (mandatory locking) stays.
  REQUIRE(f.c.Chmod(ino, S_ISGID | 0745).ok());
  auto b = f.c.Chown(ino, kAlice, kStaff);
  CHECK((b->mode() & 07777) == (S_ISGID | 0745));
  // Directories keep both.
  auto d = f.c.Mkdir(f.c.root, "d", 0755);
  REQUIRE(f.c.Chmod(d->ino(), S_ISGID | 0775).ok());
  CHECK((f.c.Chown(d->ino(), kAlice, kStaff)->mode() & 07777) == (S_ISGID | 0775));
}

TEMPLATE_TEST_CASE("utimes to now by a writer who is not the owner works, without write fails with EACCES", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f, 0646);
  auto bob = f.c.As(User(kBob, kOther));
  CHECK(bob.SetAttr(Times(ino, SETATTR_ATIME | SETATTR_MTIME | SETATTR_ATIME_NOW | SETATTR_MTIME_NOW)).ok());
  REQUIRE(f.c.Chmod(ino, 0644).ok());
  CHECK(Errno(bob.SetAttr(Times(ino, SETATTR_MTIME | SETATTR_MTIME_NOW))) == EACCES);
}

TEMPLATE_TEST_CASE("explicit times by a non-owner fail with EPERM even with write permission", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f, 0666);
  CHECK(Errno(f.c.As(User(kBob, kOther)).SetAttr(Times(ino, SETATTR_MTIME, 1000, 5))) == EPERM);
  auto a = f.c.As(User(kAlice, kStaff)).SetAttr(Times(ino, SETATTR_ATIME | SETATTR_MTIME, 1234567890, 123456789));
  REQUIRE(a.ok());
  CHECK(a->mtime().sec() == 1234567890);
  CHECK(a->mtime().nsec() == 123456789);
  CHECK(a->atime().sec() == 1234567890);
  CHECK(a->atime().nsec() == 123456789);
  CHECK(a->ctime().sec() > 1234567890);  // ctime is now
}

TEMPLATE_TEST_CASE("truncate shrinks and grows the size, moves usage and sets mtime", "[meta][setattr][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.CreateOpen(f.c.root, "f", 0644, O_WRONLY);
  REQUIRE(file.ok());
  const uint64_t ino = file->attr().ino();
  REQUIRE(f.c.CloseWithSize(file->handle(), 5000).ok());
  auto a = f.c.Truncate(ino, 100);
  REQUIRE(a.ok());
  CHECK(a->size() == 100);
  CHECK(a->mtime().nsec() == a->ctime().nsec());
  CHECK(f.c.GetVolume("v")->usage().bytes() == 100);
  auto b = f.c.Truncate(ino, 1 << 20);
  REQUIRE(b.ok());
  CHECK(b->size() == 1 << 20);
  CHECK(f.c.GetVolume("v")->usage().bytes() == 1 << 20);
  CHECK(f.c.GetTenant("t")->usage().bytes() == 1 << 20);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("truncate needs write permission and a regular file", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  uint64_t ino = AliceFile(f, 0644);
  CHECK(Errno(f.c.As(User(kBob, kOther)).Truncate(ino, 0)) == EACCES);
  auto d = f.c.Mkdir(f.c.root, "d");
  CHECK(Errno(f.c.Truncate(d->ino(), 0)) == EISDIR);
  auto s = f.c.Symlink(f.c.root, "s", "target");
  CHECK(Errno(f.c.Truncate(s->ino(), 0)) == EINVAL);
  CHECK(Errno(f.c.Truncate(ino, (1ull << 60) + 1)) == EFBIG);
}

TEMPLATE_TEST_CASE("truncate through a writable handle needs no write permission on the file", "[meta][setattr][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Chmod(f.c.root, 0777).ok());
  auto alice = f.c.As(User(kAlice, kStaff));
  auto file = alice.CreateOpen(f.c.root, "ro", 0444, O_WRONLY, true);
  REQUIRE(file.ok());
  const uint64_t ino = file->attr().ino();
  CHECK(Errno(alice.Truncate(ino, 10)) == EACCES);
  CHECK(alice.Truncate(ino, 10, file->handle()).ok());
  auto reader = alice.CreateOpen(f.c.root, "ro", 0444, O_RDONLY);
  REQUIRE(reader.ok());
  CHECK(Errno(alice.Truncate(ino, 5, reader->handle())) == EBADF);
  CHECK(Errno(alice.Truncate(ino, 5, 987654)) == EBADF);
}

TEMPLATE_TEST_CASE("truncate growth past the byte quota fails with EDQUOT", "[meta][setattr][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.CreateVolume("tiny", "t", 1000).ok());
  auto c = f.NewClient();
  REQUIRE(c.MountVolume("tiny").ok());
  auto file = c.Create(c.root, "f");
  REQUIRE(file.ok());
  CHECK(c.Truncate(file->ino(), 1000).ok());
  CHECK(Errno(c.Truncate(file->ino(), 1001)) == EDQUOT);
  CHECK(c.Truncate(file->ino(), 0).ok());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("every attribute change sets ctime, an empty mask changes nothing", "[meta][setattr]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  SetAttrRequest none;
  none.set_ino(file->ino());
  auto same = f.c.SetAttr(none);
  REQUIRE(same.ok());
  CHECK(same->ctime().nsec() == file->ctime().nsec());
  auto changed = f.c.Chmod(file->ino(), 0600);
  REQUIRE(changed.ok());
  CHECK((changed->ctime().sec() != file->ctime().sec() || changed->ctime().nsec() != file->ctime().nsec()));
  CHECK(changed->mtime().nsec() == file->mtime().nsec());
}
