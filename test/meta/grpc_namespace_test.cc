// Every namespace operation and its errors over gRPC against a real weft-meta on RocksDB.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include "test/meta/support/grpc_fixture.h"

using namespace weft;
using namespace weft::meta::test;

TEST_CASE("over gRPC and over the metadata wire: every namespace operation works", "[meta][grpc][integration][wire]") {
  GrpcFixture f({}, 0, GENERATE(Via::kGrpc, Via::kWire));
  auto& c = f.c;
  auto d = c.Mkdir(c.root, "d", 0755);
  REQUIRE(d.ok());
  CHECK(c.GetAttr(c.root)->nlink() == 3);
  auto file = c.Create(d->ino(), "file", 0644);
  REQUIRE(file.ok());
  CHECK(c.Lookup(d->ino(), "file")->ino() == file->ino());
  auto fifo = c.Create(d->ino(), "fifo", S_IFIFO | 0600);
  REQUIRE(fifo.ok());
  CHECK(S_ISFIFO(fifo->mode()));
  auto link = c.Link(file->ino(), c.root, "hard");
  REQUIRE(link.ok());
  CHECK(link->nlink() == 2);
  auto sym = c.Symlink(c.root, "sym", "d/file");
  REQUIRE(sym.ok());
  CHECK(c.Readlink(sym->ino()).value() == "d/file");
  auto ch = c.Chmod(file->ino(), 0600);
  REQUIRE(ch.ok());
  CHECK((ch->mode() & 0777) == 0600);
  REQUIRE(c.Rename(d->ino(), "file", c.root, "moved").ok());
  REQUIRE(c.Rename(c.root, "moved", c.root, "hard", RENAME_EXCHANGE_FLAG).ok());  // same inode: no-op
  REQUIRE(c.Rename(c.root, "sym", d->ino(), "sym2", RENAME_NOREPLACE_FLAG).ok());
  auto names = c.ListNames(c.root, 1);
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"d", "hard", "moved"});
  auto plus = c.ReadDir(d->ino(), "", 0, true);
  REQUIRE(plus.ok());
  CHECK(plus->entries_size() == 2);
  CHECK(plus->entries(0).attr().ino() != 0);
  REQUIRE(c.SetXattr(file->ino(), "user.k", "v", 1).ok());
  CHECK(c.GetXattr(file->ino(), "user.k").value() == "v");
  CHECK(c.ListXattr(file->ino())->size() == 1);
  REQUIRE(c.RemoveXattr(file->ino(), "user.k").ok());
  auto h = c.Open(file->ino(), O_RDWR);
  REQUIRE(h.ok());
  auto g = c.Grant(h->handle(), file->ino(), 4096);
  REQUIRE(g.ok());
  CHECK(*g >= 4096);
  CHECK(c.Commit(h->handle(), file->ino(), 4096)->size() == 4096);
  REQUIRE(c.CloseWithSize(h->handle(), 8192).ok());
  CHECK(c.GetAttr(file->ino())->size() == 8192);
  auto st = c.StatFs();
  REQUIRE(st.ok());
  CHECK(st->total_bytes() - st->free_bytes() == 8192);
  CHECK(c.Truncate(file->ino(), 10)->size() == 10);
  auto co = c.CreateOpen(c.root, "co", 0644, O_WRONLY, true);
  REQUIRE(co.ok());
  CHECK(co->created());
  REQUIRE(c.Close(co->handle()).ok());
  REQUIRE(c.Unlink(c.root, "hard").ok());
  REQUIRE(c.Unlink(c.root, "moved").ok());
  REQUIRE(c.Unlink(d->ino(), "fifo").ok());
  REQUIRE(c.Unlink(d->ino(), "sym2").ok());
  auto rm = c.Rmdir(c.root, "d");
  REQUIRE(rm.ok());
  CHECK(rm->parent().nlink() == 2);
  std::string out;
  CHECK(f.StopCheckRestart(&out) == 0);
  INFO(out);
  CHECK(out.find("ok:") != std::string::npos);
  CHECK(c.Lookup(c.root, "co").ok());  // the session survived the restart
}

