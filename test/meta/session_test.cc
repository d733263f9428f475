// ops/session.cc, read-only and exclusive volumes, session expiry, and idempotent retries.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include <thread>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

TEMPLATE_TEST_CASE("mount of an unknown volume fails with ENOENT naming it", "[meta][session]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto c = f.NewClient();
  auto r = c.MountVolume("nope");
  CHECK(Errno(r) == ENOENT);
  CHECK(r.status().message().find("nope") != std::string::npos);
}

TEMPLATE_TEST_CASE("an exclusive volume admits one writable mount, a second fails with EBUSY", "[meta][session]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.CreateVolume("x", "t", 0, 0, ACCESS_EXCLUSIVE).ok());
  auto a = f.NewClient();
  auto b = f.NewClient();
  auto r = f.NewClient();
  REQUIRE(a.MountVolume("x").ok());
  auto busy = b.MountVolume("x");
  CHECK(Errno(busy) == EBUSY);
  CHECK(busy.status().message().find("exclusive") != std::string::npos);
  auto ro = r.MountVolume("x", /*read_only=*/true);
  REQUIRE(ro.ok());
  CHECK(ro->read_only());
  CHECK(f.c.GetVolume("x")->mounts() == 2);
  REQUIRE(a.Unmount().ok());
  CHECK(b.MountVolume("x").ok());
  // Shared volumes admit many writers.
  auto s1 = f.NewClient();
  auto s2 = f.NewClient();
  CHECK(s1.MountVolume("v").ok());
  CHECK(s2.MountVolume("v").ok());
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("operations with an unknown or ended session fail with ESTALE", "[meta][session]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto c = f.NewClient();
  REQUIRE(c.MountVolume("v").ok());
  REQUIRE(c.Unmount().ok());
  CHECK(c.Unmount().ok());  // idempotent
  CHECK(Errno(c.Lookup(c.root, "x")) == ESTALE);
  CHECK(Errno(c.Create(c.root, "x")) == ESTALE);
  CHECK(Errno(c.GetAttr(c.root)) == ESTALE);
  CHECK(Errno(c.StatFs()) == ESTALE);
  KeepaliveRequest k;
  k.set_session_id(c.session);
  KeepaliveResponse kr;
  CHECK(f.transport().Keepalive(k, &kr).err() == ESTALE);
  k.set_session_id(f.c.session);
  CHECK(f.transport().Keepalive(k, &kr).ok());
}

TEMPLATE_TEST_CASE("a read-only volume refuses every mutation with EROFS", "[meta][session][readonly]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto d = f.c.Mkdir(f.c.root, "d");
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  SetReadOnlyRequest q;
  q.set_name("v");
  q.set_read_only(true);
  Volume out;
  REQUIRE(f.transport().SetVolumeReadOnly(q, &out).ok());
  CHECK(out.read_only());
  auto& c = f.c;
  CHECK(Errno(c.Create(c.root, "x")) == EROFS);
  CHECK(Errno(c.Mkdir(c.root, "x")) == EROFS);
  CHECK(Errno(c.Symlink(c.root, "x", "t")) == EROFS);
  CHECK(Errno(c.Link(file->ino(), c.root, "x")) == EROFS);
  CHECK(Errno(c.Unlink(c.root, "f")) == EROFS);
  CHECK(Errno(c.Rmdir(c.root, "d")) == EROFS);
  CHECK(Errno(c.Rename(c.root, "f", c.root, "g")) == EROFS);
  CHECK(Errno(c.Chmod(file->ino(), 0600)) == EROFS);
  CHECK(Errno(c.Truncate(file->ino(), 0)) == EROFS);
  CHECK(Errno(c.SetXattr(file->ino(), "user.a", "1")) == EROFS);
  CHECK(Errno(c.RemoveXattr(file->ino(), "user.a")) == EROFS);
  CHECK(Errno(c.Open(file->ino(), O_WRONLY)) == EROFS);
  CHECK(Errno(c.Open(file->ino(), O_RDONLY | O_TRUNC)) == EROFS);
  auto reader = c.Open(file->ino(), O_RDONLY);
  REQUIRE(reader.ok());  // reads still work
  CHECK(c.Lookup(c.root, "f").ok());
  CHECK(c.Close(reader->handle()).ok());
  auto later = f.NewClient();
  auto m = later.MountVolume("v");
  REQUIRE(m.ok());
  CHECK(m->read_only());
  q.set_read_only(false);
  REQUIRE(f.transport().SetVolumeReadOnly(q, &out).ok());
  CHECK(c.Create(c.root, "x").ok());
}

TEMPLATE_TEST_CASE("a read-only mount refuses mutations with EROFS", "[meta][session][readonly]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  auto ro = f.NewClient();
  REQUIRE(ro.MountVolume("v", true).ok());
  CHECK(Errno(ro.Create(ro.root, "x")) == EROFS);
  CHECK(Errno(ro.Open(file->ino(), O_RDWR)) == EROFS);
  CHECK(ro.Open(file->ino(), O_RDONLY).ok());
  CHECK(f.c.Create(f.c.root, "x").ok());  // the writable session is unaffected
}

TEMPLATE_TEST_CASE("a session not renewed within its TTL expires and its handles close", "[meta][session]", ENGINES) {
  TestType engine;
  meta::MetaOptions o = TestOptions();
  o.session_ttl_ms = 300;
  CoreFixture f(engine.Open(), o);
  auto dying = f.NewClient();
  REQUIRE(dying.MountVolume("v").ok());
  auto file = dying.CreateOpen(dying.root, "f", 0644, O_WRONLY);
  REQUIRE(file.ok());
  REQUIRE(dying.Grant(file->handle(), file->attr().ino(), 1000).ok());
  REQUIRE(dying.Unlink(dying.root, "f").ok());
  CHECK(f.c.GetAttr(file->attr().ino()).ok());
  // f.c keeps its own session alive; `dying` never renews.
  for (int i = 0; i < 40 && f.core().sessions().Contains(dying.session); ++i) {
    KeepaliveRequest k;
    k.set_session_id(f.c.session);
    KeepaliveResponse kr;
    REQUIRE(f.transport().Keepalive(k, &kr).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_FALSE(f.core().sessions().Contains(dying.session));
  CHECK(Errno(dying.Lookup(dying.root, "x")) == ESTALE);
  CHECK(f.c.Lookup(f.c.root, "x").status().err() == ENOENT);  // the renewed session lives
  CHECK(f.c.GetVolume("v")->usage().reserved_bytes() == 0);
  CHECK(f.Check() == "");
  REQUIRE(f.DrainGc());
  // f.c renews nothing while the GC drains (which may outlast the 300 ms TTL on a busy machine): ask
  // through a fresh session.
  auto fresh = f.NewClient();
  REQUIRE(fresh.MountVolume("v").ok());
  CHECK(Errno(fresh.GetAttr(file->attr().ino())) == ENOENT);
}

TEMPLATE_TEST_CASE("a retried mutation with the same request id gets the first reply and applies once", "[meta][session][idempotent]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  CreateRequest q;
  q.set_session_id(f.c.session);
  q.set_request_id(777);
  q.set_parent(f.c.root);
  q.set_name("once");
  q.set_mode(0644);
  q.set_exclusive(true);
  CreateResponse first, retry;
  REQUIRE(f.transport().Create(q, &first).ok());
  REQUIRE(f.transport().Create(q, &retry).ok());  // not EEXIST: answered from the record
  CHECK(retry.attr().ino() == first.attr().ino());
  CHECK(f.c.GetVolume("v")->usage().inodes() == 2);
  q.set_request_id(778);
  CreateResponse fresh;
  CHECK(f.transport().Create(q, &fresh).err() == EEXIST);
  UnlinkRequest u;
  u.set_session_id(f.c.session);
  u.set_request_id(779);
  u.set_parent(f.c.root);
  u.set_name("once");
  UnlinkResponse ur;
  REQUIRE(f.transport().Unlink(u, &ur).ok());
  REQUIRE(f.transport().Unlink(u, &ur).ok());  // not ENOENT
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("a failed mutation retried with the same request id returns the same error", "[meta][session][idempotent]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  MkdirRequest q;
  q.set_session_id(f.c.session);
  q.set_request_id(55);
  q.set_parent(f.c.root);
  q.set_name("d");
  AttrResponse r;
  REQUIRE(f.c.Create(f.c.root, "d").ok());
  CHECK(f.transport().Mkdir(q, &r).err() == EEXIST);
  REQUIRE(f.c.Unlink(f.c.root, "d").ok());
  CHECK(f.transport().Mkdir(q, &r).err() == EEXIST);  // the recorded answer, not a new attempt
}

TEMPLATE_TEST_CASE("replies older than the dedupe window are forgotten, unmount forgets them all", "[meta][session][idempotent]", ENGINES) {
  TestType engine;
  meta::MetaOptions o = TestOptions();
  o.dedupe_window = 4;
  CoreFixture f(engine.Open(), o);
  MkdirRequest q;
  q.set_session_id(f.c.session);
  q.set_parent(f.c.root);
  AttrResponse r;
  for (uint64_t id = 1; id <= 10; ++id) {
    q.set_request_id(id);
    q.set_name("d" + std::to_string(id));
    REQUIRE(f.transport().Mkdir(q, &r).ok());
  }
  q.set_request_id(9);
  q.set_name("d9");
  CHECK(f.transport().Mkdir(q, &r).ok());  // remembered
  q.set_request_id(2);
  q.set_name("d2");
  CHECK(f.transport().Mkdir(q, &r).err() == EEXIST);  // forgotten: applied again
  CHECK(f.Check() == "");
  REQUIRE(f.c.Unmount().ok());
  CHECK(f.Check() == "");  // no reply records left behind
}

TEST_CASE("sessions, handles and the namespace survive a restart of the core", "[meta][session]") {
  RocksEngine engine;
  uint64_t session, root, ino, handle;
  {
    CoreFixture f(engine.Open());
    session = f.c.session;
    root = f.c.root;
    auto file = f.c.CreateOpen(f.c.root, "f", 0644, O_WRONLY);
    REQUIRE(file.ok());
    ino = file->attr().ino();
    handle = file->handle();
    REQUIRE(f.c.Unlink(f.c.root, "f").ok());
  }
  auto kv = engine.Open();
  auto core = meta::MetaCore::Open(kv.get(), nullptr, TestOptions());
  REQUIRE(core.ok());
  auto t = NewCoreTransport(core->get());
  TestClient c(t.get());
  c.session = session;
  c.root = root;
  CHECK((*core)->sessions().Contains(session));
  CHECK(c.GetAttr(ino).ok());
  CHECK(c.Close(handle).ok());
  CHECK(c.Mkdir(root, "after").ok());
  (*core)->Stop();
}
