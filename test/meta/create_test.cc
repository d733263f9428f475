// ops/create.cc: create, mknod, O_EXCL, create+open, name validation, quotas, layout.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

TEMPLATE_TEST_CASE("create makes a regular file owned by the caller with the umask applied", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto dir = f.c.Mkdir(f.c.root, "pub", 0777);
  REQUIRE(dir.ok());
  auto alice = f.c.As(User(1000, 100));
  CreateRequest q;
  auto a = alice.Create(dir->ino(), "file", 0666);
  REQUIRE(a.ok());
  CHECK(S_ISREG(a->mode()));
  CHECK((a->mode() & 07777) == 0666);
  CHECK(a->uid() == 1000);
  CHECK(a->gid() == 100);
  CHECK(a->nlink() == 1);
  CHECK(a->size() == 0);
  CHECK(a->volume_id() == f.c.volume_id);
  CHECK(a->ctime().sec() > 0);
  CHECK(a->mtime().sec() == a->ctime().sec());
  CHECK(a->mtime().nsec() == a->ctime().nsec());
  CreateRequest req;
  auto masked = f.c.Mkdir(dir->ino(), "m", 0777, 022);
  REQUIRE(masked.ok());
  CHECK((masked->mode() & 0777) == 0755);
  auto looked = alice.Lookup(dir->ino(), "file");
  REQUIRE(looked.ok());
  CHECK(looked->ino() == a->ino());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("create with O_EXCL on an existing name fails with EEXIST", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "x").ok());
  CHECK(Errno(f.c.Create(f.c.root, "x", 0644, /*exclusive=*/true)) == EEXIST);
  CHECK(Errno(f.c.CreateOpen(f.c.root, "x", 0644, O_RDWR, /*exclusive=*/true)) == EEXIST);
  REQUIRE(f.c.Mkdir(f.c.root, "d").ok());
  CHECK(Errno(f.c.Create(f.c.root, "d", 0644, true)) == EEXIST);
}

TEMPLATE_TEST_CASE("mknod of an existing name fails with EEXIST even without O_EXCL", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "x").ok());
  CHECK(Errno(f.c.Create(f.c.root, "x", S_IFIFO | 0644)) == EEXIST);
  CHECK(Errno(f.c.Create(f.c.root, "x")) == EEXIST);
}

TEMPLATE_TEST_CASE("create+open of an existing file opens it with created=false", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto first = f.c.CreateOpen(f.c.root, "x", 0644, O_RDWR);
  REQUIRE(first.ok());
  CHECK(first->created());
  CHECK(first->handle() != 0);
  auto second = f.c.CreateOpen(f.c.root, "x", 0600, O_RDWR);
  REQUIRE(second.ok());
  CHECK_FALSE(second->created());
  CHECK(second->attr().ino() == first->attr().ino());
  CHECK((second->attr().mode() & 0777) == 0644);  // the existing mode stays
  CHECK(second->handle() != first->handle());
  REQUIRE(f.c.Mkdir(f.c.root, "d").ok());
  CHECK(Errno(f.c.CreateOpen(f.c.root, "d", 0644, O_RDWR)) == EISDIR);
  CHECK(f.c.Close(first->handle()).ok());
  CHECK(f.c.Close(second->handle()).ok());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("create+open of an existing file checks permission by the access mode", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Chmod(f.c.root, 0777).ok());
  REQUIRE(f.c.Create(f.c.root, "ro", 0444).ok());
  auto bob = f.c.As(User(2000, 2000));
  CHECK(Errno(bob.CreateOpen(f.c.root, "ro", 0644, O_WRONLY)) == EACCES);
  CHECK(bob.CreateOpen(f.c.root, "ro", 0644, O_RDONLY).ok());
}

TEMPLATE_TEST_CASE("a new file opens with the asked access whatever its mode says", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Chmod(f.c.root, 0777).ok());
  auto bob = f.c.As(User(2000, 2000));
  auto r = bob.CreateOpen(f.c.root, "locked", 0444, O_WRONLY, true);
  REQUIRE(r.ok());
  CHECK(r->created());
  CHECK(bob.Grant(r->handle(), r->attr().ino(), 10).ok());
}

TEMPLATE_TEST_CASE("bad names fail with ENAMETOOLONG or EINVAL", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  CHECK(Errno(f.c.Create(f.c.root, std::string(256, 'a'))) == ENAMETOOLONG);
  CHECK(f.c.Create(f.c.root, std::string(255, 'a')).ok());
  CHECK(Errno(f.c.Create(f.c.root, "a/b")) == EINVAL);
  CHECK(Errno(f.c.Create(f.c.root, std::string("a\0b", 3))) == EINVAL);
  CHECK(Errno(f.c.Create(f.c.root, "")) == EINVAL);
  CHECK(Errno(f.c.Create(f.c.root, ".")) == EINVAL);
  CHECK(Errno(f.c.Create(f.c.root, "..")) == EINVAL);
  CHECK(Errno(f.c.Mkdir(f.c.root, "..")) == EINVAL);
  CHECK(Errno(f.c.Symlink(f.c.root, "x/y", "t")) == EINVAL);
  CHECK(Errno(f.c.Lookup(f.c.root, std::string(256, 'a'))) == ENAMETOOLONG);
  CHECK(Errno(f.c.Lookup(f.c.root, "a/b")) == EINVAL);
}

