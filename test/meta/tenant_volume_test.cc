// ops/tenant.cc and the volume ops: CRUD, quotas, classes, delete with purge.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include "server/meta/volume_class.h"
#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

TEMPLATE_TEST_CASE("tenants are created, shown, listed, re-quoted and deleted", "[meta][tenant]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  Quota q;
  q.set_bytes(1000);
  q.set_inodes(10);
  q.set_volumes(2);
  REQUIRE(f.c.CreateTenant("acme", q).ok());
  auto t = f.c.GetTenant("acme");
  REQUIRE(t.ok());
  CHECK(t->quota().bytes() == 1000);
  CHECK(t->usage().volumes() == 0);
  CHECK(t->created_ms() > 0);
  ListTenantsResponse list;
  REQUIRE(f.transport().ListTenants(ListTenantsRequest(), &list).ok());
  CHECK(list.tenants_size() == 2);
  SetTenantQuotaRequest sq;
  sq.set_name("acme");
  sq.mutable_quota()->set_bytes(5000);
  Tenant out;
  REQUIRE(f.transport().SetTenantQuota(sq, &out).ok());
  CHECK(out.quota().bytes() == 5000);
  CHECK(out.quota().inodes() == 0);
  TenantRequest d;
  d.set_name("acme");
  DeleteResponse dr;
  REQUIRE(f.transport().DeleteTenant(d, &dr).ok());
  CHECK(Errno(f.c.GetTenant("acme")) == ENOENT);
  CHECK(f.transport().DeleteTenant(d, &dr).err() == ENOENT);
}

TEMPLATE_TEST_CASE("tenant errors: EEXIST, ENOENT, bad names EINVAL", "[meta][tenant]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  CHECK(Errno(f.c.CreateTenant("t")) == EEXIST);
  auto missing = f.c.GetTenant("ghost");
  CHECK(Errno(missing) == ENOENT);
  CHECK(missing.status().message().find("ghost") != std::string::npos);
  CHECK(Errno(f.c.CreateTenant("")) == EINVAL);
  CHECK(Errno(f.c.CreateTenant("a/b")) == EINVAL);
  CHECK(Errno(f.c.CreateTenant(".hidden")) == EINVAL);
  CHECK(Errno(f.c.CreateTenant(std::string(64, 'a'))) == EINVAL);
  CHECK(Errno(f.c.CreateVolume("w", "ghost")) == ENOENT);
}

TEMPLATE_TEST_CASE("a tenant that owns volumes cannot be deleted", "[meta][tenant]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  TenantRequest d;
  d.set_name("t");
  DeleteResponse dr;
  Status s = f.transport().DeleteTenant(d, &dr);
  CHECK(s.err() == ENOTEMPTY);
  CHECK(s.message().find("volumes") != std::string::npos);
}

TEMPLATE_TEST_CASE("a tenant quota below its usage is refused with EINVAL", "[meta][tenant][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.Create(f.c.root, "a").ok());  // t uses 2 inodes (root + a), 1 volume
  SetTenantQuotaRequest sq;
  sq.set_name("t");
  sq.mutable_quota()->set_inodes(1);
  Tenant out;
  CHECK(f.transport().SetTenantQuota(sq, &out).err() == EINVAL);
  sq.mutable_quota()->set_inodes(2);
  CHECK(f.transport().SetTenantQuota(sq, &out).ok());
  CHECK(Errno(f.c.Create(f.c.root, "b")) == EDQUOT);
}

