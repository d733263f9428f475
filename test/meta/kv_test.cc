// The KV contract, run against both engines.
#include <catch2/catch.hpp>

#include <filesystem>

#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

#include "server/meta/kv.h"

using weft::meta::KvStore;

namespace {

struct MemEngine {
  std::unique_ptr<KvStore> Open() { return weft::meta::NewMemKv(); }
};

struct RocksEngine {
  std::string dir;
  RocksEngine() {
    char tmpl[] = "/tmp/weft-kvtest-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~RocksEngine() { std::filesystem::remove_all(dir); }
  std::unique_ptr<KvStore> Open() {
    auto kv = weft::meta::OpenRocksKv({.path = dir + "/db"});
    REQUIRE(kv.ok());
    return std::move(*kv);
  }
};

std::string Val(KvStore& kv, std::string_view k) {
  auto v = kv.Get(k);
  REQUIRE(v.ok());
  return v->value_or("<absent>");
}

}  // namespace

TEMPLATE_TEST_CASE("a committed batch is visible as a whole", "[meta][kv]", MemEngine, RocksEngine) {
  TestType engine;
  auto kv = engine.Open();
  auto b = kv->NewBatch();
  b->Put("a", "1");
  b->Put("b", "2");
  CHECK(Val(*kv, "a") == "<absent>");  // not before commit
  REQUIRE(kv->Commit(*b, true).ok());
  CHECK(Val(*kv, "a") == "1");
  CHECK(Val(*kv, "b") == "2");
}

TEMPLATE_TEST_CASE("a batch reads its own writes over the store", "[meta][kv]", MemEngine, RocksEngine) {
  TestType engine;
  auto kv = engine.Open();
  auto setup = kv->NewBatch();
  setup->Put("k1", "old");
  setup->Put("k2", "keep");
  setup->Put("k3", "gone");
  REQUIRE(kv->Commit(*setup, false).ok());

  auto b = kv->NewBatch();
  b->Put("k1", "new");
  b->Delete("k3");
  b->Put("k4", "added");
  CHECK(b->Get("k1")->value() == "new");
  CHECK(!b->Get("k3")->has_value());
  CHECK(b->Get("k2")->value() == "keep");
  std::vector<std::string> keys;
  for (auto it = b->Scan("k", "l"); it->Valid(); it->Next()) keys.emplace_back(it->key());
  CHECK(keys == std::vector<std::string>{"k1", "k2", "k4"});
}

TEMPLATE_TEST_CASE("savepoints roll back only what came after them", "[meta][kv]", MemEngine, RocksEngine) {
  TestType engine;
  auto kv = engine.Open();
  auto b = kv->NewBatch();
  b->Put("x", "1");
  b->SetSavePoint();
  b->Put("y", "2");
  b->Delete("x");
  b->RollbackToSavePoint();
  CHECK(b->Get("x")->value() == "1");
  CHECK(!b->Get("y")->has_value());
  CHECK(b->Count() == 1);
  b->SetSavePoint();
  b->Put("z", "3");
  b->PopSavePoint();
  REQUIRE(kv->Commit(*b, true).ok());
  CHECK(Val(*kv, "z") == "3");
  CHECK(Val(*kv, "y") == "<absent>");
}

TEMPLATE_TEST_CASE("scans are ordered by bytes and bounded", "[meta][kv]", MemEngine, RocksEngine) {
  TestType engine;
  auto kv = engine.Open();
  auto b = kv->NewBatch();
  for (std::string k : {std::string("p\x01z"), std::string("p\x00" "a", 3), std::string("p\xff"), std::string("q")}) b->Put(k, "v");
  REQUIRE(kv->Commit(*b, true).ok());
  std::vector<std::string> keys;
  for (auto it = kv->Scan("p", "q"); it->Valid(); it->Next()) keys.emplace_back(it->key());
  REQUIRE(keys.size() == 3);
  CHECK(keys[0] == std::string("p\x00" "a", 3));
  CHECK(keys[2] == "p\xff");
  int all = 0;
  for (auto it = kv->Scan("", ""); it->Valid(); it->Next()) ++all;
  CHECK(all == 4);
}

TEST_CASE("RocksDB keeps committed data across reopen", "[meta][kv]") {
  RocksEngine engine;
  {
    auto kv = engine.Open();
    auto b = kv->NewBatch();
    b->Put("durable", "yes");
    REQUIRE(kv->Commit(*b, true).ok());
  }
  auto kv = engine.Open();
  CHECK(Val(*kv, "durable") == "yes");
}

TEST_CASE("a RocksDB scan stops at its end, not after the deleted keys beyond it", "[meta][kv]") {
  // A listing of a small directory must not cost as much as the history after it in key order.
  RocksEngine engine;
  auto kv = engine.Open();
  auto b = kv->NewBatch();
  for (int i = 0; i < 10; ++i) b->Put("a" + std::to_string(i), "live");
  for (int i = 0; i < 5000; ++i) b->Put("b" + std::to_string(100000 + i), "gone soon");
  b->Put("c", "the next live key");
  REQUIRE(kv->Commit(*b, false).ok());
  auto d = kv->NewBatch();
  for (int i = 0; i < 5000; ++i) d->Delete("b" + std::to_string(100000 + i));
  REQUIRE(kv->Commit(*d, false).ok());
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  auto count = [&](auto scan) {
    rocksdb::get_perf_context()->Reset();
    int n = 0;
    for (auto it = scan(); it->Valid(); it->Next()) ++n;
    CHECK(n == 10);
    return rocksdb::get_perf_context()->internal_delete_skipped_count;
  };
  CHECK(count([&] { return kv->Scan("a", "b"); }) < 100);
  auto batch = kv->NewBatch();  // through a batch (reads that see its own writes), the same
  batch->Put("a5", "changed");
  CHECK(count([&] { return batch->Scan("a", "b"); }) < 100);
  // The empty range right before them (an empty directory's emptiness check) too.
  rocksdb::get_perf_context()->Reset();
  CHECK_FALSE(kv->Scan("a9z", "b")->Valid());
  CHECK(rocksdb::get_perf_context()->internal_delete_skipped_count < 100);
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
}
