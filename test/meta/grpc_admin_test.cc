// Tenants, volumes, quotas, read-only and exclusive volumes, sessions, restart and the checker over
// gRPC against a real weft-meta.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include <thread>

#include "server/meta/keys.h"
#include "server/meta/kv.h"
#include "server/meta/records.pb.h"
#include "test/meta/support/grpc_fixture.h"

using namespace weft;
using namespace weft::meta::test;

TEST_CASE("over gRPC: tenants and volumes are managed with clear not-found errors", "[meta][grpc][integration][admin]") {
  GrpcFixture f;
  auto& t = f.transport();
  Quota q;
  q.set_volumes(1);
  REQUIRE(f.c.CreateTenant("acme", q).ok());
  CHECK(Errno(f.c.CreateTenant("acme")) == EEXIST);
  auto v = f.c.CreateVolume("data", "acme", 1 << 20, 100, ACCESS_EXCLUSIVE);
  REQUIRE(v.ok());
  CHECK(v->tenant() == "acme");
  CHECK(Errno(f.c.CreateVolume("more", "acme")) == EDQUOT);
  auto ghost = f.c.GetVolume("ghost");
  CHECK(Errno(ghost) == ENOENT);
  CHECK(ghost.status().message().find("ghost") != std::string::npos);
  CHECK(Errno(f.c.CreateVolume("x", "nobody")) == ENOENT);
  ListVolumesRequest lq;
  lq.set_tenant("acme");
  ListVolumesResponse lr;
  REQUIRE(t.ListVolumes(lq, &lr).ok());
  CHECK(lr.volumes_size() == 1);
  ResizeVolumeRequest rq;
  rq.set_name("data");
  rq.set_quota_bytes(2 << 20);
  Volume out;
  REQUIRE(t.ResizeVolume(rq, &out).ok());
  CHECK(out.quota().bytes() == 2 << 20);
  TenantRequest tr;
  tr.set_name("acme");
  DeleteResponse dr;
  CHECK(t.DeleteTenant(tr, &dr).err() == ENOTEMPTY);
  VolumeRequest vr;
  vr.set_name("data");
  REQUIRE(t.DeleteVolume(vr, &dr).ok());
  REQUIRE(f.WaitGcDrained());
  for (int i = 0; i < 100 && t.DeleteTenant(tr, &dr).err() == ENOTEMPTY; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the purge finishes in the background
  }
  CHECK(Errno(f.c.GetTenant("acme")) == ENOENT);
  ListClassesResponse lc;
  REQUIRE(t.ListClasses(ListClassesRequest(), &lc).ok());
  CHECK(lc.classes_size() == 3);
  ClassRequest cr;
  cr.set_name("small");
  VolumeClass vc;
  CHECK(t.GetClass(cr, &vc).ok());
  CHECK(vc.stripe_width() == 4);
  cr.set_name("xl");
  CHECK(t.GetClass(cr, &vc).err() == ENOENT);
  auto st = f.Status();
  CHECK(st.volumes() == 1);
  CHECK(st.tenants() == 1);
  CHECK(st.sessions() == 1);
  CHECK(st.meta_version() != "");
}

TEST_CASE("over gRPC: quotas end in EDQUOT for inodes, grants and truncation", "[meta][grpc][integration][quota]") {
  GrpcFixture f({"--grant-increment", "1Mi"});
  REQUIRE(f.c.CreateVolume("q", "t", 3 << 20, 3).ok());
  auto c = f.NewClient();
  REQUIRE(c.MountVolume("q").ok());
  auto w = c.CreateOpen(c.root, "w", 0644, O_WRONLY);
  REQUIRE(w.ok());
  REQUIRE(c.Create(c.root, "x").ok());
  CHECK(Errno(c.Create(c.root, "y")) == EDQUOT);
  CHECK(Errno(c.Mkdir(c.root, "y")) == EDQUOT);
  CHECK(c.Grant(w->handle(), w->attr().ino(), 1).value() == 1 << 20);
  CHECK(c.Grant(w->handle(), w->attr().ino(), 3 << 20).value() == 3 << 20);
  CHECK(Errno(c.Grant(w->handle(), w->attr().ino(), (3 << 20) + 1)) == EDQUOT);
  REQUIRE(c.CloseWithSize(w->handle(), 2 << 20).ok());
  auto x = c.Lookup(c.root, "x");
  CHECK(Errno(c.Truncate(x->ino(), (1 << 20) + 1)) == EDQUOT);
  CHECK(c.Truncate(x->ino(), 1 << 20).ok());
  auto v = f.c.GetVolume("q");
  CHECK(v->usage().bytes() == 3 << 20);
  CHECK(v->usage().reserved_bytes() == 0);
  CHECK(v->usage().inodes() == 3);
}

