// server/meta/dir_leases.h: the lease table's rules, with times given by the test.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "server/meta/dir_leases.h"

using weft::MonoMs;
using weft::meta::DirLeases;

namespace {
constexpr uint64_t kDir = 100, kHolder = 1, kOther = 2;
constexpr uint32_t kMs = 1000;
}  // namespace

TEST_CASE("a directory lease is renewed by its holder's adds and ended by another session's", "[meta][dir_lease]") {
  DirLeases t(kMs, 16);
  uint64_t grant = t.Grant(kDir, kHolder, 0);
  REQUIRE(grant != 0);

  auto own = t.Add(kDir, kHolder, 500);  // renewed to 1500
  CHECK(own.wait_until == 0);
  CHECK(own.grant == grant);

  // Another session's add waits for the deadline; meanwhile the holder's adds no longer renew it.
  auto other = t.Add(kDir, kOther, 600);
  CHECK(other.wait_until == 1500);
  CHECK(other.grant == 0);
  auto own2 = t.Add(kDir, kHolder, 700);
  CHECK(own2.wait_until == 0);
  CHECK(own2.grant == 0);
  CHECK(t.BlockedUntil(kDir, kOther, 800) == 1500);  // the deadline did not move

  // Past it, the other session's add runs and the lease is gone for good.
  CHECK(t.Add(kDir, kOther, 1500).wait_until == 0);
  CHECK(t.size() == 0);
  auto own3 = t.Add(kDir, kHolder, 1600);
  CHECK(own3.grant == 0);
  CHECK(own3.wait_until == 0);
}

TEST_CASE("a lapsed directory lease no other session broke is renewed by its holder", "[meta][dir_lease]") {
  DirLeases t(kMs, 16);
  uint64_t grant = t.Grant(kDir, kHolder, 0);
  auto late = t.Add(kDir, kHolder, 5000);
  CHECK(late.grant == grant);
  CHECK(t.BlockedUntil(kDir, kOther, 5100) == 6000);
}

TEST_CASE("directory leases: BlockedUntil revokes, other directories and the holder never wait", "[meta][dir_lease]") {
  DirLeases t(kMs, 16);
  t.Grant(kDir, kHolder, 0);
  CHECK(t.BlockedUntil(kDir, kHolder, 10) == 0);
  CHECK(t.BlockedUntil(kDir + 1, kOther, 10) == 0);
  CHECK(t.BlockedUntil(kDir, kOther, 10) == 1000);
  CHECK(t.Add(kDir, kHolder, 20).grant == 0);  // revoked by the waiter: no renewal
  CHECK(t.BlockedUntil(kDir, kOther, 1000) == 0);
}

TEST_CASE("after a restart with surviving sessions every add waits one lease period", "[meta][dir_lease]") {
  DirLeases t(kMs, 16);
  t.StartQuiet(100);
  CHECK(t.BlockedUntil(kDir, kOther, 200) == 1100);
  CHECK(t.Add(kDir, kOther, 200).wait_until == 1100);
  CHECK(t.Add(kDir, kOther, 1100).wait_until == 0);
  // A directory made since has a record, and its holder does not wait.
  uint64_t grant = t.Grant(kDir + 1, kHolder, 300);
  CHECK(t.Add(kDir + 1, kHolder, 400).grant == grant);
}

TEST_CASE("the directory lease table is bounded and leases can be switched off", "[meta][dir_lease]") {
  DirLeases t(kMs, 2);
  CHECK(t.Grant(1, kHolder, 0) != 0);
  CHECK(t.Grant(2, kHolder, 0) != 0);
  CHECK(t.Grant(3, kHolder, 500) == 0);  // full of live leases: none granted, none dropped
  CHECK(t.BlockedUntil(1, kOther, 500) == 1000);
  CHECK(t.Grant(3, kHolder, 1500) != 0);  // the lapsed ones made room
  CHECK(t.size() == 1);
  t.Forget(3);
  CHECK(t.size() == 0);

  DirLeases off(0, 16);
  CHECK(off.Grant(kDir, kHolder, 0) == 0);
  off.StartQuiet(0);
  CHECK(off.BlockedUntil(kDir, kOther, 1) == 0);
  CHECK(off.Add(kDir, kOther, 1).wait_until == 0);
}

