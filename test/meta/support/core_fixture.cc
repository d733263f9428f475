#include "test/meta/support/core_fixture.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "server/meta/check/checker.h"
#include "server/meta/keys.h"

namespace weft::meta::test {

RocksEngine::RocksEngine() {
  char tmpl[] = "/tmp/weft-metatest-XXXXXX";
  dir = mkdtemp(tmpl);
}

RocksEngine::~RocksEngine() { std::filesystem::remove_all(dir); }

std::unique_ptr<KvStore> RocksEngine::Open() {
  auto kv = OpenRocksKv({.path = dir + "/db", .block_cache_bytes = 8 << 20});
  REQUIRE(kv.ok());
  return std::move(*kv);
}

MetaOptions TestOptions() {
  MetaOptions o;
  o.session_ttl_ms = 600000;
  o.gc_interval_ms = 20;
  return o;
}

MetaOptions LeaseOptions(uint32_t lease_ms) {
  auto o = TestOptions();
  o.dir_lease_ms = lease_ms;
  return o;
}

AttrResponse MkdirLeased(TestClient& c, uint64_t parent, const std::string& name, bool want, uint32_t mode) {
  MkdirRequest q;
  q.set_session_id(c.session);
  *q.mutable_caller() = c.caller;
  q.set_request_id(c.NextRequestId());
  q.set_parent(parent);
  q.set_name(name);
  q.set_mode(mode);
  q.set_want_dir_lease(want);
  AttrResponse r;
  REQUIRE(c.transport().Mkdir(q, &r).ok());
  return r;
}

CoreFixture::CoreFixture(std::unique_ptr<KvStore> kv, MetaOptions options)
    : c(nullptr), kv_(std::move(kv)) {
  auto core = MetaCore::Open(kv_.get(), nullptr, std::move(options));
  REQUIRE(core.ok());
  core_ = std::move(*core);
  transport_ = NewCoreTransport(core_.get());
  c = TestClient(transport_.get());
  REQUIRE(c.CreateTenant("t").ok());
  REQUIRE(c.CreateVolume("v", "t").ok());
  REQUIRE(c.MountVolume("v").ok());
}

CoreFixture::~CoreFixture() { core_->Stop(); }

std::string CoreFixture::Check() {
  auto r = CheckConsistency(*kv_);
  if (!r.ok()) return r.status().ToString();
  std::string out;
  for (const auto& v : r->violations) out += v + "\n";
  return out;
}

uint64_t CoreFixture::GcPending() { return core_->Counts().gc_pending; }

bool CoreFixture::DrainGc(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    bool purging = false;
    std::string prefix = keys::Prefix(keys::kVolume);
    for (auto it = kv_->Scan(prefix, keys::PrefixEnd(prefix)); it->Valid(); it->Next()) {
      rec::Volume v;
      if (v.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) && v.deleting()) purging = true;
    }
    if (!purging && GcPending() == 0) return true;
    core_->gc().Wake();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace weft::meta::test