TEST_CASE("over gRPC and over the metadata wire: each namespace error arrives as its errno", "[meta][grpc][integration][wire]") {
  GrpcFixture f({}, 0, GENERATE(Via::kGrpc, Via::kWire));
  auto& c = f.c;
  auto d = c.Mkdir(c.root, "d");
  auto file = c.Create(d->ino(), "f");
  REQUIRE(file.ok());
  auto sub = c.Mkdir(d->ino(), "sub");
  CHECK(Errno(c.Create(d->ino(), "f", 0644, true)) == EEXIST);
  CHECK(Errno(c.Mkdir(d->ino(), "f")) == EEXIST);
  CHECK(Errno(c.Lookup(d->ino(), "nope")) == ENOENT);
  CHECK(Errno(c.Lookup(file->ino(), "x")) == ENOTDIR);
  CHECK(Errno(c.Unlink(c.root, "d")) == EISDIR);
  CHECK(Errno(c.Rmdir(c.root, "d")) == ENOTEMPTY);
  CHECK(Errno(c.Rmdir(d->ino(), "f")) == ENOTDIR);
  CHECK(Errno(c.Rename(c.root, "d", sub->ino(), "loop")) == EINVAL);
  CHECK(Errno(c.Rename(d->ino(), "f", d->ino(), "sub")) == EISDIR);
  CHECK(Errno(c.Rename(d->ino(), "sub", d->ino(), "f")) == ENOTDIR);
  REQUIRE(c.Create(sub->ino(), "x").ok());
  REQUIRE(c.Mkdir(c.root, "e").ok());
  CHECK(Errno(c.Rename(c.root, "e", d->ino(), "sub")) == ENOTEMPTY);
  CHECK(Errno(c.Rename(d->ino(), "f", d->ino(), "sub", RENAME_NOREPLACE_FLAG)) == EEXIST);
  CHECK(Errno(c.Rename(d->ino(), "f", d->ino(), "zz", RENAME_EXCHANGE_FLAG)) == ENOENT);
  CHECK(Errno(c.Link(d->ino(), c.root, "dirlink")) == EPERM);
  CHECK(Errno(c.Create(c.root, std::string(256, 'n'))) == ENAMETOOLONG);
  CHECK(Errno(c.Create(c.root, "a/b")) == EINVAL);
  CHECK(Errno(c.Create(c.root, "..")) == EINVAL);
  CHECK(Errno(c.Symlink(c.root, "s", std::string(4096, 't'))) == ENAMETOOLONG);
  CHECK(Errno(c.Readlink(file->ino())) == EINVAL);
  auto s = c.Symlink(c.root, "s", "t");
  CHECK(Errno(c.Open(s->ino(), O_RDONLY)) == ELOOP);
  CHECK(Errno(c.Open(d->ino(), O_WRONLY)) == EISDIR);
  CHECK(Errno(c.GetXattr(file->ino(), "user.none")) == ENODATA);
  CHECK(Errno(c.SetXattr(file->ino(), "user.none", "v", 2)) == ENODATA);
  CHECK(Errno(c.SetXattr(file->ino(), "user.big", std::string(65537, 'v'))) == E2BIG);
  CHECK(Errno(c.SetXattr(file->ino(), std::string(256, 'x'), "v")) == ERANGE);
  REQUIRE(c.SetXattr(file->ino(), "user.k", "v").ok());
  CHECK(Errno(c.SetXattr(file->ino(), "user.k", "v", 1)) == EEXIST);
  CHECK(Errno(c.Close(987654321)) == EBADF);
  CHECK(Errno(c.Truncate(file->ino(), (1ull << 60) + 1)) == EFBIG);
  CHECK(Errno(c.GetAttr(123456789)) == ENOENT);
  auto dead = f.NewClient();
  dead.session = 999999;
  dead.root = c.root;
  CHECK(Errno(dead.Lookup(c.root, "d")) == ESTALE);
  auto bob = c.As(User(2000, 2000));
  CHECK(Errno(bob.Create(d->ino(), "mine")) == EACCES);
  CHECK(Errno(bob.Chmod(file->ino(), 0777)) == EPERM);
}