TEST_CASE("over gRPC: read-only volumes refuse mutations with EROFS, exclusive ones a second writer with EBUSY", "[meta][grpc][integration]") {
  GrpcFixture f;
  REQUIRE(f.c.CreateVolume("ex", "t", 0, 0, ACCESS_EXCLUSIVE).ok());
  auto w1 = f.NewClient();
  auto w2 = f.NewClient();
  auto r = f.NewClient();
  REQUIRE(w1.MountVolume("ex").ok());
  CHECK(Errno(w2.MountVolume("ex")) == EBUSY);
  REQUIRE(r.MountVolume("ex", true).ok());
  CHECK(Errno(r.Create(r.root, "f")) == EROFS);
  REQUIRE(w1.Create(w1.root, "f").ok());
  SetReadOnlyRequest q;
  q.set_name("ex");
  q.set_read_only(true);
  Volume out;
  REQUIRE(f.transport().SetVolumeReadOnly(q, &out).ok());
  CHECK(Errno(w1.Create(w1.root, "g")) == EROFS);
  CHECK(Errno(w1.Unlink(w1.root, "f")) == EROFS);
  CHECK(Errno(w1.Mkdir(w1.root, "d")) == EROFS);
  CHECK(w1.Lookup(w1.root, "f").ok());
  REQUIRE(w1.Unmount().ok());
  CHECK(w2.MountVolume("ex").ok());  // the writer is gone (and the volume is read-only anyway)
}