TEST_CASE("a deferring session's lease makes other sessions' reads wait, and a late deferred create is refused",
          "[meta][dir_lease][deferred]") {
  DirLeases t(kMs, 16);
  const uint64_t grant = t.Grant(kDir, kHolder, 0);
  REQUIRE(grant != 0);
  // Not deferring yet: reads never wait.
  CHECK(t.BlockedUntilRead(kDir, kOther, 10) == 0);
  t.SetDeferring(kHolder, true);
  CHECK(t.deferring(kHolder));
  CHECK(t.BlockedUntilRead(kDir, kHolder, 10) == 0);  // the holder's own reads
  CHECK(t.BlockedUntilRead(kDir + 1, kOther, 10) == 0);  // no lease there
  // The holder's deferred creates stand and renew the lease.
  auto ok = t.AddDeferred(kDir, kHolder, 100);
  CHECK(ok.ok);
  CHECK(ok.grant == grant);
  // Another session's read waits for the deadline and revokes the lease: creates arriving before the
  // deadline stand without renewal, later ones are refused.
  CHECK(t.BlockedUntilRead(kDir, kOther, 200) == 1100);
  auto revoked = t.AddDeferred(kDir, kHolder, 500);
  CHECK(revoked.ok);
  CHECK(revoked.grant == 0);
  CHECK_FALSE(t.AddDeferred(kDir, kHolder, 1100).ok);
  CHECK(t.BlockedUntilRead(kDir, kOther, 1100) == 0);  // lapsed: the record goes
  CHECK(t.size() == 0);
  CHECK_FALSE(t.AddDeferred(kDir, kHolder, 1200).ok);  // no record: refused
  // Another session's deferred create under someone else's lease is refused.
  t.Grant(kDir + 2, kOther, 2000);
  CHECK_FALSE(t.AddDeferred(kDir + 2, kHolder, 2001).ok);
  // A session that stopped deferring (its end) makes nobody wait.
  t.Grant(kDir + 3, kHolder, 3000);
  t.SetDeferring(kHolder, false);
  CHECK(t.BlockedUntilRead(kDir + 3, kOther, 3001) == 0);
}

TEST_CASE("after a restart with deferring sessions reads wait one lease period and their creates stand",
          "[meta][dir_lease][deferred]") {
  DirLeases t(kMs, 16);
  t.SetDeferring(kHolder, true);
  t.StartQuiet(100, /*reads=*/true);
  CHECK(t.BlockedUntilRead(kDir, kOther, 200) == 1100);
  CHECK(t.AddDeferred(kDir, kHolder, 300).ok);  // sent before the restart, arriving in the quiet period
  CHECK_FALSE(t.AddDeferred(kDir, kHolder, 1100).ok);
  CHECK(t.BlockedUntilRead(kDir, kOther, 1100) == 0);
  // A restart without deferring sessions: reads do not wait, deferred creates without a record are refused.
  DirLeases u(kMs, 16);
  u.StartQuiet(100, /*reads=*/false);
  CHECK(u.BlockedUntilRead(kDir, kOther, 200) == 0);
  CHECK_FALSE(u.AddDeferred(kDir, kHolder, 200).ok);
}