TEST_CASE("over gRPC: permissions are enforced for non-root callers", "[meta][grpc][integration][perm]") {
  GrpcFixture f;
  auto& c = f.c;
  const uint32_t alice = 1000, bob = 2000, staff = 50;
  auto a = c.As(User(alice, alice, {staff}));
  auto b = c.As(User(bob, bob));
  auto tmp = c.Mkdir(c.root, "tmp", 01777);
  REQUIRE(tmp.ok());
  auto shared = c.Mkdir(c.root, "shared", 0777);
  REQUIRE(c.Chown(shared->ino(), 0, staff).ok());
  REQUIRE(c.Chmod(shared->ino(), S_ISGID | 0777).ok());
  auto priv = c.Mkdir(c.root, "priv", 0700);
  // search permission
  REQUIRE(c.Create(priv->ino(), "secret").ok());
  CHECK(Errno(a.Lookup(priv->ino(), "secret")) == EACCES);
  // write permission on the parent
  CHECK(Errno(a.Create(c.root, "x")) == EACCES);
  CHECK(Errno(a.Mkdir(c.root, "x")) == EACCES);
  // sticky directory
  REQUIRE(a.Create(tmp->ino(), "afile", 0666).ok());
  CHECK(Errno(b.Unlink(tmp->ino(), "afile")) == EPERM);
  CHECK(Errno(b.Rename(tmp->ino(), "afile", tmp->ino(), "mine")) == EPERM);
  CHECK(a.Rename(tmp->ino(), "afile", tmp->ino(), "afile2").ok());
  // setgid inheritance
  auto g = a.Create(shared->ino(), "g", 0644);
  CHECK(g->gid() == staff);
  auto sd = a.Mkdir(shared->ino(), "sd");
  CHECK((sd->mode() & S_ISGID) != 0);
  // owner rules
  auto mine = a.Create(tmp->ino(), "mine", 0644);
  CHECK(Errno(b.Chmod(mine->ino(), 0777)) == EPERM);
  CHECK(Errno(a.Chown(mine->ino(), bob, alice)) == EPERM);
  CHECK(a.Chgrp(mine->ino(), staff).ok());
  CHECK(Errno(a.Chgrp(mine->ino(), 4242)) == EPERM);
  CHECK(Errno(b.Open(mine->ino(), O_WRONLY)) == EACCES);
  CHECK(b.Open(mine->ino(), O_RDONLY).ok());
  CHECK(Errno(b.Truncate(mine->ino(), 0)) == EACCES);
  CHECK(Errno(b.SetXattr(mine->ino(), "user.x", "1")) == EACCES);
  CHECK(Errno(b.SetXattr(mine->ino(), "trusted.x", "1")) == EPERM);
}

TEST_CASE("over gRPC: an unlinked open file lives until its last close, cookies survive changes", "[meta][grpc][integration]") {
  GrpcFixture f;
  auto& c = f.c;
  auto w = c.CreateOpen(c.root, "tmp", 0644, O_RDWR);
  REQUIRE(w.ok());
  const uint64_t ino = w->attr().ino();
  REQUIRE(c.Unlink(c.root, "tmp").ok());
  CHECK(c.GetAttr(ino)->nlink() == 0);
  CHECK(c.Commit(w->handle(), ino, 4096).ok());
  CHECK(f.Status().gc_pending() == 0);
  REQUIRE(c.CloseWithSize(w->handle(), 8192).ok());
  CHECK(Errno(c.GetAttr(ino)) == ENOENT);
  CHECK(f.WaitGcDrained());
  CHECK(f.c.GetVolume("v")->usage().bytes() == 0);

  auto d = c.Mkdir(c.root, "d");
  for (char x = 'a'; x <= 'j'; ++x) REQUIRE(c.Create(d->ino(), std::string(1, x)).ok());
  auto first = c.ReadDir(d->ino(), "", 4);
  REQUIRE(first.ok());
  CHECK(first->next_cookie() == "d");
  REQUIRE(c.Unlink(d->ino(), "d").ok());
  REQUIRE(c.Unlink(d->ino(), "e").ok());
  REQUIRE(c.Create(d->ino(), "dd").ok());
  REQUIRE(c.Create(d->ino(), "a0").ok());
  std::vector<std::string> rest;
  std::string cookie = first->next_cookie();
  for (;;) {
    auto page = c.ReadDir(d->ino(), cookie, 3);
    REQUIRE(page.ok());
    for (const auto& e : page->entries()) rest.push_back(e.name());
    if (page->eof()) break;
    cookie = page->next_cookie();
  }
  CHECK(rest == std::vector<std::string>{"dd", "f", "g", "h", "i", "j"});
}

TEST_CASE("over gRPC: Sync makes acknowledged changes durable and needs a live session", "[meta][grpc][integration]") {
  // --sync-interval-ms far away: only Sync (or a kill, which keeps the log) can keep the change.
  GrpcFixture f({"--sync-interval-ms", "10000"});
  auto& c = f.c;
  auto file = c.Create(c.root, "f", 0644);
  REQUIRE(file.ok());
  CHECK(c.Sync().ok());
  // The acknowledged change survives SIGKILL with or without a sync: it is in the log before the reply.
  REQUIRE(c.Create(c.root, "g", 0644).ok());
  std::string out;
  CHECK(f.StopCheckRestart(&out, SIGKILL) == 0);
  INFO(out);
  REQUIRE(c.MountVolume("v").ok());
  CHECK(c.Lookup(c.root, "f").ok());
  CHECK(c.Lookup(c.root, "g").ok());
  TestClient stranger = f.NewClient();
  stranger.session = 987654321;
  CHECK(Errno(stranger.Sync()) == ESTALE);
}
