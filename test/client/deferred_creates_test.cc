// DeferredCreates (client/deferred_creates.h) on its own: inodes come from reservations (and none while
// a reservation is refused), creates leave in batches (at max_batch, after delay_ms, or on Flush),
// Flush returns once they came back, and refusals are kept by inode as EIO. The reserve and send
// functions stand in for weft-meta here; test/fuse/deferred_test.cc runs the real thing.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "client/deferred_creates.h"

using namespace weft;
using namespace weft::client;

namespace {

struct FakeMeta {
  std::mutex mu;
  std::vector<size_t> batch_sizes;
  std::vector<uint64_t> inos;
  std::vector<bool> unlinks;  // per entry sent, in order: whether it was an unlink
  uint64_t next_first = 1000;
  int reservations = 0;
  bool refuse_reserve = false;
  bool fail_send = false;
  uint64_t refuse_ino = 0;  // this create is refused with ESTALE
  uint64_t refuse_unlink_ino = 0;  // an unlink of this inode is refused with EACCES

  DeferredCreates::ReserveFn Reserve() {
    return [this](uint32_t count) -> StatusOr<uint64_t> {
      std::lock_guard lock(mu);
      if (refuse_reserve) return Err(EDQUOT, "inode quota exceeded");
      ++reservations;
      uint64_t first = next_first;
      next_first += count;
      return first;
    };
  }
  DeferredCreates::SendFn Send() {
    return [this](const CreateBatchRequest& req) -> StatusOr<CreateBatchResponse> {
      std::lock_guard lock(mu);
      if (fail_send) return Err(EIO, "weft-meta unreachable");
      batch_sizes.push_back(static_cast<size_t>(req.creates_size()));
      CreateBatchResponse resp;
      for (const auto& e : req.creates()) {
        inos.push_back(e.ino());
        unlinks.push_back(e.unlink());
        DeferredResult* r = resp.add_results();
        if (e.unlink()) {
          if (e.ino() == refuse_unlink_ino) {
            r->set_err(EACCES);
            r->set_message("permission denied");
          }
        } else if (e.ino() == refuse_ino) {
          r->set_err(ESTALE);
          r->set_message("the lease ended first");
        }
      }
      return resp;
    };
  }
};

DeferredCreate Make(uint64_t ino) {
  DeferredCreate e;
  e.set_parent(16);
  e.set_name("f" + std::to_string(ino));
  e.set_ino(ino);
  return e;
}

// Waits until fn() (at most 5 s).
template <typename F>
bool Eventually(F fn) {
  for (int i = 0; i < 500; ++i) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("deferred creates take reserved inodes and leave in batches", "[client][deferred]") {
  FakeMeta meta;
  int results = 0;
  DeferredCreates d(meta.Reserve(), meta.Send(),
                    [&](const CreateBatchRequest&, const CreateBatchResponse&, int64_t) { ++results; },
                    {.reserve = 8, .max_batch = 4, .delay_ms = 50});
  // Nothing is reserved until a directory is made (Warm) or an inode asked for.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard lock(meta.mu);
    CHECK(meta.reservations == 0);
  }
  d.Warm();
  d.Warm();  // one reservation on its way is enough
  REQUIRE(Eventually([&] {
    std::lock_guard lock(meta.mu);
    return meta.reservations == 1;
  }));
  std::vector<uint64_t> taken;
  for (int i = 0; i < 8; ++i) {
    uint64_t ino = d.TakeIno();
    REQUIRE(ino == 1000 + static_cast<uint64_t>(i));
    taken.push_back(ino);
  }
  // Spent: the next one is 0 until the new reservation arrives, then from it.
  uint64_t next = d.TakeIno();
  if (next == 0) {
    REQUIRE(Eventually([&] { return (next = d.TakeIno()) != 0; }));
  }
  CHECK(next == 1008);

  // Four queued leave as one batch at once (max_batch); a fifth waits for delay_ms or a Flush.
  for (int i = 0; i < 4; ++i) d.Add(Make(taken[i]));
  REQUIRE(Eventually([&] {
    std::lock_guard lock(meta.mu);
    return meta.batch_sizes.size() == 1;
  }));
  CHECK(meta.batch_sizes[0] == 4);
  d.Add(Make(taken[4]));
  CHECK(d.Pending(taken[4]));
  d.Flush();
  CHECK_FALSE(d.Pending(taken[4]));
  {
    std::lock_guard lock(meta.mu);
    REQUIRE(meta.batch_sizes.size() == 2);
    CHECK(meta.batch_sizes[1] == 1);
  }
  // Without a Flush the create leaves after delay_ms anyway.
  d.Add(Make(taken[5]));
  REQUIRE(Eventually([&] { return !d.Pending(taken[5]); }));
  CHECK(d.answered() == 6);
  CHECK(d.failed() == 0);
  CHECK(results == 3);
  d.Flush();  // nothing queued: returns at once
}

TEST_CASE("a refused or unsent deferred create is kept as EIO for its inode", "[client][deferred]") {
  FakeMeta meta;
  DeferredCreates d(meta.Reserve(), meta.Send(), nullptr, {.reserve = 8, .max_batch = 16, .delay_ms = 5});
  REQUIRE(Eventually([&] { return d.TakeIno() != 0; }));  // 1000 taken
  const uint64_t a = d.TakeIno(), b = d.TakeIno(), c = d.TakeIno();
  {
    std::lock_guard lock(meta.mu);
    meta.refuse_ino = b;
  }
  d.Add(Make(a));
  d.Add(Make(b));
  d.Flush();
  CHECK(d.Failure(a).ok());
  CHECK(d.Failure(b).err() == EIO);
  CHECK(d.Failure(b).message().find("lease ended first") != std::string::npos);
  {
    std::lock_guard lock(meta.mu);
    meta.fail_send = true;
  }
  d.Add(Make(c));
  d.Flush();
  CHECK(d.Failure(c).err() == EIO);
  CHECK(d.failed() == 2);
  CHECK_FALSE(d.Pending(c));
}

TEST_CASE("while reservations are refused no inode is handed out", "[client][deferred]") {
  FakeMeta meta;
  meta.refuse_reserve = true;
  DeferredCreates d(meta.Reserve(), meta.Send(), nullptr, {.reserve = 8, .max_batch = 16, .delay_ms = 5});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(d.TakeIno() == 0);
  CHECK(d.TakeIno() == 0);
  std::lock_guard lock(meta.mu);
  CHECK(meta.reservations == 0);
}

TEST_CASE("deferred unlinks leave in order with the creates, and a refused one is counted, not kept", "[client][deferred]") {
  FakeMeta meta;
  DeferredCreates d(meta.Reserve(), meta.Send(), nullptr, {.reserve = 8, .max_batch = 16, .delay_ms = 200});
  REQUIRE(Eventually([&] { return d.TakeIno() != 0; }));  // 1000 taken
  const uint64_t a = d.TakeIno(), b = d.TakeIno();
  d.Add(Make(a));
  DeferredCreate gone = Make(a);
  gone.set_unlink(true);
  d.Add(gone);
  d.Add(Make(b));
  CHECK(d.Pending(a));  // the create is still queued
  d.Flush();
  {
    std::lock_guard lock(meta.mu);
    REQUIRE(meta.inos == std::vector<uint64_t>{a, a, b});
    CHECK(meta.unlinks == std::vector<bool>{false, true, false});
    CHECK(meta.batch_sizes == std::vector<size_t>{3});
    meta.refuse_unlink_ino = b;
  }
  CHECK_FALSE(d.Pending(a));
  DeferredCreate refused = Make(b);
  refused.set_unlink(true);
  d.Add(refused);
  d.Flush();
  CHECK(d.answered() == 2);
  CHECK(d.unlinks_answered() == 2);
  CHECK(d.unlinks_failed() == 1);
  CHECK(d.failed() == 0);
  CHECK(d.Failure(b).ok());  // the file's create stood; nothing to report at its handles
}