TEMPLATE_TEST_CASE("a volume takes its class's defaults, unknown class ENOENT, bad replication or name EINVAL", "[meta][volume]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto classes = meta::BuiltinClasses();
  CreateVolumeRequest q;
  q.set_name("s");
  q.set_tenant("t");
  q.set_class_name("small");
  Volume v;
  REQUIRE(f.transport().CreateVolume(q, &v).ok());
  CHECK(v.class_name() == "small");
  CHECK(v.quota().bytes() == classes["small"].default_quota_bytes());
  CHECK(v.quota().inodes() == classes["small"].default_quota_inodes());
  CHECK(v.replication() == 3);
  CHECK(v.stripe_width() == classes["small"].stripe_width());
  CHECK(v.chunk_size() == classes["small"].chunk_size());
  CHECK(v.access_mode() == ACCESS_SHARED);
  CHECK(v.usage().inodes() == 1);
  CHECK(v.root_ino() != 0);
  auto dflt = f.c.GetVolume("v");
  CHECK(dflt->class_name() == "medium");
  q.set_name("s2");
  q.set_class_name("huge");
  CHECK(f.transport().CreateVolume(q, &v).err() == ENOENT);
  q.set_class_name("large");
  q.set_replication(4);
  CHECK(f.transport().CreateVolume(q, &v).err() == EINVAL);
  q.set_replication(1);
  q.set_quota_bytes(12345);
  q.set_root_mode(0770);
  q.set_root_uid(1000);
  q.set_root_gid(50);
  REQUIRE(f.transport().CreateVolume(q, &v).ok());
  CHECK(v.replication() == 1);
  CHECK(v.quota().bytes() == 12345);
  CHECK(v.chunk_size() == classes["large"].chunk_size());
  auto c = f.NewClient();
  auto m = c.MountVolume("s2");
  REQUIRE(m.ok());
  CHECK((m->root().mode() & 07777) == 0770);
  CHECK(m->root().uid() == 1000);
  CHECK(m->root().gid() == 50);
  CHECK(Errno(f.c.CreateVolume("s2", "t")) == EEXIST);
  CHECK(Errno(f.c.CreateVolume("bad name", "t")) == EINVAL);
  ClassRequest cr;
  cr.set_name("small");
  VolumeClass vc;
  CHECK(f.transport().GetClass(cr, &vc).ok());
  cr.set_name("nope");
  CHECK(f.transport().GetClass(cr, &vc).err() == ENOENT);
  ListClassesResponse lc;
  REQUIRE(f.transport().ListClasses(ListClassesRequest(), &lc).ok());
  CHECK(lc.classes_size() == 3);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("the tenant's volume quota limits volume creation with EDQUOT", "[meta][volume][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  Quota q;
  q.set_volumes(2);
  REQUIRE(f.c.CreateTenant("two", q).ok());
  REQUIRE(f.c.CreateVolume("a", "two").ok());
  REQUIRE(f.c.CreateVolume("b", "two").ok());
  CHECK(Errno(f.c.CreateVolume("c", "two")) == EDQUOT);
  CHECK(f.c.GetTenant("two")->usage().volumes() == 2);
}

TEMPLATE_TEST_CASE("volume resize below usage fails with EINVAL, growing works", "[meta][volume][quota]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto w = f.c.CreateOpen(f.c.root, "f", 0644, O_WRONLY);
  REQUIRE(f.c.CloseWithSize(w->handle(), 5000).ok());
  ResizeVolumeRequest q;
  q.set_name("v");
  q.set_quota_bytes(4999);
  Volume v;
  CHECK(f.transport().ResizeVolume(q, &v).err() == EINVAL);
  q.set_quota_bytes(5000);
  REQUIRE(f.transport().ResizeVolume(q, &v).ok());
  CHECK(v.quota().bytes() == 5000);
  q.set_quota_bytes(0);
  q.set_quota_inodes(1);
  CHECK(f.transport().ResizeVolume(q, &v).err() == EINVAL);  // 2 inodes in use
  q.set_quota_inodes(100);
  REQUIRE(f.transport().ResizeVolume(q, &v).ok());
  CHECK(v.quota().bytes() == 5000);  // 0 = unchanged
  CHECK(v.quota().inodes() == 100);
  q.set_name("ghost");
  CHECK(f.transport().ResizeVolume(q, &v).err() == ENOENT);
}

TEMPLATE_TEST_CASE("volume delete purges the namespace, frees the name, queues data and ends sessions", "[meta][volume]", ENGINES) {
  TestType engine;
  meta::MetaOptions o = TestOptions();
  o.purge_step_entries = 3;  // several steps
  CoreFixture f(engine.Open(), o);
  REQUIRE(f.c.CreateVolume("doomed", "t").ok());
  auto c = f.NewClient();
  REQUIRE(c.MountVolume("doomed").ok());
  auto d = c.Mkdir(c.root, "d");
  auto dd = c.Mkdir(d->ino(), "dd");
  for (int i = 0; i < 5; ++i) REQUIRE(c.Create(dd->ino(), "f" + std::to_string(i)).ok());
  auto open = c.CreateOpen(c.root, "open", 0644, O_WRONLY);
  REQUIRE(c.CloseWithSize(c.CreateOpen(c.root, "sized", 0644, O_WRONLY)->handle(), 100).ok());
  REQUIRE(c.Link(c.Lookup(dd->ino(), "f0")->ino(), c.root, "hard").ok());
  REQUIRE(c.Symlink(c.root, "s", "x").ok());
  auto before = f.c.GetTenant("t");
  VolumeRequest q;
  q.set_name("doomed");
  DeleteResponse dr;
  REQUIRE(f.transport().DeleteVolume(q, &dr).ok());
  CHECK(Errno(c.Lookup(c.root, "d")) == ESTALE);
  CHECK(Errno(f.c.GetVolume("doomed")) == ENOENT);
  CHECK(f.c.GetTenant("t")->usage().volumes() == before->usage().volumes() - 1);
  CHECK(f.Check() == "");
  REQUIRE(f.DrainGc());
  CHECK(f.Check() == "");
  auto after = f.c.GetTenant("t");
  CHECK(after->usage().bytes() == 0);
  CHECK(after->usage().inodes() == 1);  // volume v: its root and nothing else
  CHECK(Errno(c.GetAttr(open->attr().ino())) == ESTALE);
  // The name is free again.
  REQUIRE(f.c.CreateVolume("doomed", "t").ok());
  auto again = f.NewClient();
  REQUIRE(again.MountVolume("doomed").ok());
  CHECK(again.ListNames(again.root)->empty());
  CHECK(f.transport().DeleteVolume(VolumeRequest(), &dr).err() == ENOENT);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("list volumes filters by tenant, an unknown tenant is ENOENT", "[meta][volume]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  REQUIRE(f.c.CreateTenant("other").ok());
  REQUIRE(f.c.CreateVolume("o1", "other").ok());
  ListVolumesRequest q;
  ListVolumesResponse all, mine;
  REQUIRE(f.transport().ListVolumes(q, &all).ok());
  CHECK(all.volumes_size() == 2);
  q.set_tenant("other");
  REQUIRE(f.transport().ListVolumes(q, &mine).ok());
  REQUIRE(mine.volumes_size() == 1);
  CHECK(mine.volumes(0).name() == "o1");
  q.set_tenant("ghost");
  CHECK(f.transport().ListVolumes(q, &mine).err() == ENOENT);
}

TEST_CASE("class specs override built-ins and add custom classes", "[meta][volume]") {
  auto classes = meta::BuiltinClasses();
  REQUIRE(meta::ApplyClassSpec("small:quota=10Gi,inodes=1M,replication=2,stripe=4,chunk=1Mi,bandwidth=100Mi,iops=500", &classes).ok());
  CHECK(classes["small"].default_quota_bytes() == 10ull << 30);
  CHECK(classes["small"].default_quota_inodes() == 1'000'000);
  CHECK(classes["small"].replication() == 2);
  CHECK(classes["small"].chunk_size() == 1 << 20);
  CHECK(classes["small"].qos_iops() == 500);
  REQUIRE(meta::ApplyClassSpec("scratch:replication=1", &classes).ok());
  CHECK(classes["scratch"].replication() == 1);
  CHECK(classes["scratch"].stripe_width() == classes["medium"].stripe_width());
  CHECK(meta::ApplyClassSpec("x:replication=4", &classes).err() == EINVAL);
  CHECK(meta::ApplyClassSpec("x:chunk=3000", &classes).err() == EINVAL);
  CHECK(meta::ApplyClassSpec("x:color=blue", &classes).err() == EINVAL);
  CHECK(meta::ApplyClassSpec("x:quota", &classes).err() == EINVAL);
  CHECK(meta::ApplyClassSpec(":quota=1", &classes).err() == EINVAL);
  CHECK(meta::ParseSize("5K").value() == 5000);
  CHECK(meta::ParseSize("5Ki").value() == 5120);
  CHECK(meta::ParseSize("2Pi").value() == 2ull << 50);
  CHECK(meta::ParseSize("5Q").status().err() == EINVAL);
  CHECK(meta::ParseSize("").status().err() == EINVAL);
}
