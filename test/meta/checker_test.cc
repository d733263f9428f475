// server/meta/check/checker.cc: a consistent store passes; each kind of damage is named.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include "server/meta/keys.h"
#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

namespace {
template <typename T>
T Load(KvStore& kv, const std::string& key) {
  auto v = kv.Get(key);
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  T rec;
  REQUIRE(rec.ParseFromString(**v));
  return rec;
}

void Write(KvStore& kv, const std::string& key, const std::string& value) {
  auto b = kv.NewBatch();
  b->Put(key, value);
  REQUIRE(kv.Commit(*b, true).ok());
}

void Erase(KvStore& kv, const std::string& key) {
  auto b = kv.NewBatch();
  b->Delete(key);
  REQUIRE(kv.Commit(*b, true).ok());
}

// A small namespace with every kind of record.
struct Tree {
  uint64_t dir, file, open_ino, handle;
};
Tree Build(CoreFixture& f) {
  Tree t;
  t.dir = f.c.Mkdir(f.c.root, "d")->ino();
  t.file = f.c.Create(t.dir, "f")->ino();
  REQUIRE(f.c.Link(t.file, f.c.root, "hard").ok());
  REQUIRE(f.c.SetXattr(t.file, "user.x", "1").ok());
  auto o = f.c.CreateOpen(f.c.root, "open", 0644, O_WRONLY);
  REQUIRE(o.ok());
  t.open_ino = o->attr().ino();
  t.handle = o->handle();
  REQUIRE(f.c.Grant(o->handle(), t.open_ino, 10).ok());
  REQUIRE(f.c.Unlink(f.c.root, "open").ok());
  return t;
}
}  // namespace

TEMPLATE_TEST_CASE("the checker accepts a namespace built by the operations", "[meta][check]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  Build(f);
  CHECK(f.Check() == "");
}

TEMPLATE_TEST_CASE("the checker names a dentry that points to a missing inode", "[meta][check]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  Tree t = Build(f);
  f.core().Stop();
  Erase(f.kv(), keys::Inode(t.file));
  std::string out = f.Check();
  CHECK(out.find("points to missing inode " + std::to_string(t.file)) != std::string::npos);
  CHECK(out.find("xattrs belong to missing inode") != std::string::npos);
}

TEMPLATE_TEST_CASE("the checker names a wrong nlink and a wrong directory link count", "[meta][check]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  Tree t = Build(f);
  f.core().Stop();
  auto file = Load<rec::Inode>(f.kv(), keys::Inode(t.file));
  file.mutable_attr()->set_nlink(3);
  Write(f.kv(), keys::Inode(t.file), file.SerializeAsString());
  auto root = Load<rec::Inode>(f.kv(), keys::Inode(f.c.root));
  root.mutable_attr()->set_nlink(2);
  Write(f.kv(), keys::Inode(f.c.root), root.SerializeAsString());
  std::string out = f.Check();
  CHECK(out.find("inode " + std::to_string(t.file) + " has nlink 3 but 2 dentries") != std::string::npos);
  CHECK(out.find("directory " + std::to_string(f.c.root) + " has nlink 2, expected 3") != std::string::npos);
}

TEMPLATE_TEST_CASE("the checker names usage counters that differ from the sums", "[meta][check]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  Build(f);
  f.core().Stop();
  auto v = Load<rec::Volume>(f.kv(), keys::Volume(f.c.volume_id));
  v.mutable_info()->mutable_usage()->set_bytes(99);
  v.mutable_info()->mutable_usage()->set_reserved_bytes(0);
  Write(f.kv(), keys::Volume(f.c.volume_id), v.SerializeAsString());
  std::string out = f.Check();
  CHECK(out.find("volume 'v' usage says 99 bytes, files hold 0") != std::string::npos);
  CHECK(out.find("volume 'v' says 0 bytes reserved") != std::string::npos);
  CHECK(out.find("tenant 't' usage says") != std::string::npos);
}

TEMPLATE_TEST_CASE("the checker names an orphan inode that is not in the GC queue", "[meta][check]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  Tree t = Build(f);
  f.core().Stop();
  // The open-unlinked file loses its handle record (and count) but is not queued.
  auto inode = Load<rec::Inode>(f.kv(), keys::Inode(t.open_ino));
  inode.set_open_handles(0);
  Write(f.kv(), keys::Inode(t.open_ino), inode.SerializeAsString());
  Erase(f.kv(), keys::Handle(f.c.session, t.handle));
  std::string out = f.Check();
  CHECK(out.find("orphan inode " + std::to_string(t.open_ino)) != std::string::npos);
}

TEMPLATE_TEST_CASE("the checker names a directory cycle detached from the root", "[meta][check]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto a = f.c.Mkdir(f.c.root, "a");
  auto b = f.c.Mkdir(a->ino(), "b");
  REQUIRE(b.ok());
  f.core().Stop();
  // Make a/b the parent of a (a cycle) and drop a's entry in the root.
  rec::Dentry d;
  d.set_ino(a->ino());
  d.set_type(S_IFDIR);
  Write(f.kv(), keys::Dentry(b->ino(), "a"), d.SerializeAsString());
  Erase(f.kv(), keys::Dentry(f.c.root, "a"));
  auto ai = Load<rec::Inode>(f.kv(), keys::Inode(a->ino()));
  ai.set_parent(b->ino());
  Write(f.kv(), keys::Inode(a->ino()), ai.SerializeAsString());
  auto bi = Load<rec::Inode>(f.kv(), keys::Inode(b->ino()));
  bi.set_entries(1);
  bi.mutable_attr()->set_nlink(3);
  Write(f.kv(), keys::Inode(b->ino()), bi.SerializeAsString());
  auto root = Load<rec::Inode>(f.kv(), keys::Inode(f.c.root));
  root.set_entries(0);
  root.mutable_attr()->set_nlink(2);
  Write(f.kv(), keys::Inode(f.c.root), root.SerializeAsString());
  std::string out = f.Check();
  CHECK(out.find("inode " + std::to_string(a->ino()) + " (nlink 3) is not reachable") != std::string::npos);
}

TEMPLATE_TEST_CASE("the checker names a handle of a missing session and a bad mount count", "[meta][check]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  Build(f);
  f.core().Stop();
  Erase(f.kv(), keys::Session(f.c.session));
  std::string out = f.Check();
  CHECK(out.find("belongs to missing session " + std::to_string(f.c.session)) != std::string::npos);
  CHECK(out.find("counts 1 mounts, 0 sessions exist") != std::string::npos);
}