TEST_CASE("over gRPC: a client that stops sending keepalives loses its session", "[meta][grpc][integration][session]") {
  GrpcFixture f({"--session-ttl-ms", "600"});
  auto quiet = f.NewClient();
  auto m = quiet.MountVolume("v");
  REQUIRE(m.ok());
  CHECK(m->session_ttl_ms() == 600);
  auto h = quiet.CreateOpen(quiet.root, "orphan", 0644, O_WRONLY);
  REQUIRE(h.ok());
  REQUIRE(quiet.Unlink(quiet.root, "orphan").ok());
  bool expired = false;
  for (int i = 0; i < 60 && !expired; ++i) {
    KeepaliveRequest k;
    k.set_session_id(f.c.session);
    KeepaliveResponse kr;
    REQUIRE(f.transport().Keepalive(k, &kr).ok());
    expired = Errno(quiet.GetAttr(quiet.root)) == ESTALE;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(expired);
  CHECK(f.c.GetAttr(f.c.root).ok());
  CHECK(f.WaitGcDrained());  // the unlinked open file went to GC when its handle closed
  CHECK(f.c.GetVolume("v")->mounts() == 1);
}

TEST_CASE("over gRPC: state survives a weft-meta restart and retried requests are answered once", "[meta][grpc][integration][idempotent]") {
  GrpcFixture f;
  auto file = f.c.CreateOpen(f.c.root, "f", 0644, O_WRONLY);
  REQUIRE(file.ok());
  MkdirRequest q;
  q.set_session_id(f.c.session);
  q.set_request_id(4242);
  q.set_parent(f.c.root);
  q.set_name("once");
  AttrResponse first;
  REQUIRE(f.transport().Mkdir(q, &first).ok());
  f.cluster().RestartMeta(SIGKILL);
  AttrResponse again;
  REQUIRE(f.transport().Mkdir(q, &again).ok());  // the lost-reply retry after a crash
  CHECK(again.attr().ino() == first.attr().ino());
  CHECK(f.c.Commit(file->handle(), file->attr().ino(), 100).ok());  // the handle survived
  CHECK(f.c.Close(file->handle()).ok());
  CHECK(f.c.GetAttr(file->attr().ino())->size() == 100);
  std::string out;
  CHECK(f.StopCheckRestart(&out, SIGKILL) == 0);
  INFO(out);
}

TEST_CASE("weft-meta check exits non-zero naming each violation", "[meta][grpc][integration][check]") {
  GrpcFixture f;
  auto d = f.c.Mkdir(f.c.root, "d");
  auto file = f.c.Create(d->ino(), "f");
  REQUIRE(file.ok());
  f.cluster().meta().Stop(SIGTERM, 10000);
  std::string out;
  REQUIRE(f.RunChecker(&out) == 0);
  CHECK(out.find("ok: 1 volumes, 1 tenants, 3 inodes, 2 dentries, 1 sessions") != std::string::npos);
  {
    auto kv = meta::OpenRocksKv({.path = f.data_dir()});
    REQUIRE(kv.ok());
    auto b = (*kv)->NewBatch();
    b->Delete(meta::keys::Inode(file->ino()));
    meta::rec::GcItem g;
    b->Put(meta::keys::Gc(987654), g.SerializeAsString());
    REQUIRE((*kv)->Commit(*b, true).ok());
  }
  out.clear();
  CHECK(f.RunChecker(&out) == 1);
  CHECK(out.find("violation: dentry 'f' in directory " + std::to_string(d->ino()) + " points to missing inode") != std::string::npos);
  CHECK(out.find("violation: volume 'v' usage says 3 inodes, 2 exist") != std::string::npos);
  CHECK(out.find("violation: GC entry for missing inode 987654") != std::string::npos);
  CHECK(out.find("violations") != std::string::npos);
  out.clear();
  CHECK(weft::test::RunCommand(weft::test::TestCluster::BinDir() + "/weft-meta check --data " + f.cluster().dir() + "/nonexistent/x/y", &out) != 0);
  f.cluster().RestartMeta();
}

TEST_CASE("over gRPC: tenant quotas are listed, updated, refused below usage and enforced", "[meta][grpc][integration][quota]") {
  GrpcFixture f;
  auto& t = f.transport();
  REQUIRE(f.c.CreateTenant("small").ok());
  ListTenantsResponse lt;
  REQUIRE(t.ListTenants(ListTenantsRequest(), &lt).ok());
  CHECK(lt.tenants_size() == 2);
  REQUIRE(f.c.CreateVolume("sv", "small").ok());
  auto c = f.NewClient();
  REQUIRE(c.MountVolume("sv").ok());
  REQUIRE(c.Create(c.root, "a").ok());
  REQUIRE(c.Create(c.root, "b").ok());  // the tenant uses 3 inodes (root, a, b)
  SetTenantQuotaRequest q;
  q.set_name("small");
  q.mutable_quota()->set_inodes(2);
  Tenant out;
  CHECK(t.SetTenantQuota(q, &out).err() == EINVAL);
  q.mutable_quota()->set_inodes(4);
  REQUIRE(t.SetTenantQuota(q, &out).ok());
  CHECK(out.quota().inodes() == 4);
  CHECK(c.Mkdir(c.root, "d").ok());
  auto full = c.Create(c.root, "e");
  CHECK(Errno(full) == EDQUOT);
  CHECK(full.status().message().find("tenant 'small'") != std::string::npos);
  q.set_name("nobody");
  CHECK(t.SetTenantQuota(q, &out).err() == ENOENT);
  auto w = c.CreateOpen(c.root, "a", 0644, O_WRONLY);
  REQUIRE(w.ok());
  REQUIRE(c.CloseWithSize(w->handle(), 1000).ok());
  ResizeVolumeRequest r;
  r.set_name("sv");
  r.set_quota_bytes(999);
  Volume v;
  CHECK(t.ResizeVolume(r, &v).err() == EINVAL);
  CHECK(f.c.GetVolume("sv")->usage().bytes() == 1000);
  CHECK(f.c.GetTenant("small")->usage().bytes() == 1000);
}
