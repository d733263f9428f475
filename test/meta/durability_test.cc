// When weft-meta's changes become durable (server/meta/sequencer.h, "Durability"): namespace changes
// are acknowledged once applied and logged, and synced within sync_interval_ms or at a Sync; grants,
// shrinking truncates and id reservations sync before their reply. PowerLossKv keeps only what was
// synced, so a power failure can be played out: the store must come back consistent, with every
// change a Sync covered, and hand out no id twice.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "server/meta/check/checker.h"
#include "server/meta/keys.h"
#include "server/meta/sequencer.h"
#include "test/meta/support/core_fixture.h"
#include "test/meta/support/power_loss_kv.h"

using namespace weft;
using namespace weft::meta;
using namespace weft::meta::test;

namespace {

template <typename Pred>
bool WaitFor(Pred pred, int timeout_ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A fixture over a PowerLossKv whose sync thread has just run: the next background sync is a whole
// interval away, so with a long interval nothing is synced unless the test asks.
struct PowerLossFixture {
  explicit PowerLossFixture(MetaOptions options) {
    auto kv = std::make_unique<PowerLossKv>();
    store = kv.get();
    f = std::make_unique<CoreFixture>(std::move(kv), options);
    REQUIRE(f->c.Create(f->c.root, "warm-up").ok());  // deferred: the sync thread's first sync is at once
    REQUIRE(WaitFor([&] { return store->pending() == 0; }));
  }
  PowerLossKv* store;
  std::unique_ptr<CoreFixture> f;
};

MetaOptions LongInterval() {
  MetaOptions o = TestOptions();
  o.sync_interval_ms = 10000;
  return o;
}

std::string Violations(KvStore& kv) {
  auto r = CheckConsistency(kv);
  if (!r.ok()) return r.status().ToString();
  std::string out;
  for (const auto& v : r->violations) out += v + "\n";
  return out;
}

}  // namespace

TEST_CASE("a power failure loses only the changes no sync covered and never reuses their ids", "[meta][durability]") {
  PowerLossFixture p(LongInterval());
  TestClient& c = p.f->c;
  const uint64_t synced_before = p.store->synced_commits();
  for (int i = 0; i < 5; ++i) REQUIRE(c.Create(c.root, "a" + std::to_string(i)).ok());
  auto dir = c.Mkdir(c.root, "dir");
  REQUIRE(dir.ok());
  REQUIRE(c.Rename(c.root, "a0", dir->ino(), "moved").ok());
  // Acknowledged, applied and readable, but not synced.
  CHECK(p.store->synced_commits() == synced_before);
  CHECK(p.store->pending() > 0);
  CHECK(c.Lookup(dir->ino(), "moved").ok());
  REQUIRE(c.Sync().ok());
  CHECK(p.store->pending() == 0);

  uint64_t last_lost_ino = 0;
  for (int i = 0; i < 5; ++i) {
    auto b = c.Create(c.root, "b" + std::to_string(i));
    REQUIRE(b.ok());
    last_lost_ino = std::max(last_lost_ino, b->ino());
  }
  REQUIRE(c.Rename(c.root, "a1", c.root, "a1-renamed").ok());  // (an unlink would wake the GC, which syncs)
  CHECK(p.store->pending() > 0);
  auto image = p.store->CrashImage();  // the power fails here
  p.f.reset();

  CHECK(Violations(*image).empty());
  auto core = MetaCore::Open(image.get(), nullptr, LongInterval());  // moves the counters past the lost ids
  REQUIRE(core.ok());
  auto transport = NewCoreTransport(core->get());
  TestClient after(transport.get());
  REQUIRE(after.MountVolume("v").ok());
  for (int i = 1; i < 5; ++i) CHECK(after.Lookup(after.root, "a" + std::to_string(i)).ok());  // a1's rename is lost
  CHECK(Errno(after.Lookup(after.root, "a1-renamed")) == ENOENT);
  auto moved_dir = after.Lookup(after.root, "dir");
  REQUIRE(moved_dir.ok());
  CHECK(after.Lookup(moved_dir->ino(), "moved").ok());
  CHECK(Errno(after.Lookup(after.root, "a0")) == ENOENT);
  for (int i = 0; i < 5; ++i) CHECK(Errno(after.Lookup(after.root, "b" + std::to_string(i))) == ENOENT);
  // The lost creates handed out inode ids that chunk data or capabilities may carry: never again.
  auto fresh = after.Create(after.root, "b0");
  REQUIRE(fresh.ok());
  CHECK(fresh->ino() > last_lost_ino);
  (*core)->Stop();
  CHECK(Violations(*image).empty());
}

TEST_CASE("the sync thread makes deferred changes durable within the interval and coalesces them", "[meta][durability]") {
  MetaOptions o = TestOptions();
  o.sync_interval_ms = 20;
  PowerLossFixture p(o);
  TestClient& c = p.f->c;
  const uint64_t syncs_before = p.store->syncs();
  const uint64_t synced_before = p.store->synced_commits();
  for (int i = 0; i < 50; ++i) REQUIRE(c.Create(c.root, "f" + std::to_string(i)).ok());
  CHECK(p.store->synced_commits() == synced_before);  // none of the creates waited for a sync
  REQUIRE(WaitFor([&] { return p.store->pending() == 0; }));
  const uint64_t syncs = p.store->syncs() - syncs_before;
  CHECK(syncs >= 1);
  CHECK(syncs < 50);
  CHECK(p.f->core().sequencer().stats().background_syncs >= syncs);
}

TEST_CASE("with sync_each_change every namespace change is synced before its reply", "[meta][durability]") {
  MetaOptions o = LongInterval();
  o.sync_each_change = true;
  auto kv = std::make_unique<PowerLossKv>();
  PowerLossKv* store = kv.get();
  CoreFixture f(std::move(kv), o);
  const uint64_t synced_before = store->synced_commits();
  auto a = f.c.Create(f.c.root, "a");
  REQUIRE(a.ok());
  REQUIRE(f.c.Rename(f.c.root, "a", f.c.root, "b").ok());
  REQUIRE(f.c.SetXattr(a->ino(), "user.k", "v").ok());
  CHECK(store->synced_commits() == synced_before + 3);
  CHECK(store->pending() == 0);
}

TEST_CASE("grants shrinking truncates and O_TRUNC sync before their reply while growth does not", "[meta][durability]") {
  PowerLossFixture p(LongInterval());
  TestClient& c = p.f->c;
  auto file = c.CreateOpen(c.root, "f", 0644, O_RDWR);
  REQUIRE(file.ok());
  const uint64_t ino = file->attr().ino();
  uint64_t synced = p.store->synced_commits();
  REQUIRE(c.Grant(file->handle(), ino, 1 << 20).ok());  // data may reach the chunk servers next
  CHECK(p.store->synced_commits() == ++synced);
  REQUIRE(c.Truncate(ino, 1 << 20).ok());  // growth: deferred
  CHECK(p.store->synced_commits() == synced);
  REQUIRE(c.Truncate(ino, 4096).ok());  // the client removes the data past 4096 once told
  CHECK(p.store->synced_commits() == ++synced);
  CHECK(p.store->pending() == 0);
  auto reopened = c.Open(ino, O_RDWR | O_TRUNC);
  REQUIRE(reopened.ok());
  CHECK(p.store->synced_commits() == ++synced);
  auto again = c.Open(ino, O_RDWR | O_TRUNC);  // already empty: nothing to remove, deferred
  REQUIRE(again.ok());
  CHECK(p.store->synced_commits() == synced);
}

TEST_CASE("ids are reserved on disk a block at a time and recovery moves counters past the block", "[meta][durability]") {
  auto kv = std::make_unique<PowerLossKv>();
  MetaOptions options = LongInterval();
  MetaEnv env;
  env.options = &options;
  auto next = [&](Sequencer& seq, int n, uint64_t* last) {
    return seq.Run([&, n](OpContext& ctx) {
      ctx.DeferSync();
      for (int i = 0; i < n; ++i) {
        auto id = ctx.NextId(keys::kTokenCounter);
        if (!id.ok()) return id.status();
        *last = *id;
      }
      return Status::Ok();
    });
  };
  uint64_t last = 0;
  {
    Sequencer seq(kv.get(), env);
    REQUIRE(next(seq, 1, &last).ok());  // reserves 1..kIdReservation: synced
    CHECK(last == 1);
    CHECK(kv->synced_commits() == 1);
    REQUIRE(next(seq, 1, &last).ok());  // within the block: deferred
    CHECK(kv->synced_commits() == 1);
    auto image = kv->CrashImage();
    REQUIRE(RecoverCounters(image.get()).ok());
    Sequencer after(image.get(), env);
    REQUIRE(next(after, 1, &last).ok());
    CHECK(last == kIdReservation + 1);  // id 2 (lost) is never handed out again
    after.Stop();
    REQUIRE(next(seq, static_cast<int>(kIdReservation) - 2, &last).ok());  // up to the block's end
    CHECK(last == kIdReservation);
    CHECK(kv->synced_commits() == 1);
    REQUIRE(next(seq, 1, &last).ok());  // the next block
    CHECK(last == kIdReservation + 1);
    CHECK(kv->synced_commits() == 2);
    seq.Stop();
  }
  // A clean stop synced everything; recovery still skips to the reservation's end, harmlessly.
  CHECK(kv->pending() == 0);
  REQUIRE(RecoverCounters(kv.get()).ok());
  auto counter = kv->Get(keys::Counter(keys::kTokenCounter));
  REQUIRE(counter.ok());
  REQUIRE(counter->has_value());
  CHECK(keys::DecodeU64(**counter) == 2 * kIdReservation);
}

TEST_CASE("the GC syncs the log before it removes an unlinked file's data", "[meta][durability]") {
  PowerLossFixture p(LongInterval());
  TestClient& c = p.f->c;
  REQUIRE(c.Create(c.root, "gone").ok());
  REQUIRE(c.Sync().ok());
  const uint64_t syncs_before = p.store->syncs();
  REQUIRE(c.Unlink(c.root, "gone").ok());  // deferred; queues the inode for GC, which runs at once
  REQUIRE(p.f->DrainGc());
  CHECK(p.store->syncs() > syncs_before);
  CHECK(p.store->pending() == 0);
}

TEST_CASE("a log that cannot be synced fails the client's Sync and keeps the GC from removing data", "[meta][durability]") {
  PowerLossFixture p(LongInterval());
  TestClient& c = p.f->c;
  REQUIRE(c.Create(c.root, "gone").ok());
  p.store->set_fail_syncs(true);
  CHECK(Errno(c.Sync()) == EIO);  // an fsync must not report durability it does not have
  REQUIRE(c.Unlink(c.root, "gone").ok());  // deferred: acknowledged without a sync
  p.f->core().gc().Wake();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // GC passes run every 20 ms here
  CHECK(p.f->GcPending() == 1);  // its sync failed: the record and the data stay
  p.store->set_fail_syncs(false);
  CHECK(c.Sync().ok());
  CHECK(p.f->DrainGc());
}