TEST_CASE("a listening holder is asked once for a lease another session waits for, and its release ends the wait",
          "[meta][dir_lease][recall]") {
  DirLeases t(kMs, 16);
  t.Grant(kDir, kHolder, 0);
  t.Grant(kDir + 1, kHolder, 0);
  t.SetDeferring(kHolder, true);
  CHECK(t.WaitRecalls(kHolder, MonoMs()).empty());  // listens from now on; nothing asked yet

  // Another session's read waits for the deadline, and the holder is asked for the lease, once.
  CHECK(t.BlockedUntilRead(kDir, kOther, 10) == 1000);
  CHECK(t.WaitRecalls(kHolder, MonoMs() + 30000) == std::vector<uint64_t>{kDir});
  CHECK(t.BlockedUntilRead(kDir, kOther, 20) == 1000);
  CHECK(t.WaitRecalls(kHolder, MonoMs()).empty());
  // Another session's add to the other directory asks for that one.
  CHECK(t.BlockedUntil(kDir + 1, kOther, 30) == 1000);
  CHECK(t.WaitRecalls(kHolder, MonoMs()) == std::vector<uint64_t>{kDir + 1});

  // A waiter sleeping towards the deadline wakes at the release, whenever it came after its `seen`.
  const uint64_t seen = t.release_generation();
  std::atomic<int64_t> slept_ms{-1};
  std::thread sleeper([&] {
    const int64_t start = MonoMs();
    t.SleepUntil(start + 30000, seen);
    slept_ms = MonoMs() - start;
  });
  t.Release(kOther, {kDir});  // not the other session's to hand back
  CHECK(t.size() == 2);
  t.Release(kHolder, {kDir});
  sleeper.join();
  CHECK(slept_ms.load() < 30000);
  CHECK(t.size() == 1);
  CHECK(t.BlockedUntilRead(kDir, kOther, 40) == 0);  // the lease is over
  CHECK_FALSE(t.AddDeferred(kDir, kHolder, 50).ok);  // and a create sent after it is refused
  CHECK(t.Add(kDir, kHolder, 60).grant == 0);        // nor do the holder's adds bring it back
}

TEST_CASE("a lease revoked before its holder listened is asked for at its first recall call", "[meta][dir_lease][recall]") {
  DirLeases t(kMs, 16);
  t.Grant(kDir, kHolder, 0);
  t.SetDeferring(kHolder, true);
  CHECK(t.BlockedUntilRead(kDir, kOther, 10) == 1000);
  CHECK(t.WaitRecalls(kHolder, MonoMs()) == std::vector<uint64_t>{kDir});
  CHECK(t.WaitRecalls(kHolder, MonoMs()).empty());
  // A holder that never listens is waited out, as before.
  t.Grant(kDir + 1, kOther, 0);
  t.SetDeferring(kOther, true);
  CHECK(t.BlockedUntilRead(kDir + 1, kHolder, 10) == 1000);
  CHECK(t.BlockedUntilRead(kDir + 1, kHolder, 1000) == 0);
}

TEST_CASE("a waiting recall call returns when its session stops listening or ends, or weft-meta stops",
          "[meta][dir_lease][recall]") {
  DirLeases t(kMs, 16);
  t.Grant(kDir, kHolder, 0);
  t.SetDeferring(kHolder, true);
  // Each way of ending the wait, raced against a call that may not have started waiting yet: the ending
  // is repeated until the call returned, and it must return empty.
  auto ends_wait = [&](const std::function<void()>& end) {
    std::atomic<bool> done{false};
    std::vector<uint64_t> got{1};
    std::thread waiter([&] {
      got = t.WaitRecalls(kHolder, MonoMs() + 60000);
      done = true;
    });
    while (!done.load()) {
      end();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    waiter.join();
    return got.empty();
  };
  CHECK(ends_wait([&] { t.StopListening(kHolder); }));
  CHECK(t.BlockedUntilRead(kDir, kOther, 10) == 1000);
  CHECK(t.WaitRecalls(kHolder, MonoMs()) == std::vector<uint64_t>{kDir});  // listening again
  t.Grant(kDir + 1, kHolder, 0);
  CHECK(t.BlockedUntilRead(kDir + 1, kOther, 10) == 1000);
  CHECK(t.WaitRecalls(kHolder, MonoMs()) == std::vector<uint64_t>{kDir + 1});
  const uint64_t seen = t.release_generation();
  CHECK(ends_wait([&] { t.SessionEnded(kHolder); }));
  CHECK_FALSE(t.deferring(kHolder));
  CHECK(t.release_generation() != seen);  // sleepers wake
  CHECK(t.size() == 0);                   // its leases ended with it
  t.SetDeferring(kHolder, true);
  t.Grant(kDir + 2, kOther, 0);           // another session's lease stays through kHolder's end
  t.SessionEnded(kHolder);
  CHECK(t.size() == 1);
  CHECK(ends_wait([&] { t.Close(); }));
  // Closed: sleepers do not sleep either.
  const int64_t start = MonoMs();
  t.SleepUntil(start + 60000, t.release_generation());
  CHECK(MonoMs() - start < 60000);
}