TEMPLATE_TEST_CASE("mknod makes FIFOs, sockets and, as root, device nodes", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto fifo = f.c.Create(f.c.root, "fifo", S_IFIFO | 0600);
  REQUIRE(fifo.ok());
  CHECK(S_ISFIFO(fifo->mode()));
  CHECK_FALSE(fifo->has_layout());
  auto sock = f.c.Create(f.c.root, "sock", S_IFSOCK | 0600);
  REQUIRE(sock.ok());
  CHECK(S_ISSOCK(sock->mode()));
  auto chr = f.c.Create(f.c.root, "null", S_IFCHR | 0666, false, makedev(1, 3));
  REQUIRE(chr.ok());
  CHECK(S_ISCHR(chr->mode()));
  CHECK(chr->rdev() == makedev(1, 3));
  auto blk = f.c.Create(f.c.root, "sda", S_IFBLK | 0660, false, makedev(8, 0));
  REQUIRE(blk.ok());
  CHECK(S_ISBLK(blk->mode()));
  CHECK(blk->rdev() == makedev(8, 0));
  CHECK(Errno(f.c.Create(f.c.root, "dir", S_IFDIR | 0755)) == EINVAL);
  CHECK(Errno(f.c.Create(f.c.root, "lnk", S_IFLNK | 0777)) == EINVAL);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("mknod of a device node by a non-root caller fails with EPERM", "[meta][create][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Chmod(f.c.root, 0777).ok());
  auto alice = f.c.As(User(1000, 1000));
  CHECK(Errno(alice.Create(f.c.root, "null", S_IFCHR | 0666, false, makedev(1, 3))) == EPERM);
  CHECK(Errno(alice.Create(f.c.root, "sda", S_IFBLK | 0666, false, makedev(8, 0))) == EPERM);
  CHECK(alice.Create(f.c.root, "fifo", S_IFIFO | 0666).ok());
}

TEMPLATE_TEST_CASE("create under a missing parent fails with ENOENT, under a file with ENOTDIR", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "file");
  REQUIRE(file.ok());
  CHECK(Errno(f.c.Create(999999, "x")) == ENOENT);
  CHECK(Errno(f.c.Create(file->ino(), "x")) == ENOTDIR);
  CHECK(Errno(f.c.Mkdir(file->ino(), "x")) == ENOTDIR);
  CHECK(Errno(f.c.Lookup(file->ino(), "x")) == ENOTDIR);
  CHECK(Errno(f.c.Lookup(f.c.root, "missing")) == ENOENT);
  CHECK(Errno(f.c.GetAttr(999999)) == ENOENT);
}

TEMPLATE_TEST_CASE("create updates the parent directory's mtime and ctime", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto before = f.c.GetAttr(f.c.root);
  REQUIRE(before.ok());
  auto file = f.c.Create(f.c.root, "file");
  REQUIRE(file.ok());
  auto after = f.c.GetAttr(f.c.root);
  REQUIRE(after.ok());
  CHECK(after->mtime().sec() == file->ctime().sec());
  CHECK(after->mtime().nsec() == file->ctime().nsec());
  CHECK(after->ctime().nsec() == file->ctime().nsec());
  CHECK(after->nlink() == before->nlink());  // files do not count in a directory's nlink
}

TEMPLATE_TEST_CASE("inode-creating ops past the volume or tenant inode quota fail with EDQUOT", "[meta][create][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.CreateVolume("small", "t", 0, /*quota_inodes=*/4).ok());
  auto c = f.NewClient();
  REQUIRE(c.MountVolume("small").ok());
  REQUIRE(c.Create(c.root, "1").ok());  // root + 1
  REQUIRE(c.Mkdir(c.root, "2").ok());
  REQUIRE(c.Symlink(c.root, "3", "target").ok());  // 4 of 4
  CHECK(Errno(c.Create(c.root, "4")) == EDQUOT);
  CHECK(Errno(c.Mkdir(c.root, "4")) == EDQUOT);
  CHECK(Errno(c.Symlink(c.root, "4", "t")) == EDQUOT);
  CHECK(Errno(c.CreateOpen(c.root, "4", 0644, O_RDWR)) == EDQUOT);
  CHECK(c.Link(c.Lookup(c.root, "1")->ino(), c.root, "hard").ok());  // links are not inodes
  REQUIRE(c.Unlink(c.root, "1").ok());
  REQUIRE(c.Unlink(c.root, "hard").ok());
  CHECK(c.Create(c.root, "4").ok());

  Quota q;
  q.set_inodes(20);
  REQUIRE(f.c.CreateTenant("tq", q).ok());
  REQUIRE(f.c.CreateVolume("tv", "tq").ok());
  auto t = f.NewClient();
  REQUIRE(t.MountVolume("tv").ok());
  for (int i = 0; i < 19; ++i) REQUIRE(t.Create(t.root, "f" + std::to_string(i)).ok());  // root + 19
  auto st = t.Create(t.root, "one-more");
  CHECK(Errno(st) == EDQUOT);
  CHECK(st.status().message().find("tenant") != std::string::npos);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("a regular file gets the volume's layout", "[meta][create]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto v = f.c.GetVolume("v");
  REQUIRE(v.ok());
  auto file = f.c.Create(f.c.root, "file");
  REQUIRE(file.ok());
  CHECK(file->layout().chunk_size() == v->chunk_size());
  CHECK(file->layout().replication() == v->replication());
  CHECK(file->layout().chains_size() == 0);  // no chunk servers in this fixture
  auto dir = f.c.Mkdir(f.c.root, "d");
  REQUIRE(dir.ok());
  CHECK_FALSE(dir->has_layout());
}
