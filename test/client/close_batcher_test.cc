// client/close_batcher.h: closes go out in batches, Flush returns only once earlier closes were sent,
// and nothing queued is lost at destruction.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "client/close_batcher.h"

using weft::Status;
using weft::client::CloseBatcher;

namespace {
struct Sent {
  std::mutex mu;
  std::vector<std::vector<uint64_t>> batches;
  CloseBatcher::SendFn Record() {
    return [this](const std::vector<uint64_t>& h) {
      std::lock_guard lock(mu);
      batches.push_back(h);
      return Status::Ok();
    };
  }
  size_t Handles() {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (const auto& b : batches) n += b.size();
    return n;
  }
};
}  // namespace

TEST_CASE("closes queued together leave in one batch after the delay", "[client][close]") {
  Sent sent;
  CloseBatcher b(sent.Record(), /*delay_ms=*/200, /*max_batch=*/100);
  for (uint64_t h = 1; h <= 5; ++h) b.Add(h);
  for (int i = 0; i < 200 && sent.Handles() < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::lock_guard lock(sent.mu);
  REQUIRE(sent.batches.size() == 1);
  CHECK(sent.batches[0] == std::vector<uint64_t>{1, 2, 3, 4, 5});
}

TEST_CASE("a full batch leaves without waiting and Flush sends the rest at once", "[client][close]") {
  Sent sent;
  CloseBatcher b(sent.Record(), /*delay_ms=*/60000, /*max_batch=*/3);
  for (uint64_t h = 1; h <= 4; ++h) b.Add(h);
  CHECK(b.Flush());
  CHECK(sent.Handles() == 4);  // 3 by the thread (full batch) or by Flush, and the fourth by Flush
  CHECK_FALSE(b.Flush());      // nothing left
}

TEST_CASE("Flush waits for a batch already on its way", "[client][close]") {
  std::atomic<bool> sending{false}, release{false};
  std::atomic<int> done{0};
  CloseBatcher b(
      [&](const std::vector<uint64_t>& h) {
        sending = true;
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        done += static_cast<int>(h.size());
        return Status::Ok();
      },
      /*delay_ms=*/1, /*max_batch=*/10);
  b.Add(7);
  while (!sending) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release = true;
  });
  CHECK(b.Flush());
  CHECK(done == 1);  // not returned before the send in flight ended
  t.join();
}

TEST_CASE("a failed batch is dropped and later closes still go out and destruction sends what is queued",
          "[client][close]") {
  Sent sent;
  int calls = 0;
  {
    CloseBatcher b(
        [&](const std::vector<uint64_t>& h) {
          std::lock_guard lock(sent.mu);
          if (calls++ == 0) return weft::Err(EIO, "metadata service unreachable");
          sent.batches.push_back(h);
          return Status::Ok();
        },
        /*delay_ms=*/60000, /*max_batch=*/100);
    b.Add(1);
    CHECK(b.Flush());  // fails, logged
    b.Add(2);
    b.Add(3);
  }
  CHECK(sent.Handles() == 2);
}
