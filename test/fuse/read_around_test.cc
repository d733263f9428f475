// fuse/read_around.h: which fetched blocks reach the kernel, and that none lands over a change this
// mount made after its fetch began.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fuse/read_around.h"
#include "weft/client.h"

using weft::fuse::ReadAround;

namespace {

constexpr uint64_t kIno = 42;
constexpr uint32_t kAround = 64 * 1024;

std::vector<char> Block(ReadAround& ra, char fill) {
  std::vector<char> b = ra.Acquire(weft::Client::ReadAroundCapacity(4096, kAround));
  REQUIRE(b.size() >= kAround);
  std::fill(b.begin(), b.begin() + kAround, fill);
  return b;
}

struct Stored {
  uint64_t ino, off;
  std::string data;
};

// A ReadAround whose store function records what it was given, and can be held inside a store.
struct Recorder {
  std::mutex mu;
  std::vector<Stored> stored;
  std::vector<uint64_t> invalidated;
  std::promise<void> entered;            // set when a store begins (if hold)
  std::shared_future<void> release;      // a held store waits for this
  bool hold = false;
  bool entered_set = false;
  ReadAround ra{kAround,
                [this](uint64_t ino, uint64_t off, const char* d, size_t n) {
                  std::shared_future<void> wait;
                  {
                    std::lock_guard lock(mu);
                    stored.push_back({ino, off, std::string(d, n)});
                    if (hold) {
                      if (!entered_set) entered.set_value();
                      entered_set = true;
                      wait = release;
                    }
                  }
                  if (wait.valid()) wait.wait();
                },
                [this](uint64_t ino) {
                  std::lock_guard lock(mu);
                  invalidated.push_back(ino);
                }};

  // Queues a block of kIno and returns once the store thread is inside the kernel call for it; every
  // store then waits there until the returned promise is set.
  std::promise<void> HoldOneStore(char fill) {
    std::promise<void> go;
    release = go.get_future().share();
    hold = true;
    auto in = entered.get_future();
    auto token = ra.Begin(kIno);
    ra.Store(kIno, *token, 0, Block(ra, fill), kAround, 0, 4096);
    in.wait();
    return go;
  }
};


}  // namespace

TEST_CASE("a fetched block reaches the kernel without the bytes the reply gave", "[fuse][read_around]") {
  Recorder r;
  auto token = r.ra.Begin(kIno);
  REQUIRE(token.has_value());
  // The file's [64 KiB, 128 KiB) was fetched for a read of [72 KiB, 76 KiB).
  r.ra.Store(kIno, *token, kAround, Block(r.ra, 'x'), kAround, kAround + 8192, kAround + 12288);
  r.ra.Drain();
  REQUIRE(r.stored.size() == 2);
  CHECK(r.stored[0].off == kAround);
  CHECK(r.stored[0].data == std::string(8192, 'x'));
  CHECK(r.stored[1].off == kAround + 12288);
  CHECK(r.stored[1].data.size() == kAround - 12288);
  CHECK(r.ra.counters().stored == 1);
  CHECK(r.invalidated.empty());

  // A read at the block's start: one piece, after it; a short block at the end of the file likewise.
  token = r.ra.Begin(kIno);
  r.ra.Store(kIno, *token, 0, Block(r.ra, 'y'), 10000, 0, 4096);
  r.ra.Drain();
  REQUIRE(r.stored.size() == 3);
  CHECK(r.stored[2].off == 4096);
  CHECK(r.stored[2].data.size() == 10000 - 4096);
}

TEST_CASE("an open, create or truncation between fetch and store keeps the block from the kernel",
          "[fuse][read_around]") {
  Recorder r;
  SECTION("a read-only open") {
    auto token = r.ra.Begin(kIno);
    r.ra.Opened(kIno, /*writable=*/false);
    r.ra.Store(kIno, *token, 0, Block(r.ra, 'a'), kAround, 0, 4096);
  }
  SECTION("a truncation") {
    auto token = r.ra.Begin(kIno);
    r.ra.Truncated(kIno);
    r.ra.Store(kIno, *token, 0, Block(r.ra, 'a'), kAround, 0, 4096);
  }
  SECTION("a handle open for writing, even once closed") {
    auto token = r.ra.Begin(kIno);
    r.ra.Opened(kIno, /*writable=*/true);
    CHECK_FALSE(r.ra.Begin(kIno).has_value());  // no fetch while a writer is open
    r.ra.Closed(kIno, /*writable=*/true);
    r.ra.Store(kIno, *token, 0, Block(r.ra, 'a'), kAround, 0, 4096);
  }
  r.ra.Drain();
  CHECK(r.stored.empty());
  CHECK(r.ra.counters().skipped == 1);
  // Later fetches store again.
  auto token = r.ra.Begin(kIno);
  REQUIRE(token.has_value());
  r.ra.Store(kIno, *token, 0, Block(r.ra, 'b'), kAround, 0, 4096);
  r.ra.Drain();
  CHECK(r.stored.size() == 1);
}

TEST_CASE("two writers: fetches wait for the last to close", "[fuse][read_around]") {
  Recorder r;
  r.ra.Opened(kIno, true);
  r.ra.Opened(kIno, true);
  r.ra.Opened(kIno + 1, false);
  r.ra.Closed(kIno, true);
  CHECK_FALSE(r.ra.Begin(kIno).has_value());
  CHECK(r.ra.Begin(kIno + 1).has_value());  // another inode is not held back
  r.ra.Closed(kIno, true);
  CHECK(r.ra.Begin(kIno).has_value());
  r.ra.Closed(kIno + 1, false);  // a read-only close counts nothing
  CHECK(r.ra.Begin(kIno).has_value());
}

TEST_CASE("an open waits for a store of its inode under way, or has its pages dropped after",
          "[fuse][read_around]") {
  Recorder r;
  std::promise<void> go = r.HoldOneStore('c');

  SECTION("the store ends within the wait: the open returns after it, nothing dropped") {
    auto t0 = std::chrono::steady_clock::now();
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      go.set_value();
    });
    r.ra.Opened(kIno, false);
    auto waited = std::chrono::steady_clock::now() - t0;
    releaser.join();
    CHECK(waited >= std::chrono::milliseconds(40));
    r.ra.Drain();
    CHECK(r.invalidated.empty());
    CHECK(r.ra.counters().stored == 1);
  }
  SECTION("the store outlasts the wait: once done, the inode's pages and attributes are dropped") {
    r.ra.Opened(kIno, true);  // returns after kStoreWaitMs
    go.set_value();
    r.ra.Drain();
    REQUIRE(r.invalidated.size() == 1);
    CHECK(r.invalidated[0] == kIno);
    CHECK(r.ra.counters().invalidated == 1);
    CHECK(r.ra.counters().stored == 0);
  }
  SECTION("a change of another inode does not wait") {
    auto t0 = std::chrono::steady_clock::now();
    r.ra.Truncated(kIno + 1);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(ReadAround::kStoreWaitMs));
    go.set_value();
    r.ra.Drain();
    CHECK(r.invalidated.empty());
  }
}

TEST_CASE("the store queue is bounded: a full queue lends no buffer, and a late block is dropped",
          "[fuse][read_around]") {
  Recorder r;
  std::promise<void> go = r.HoldOneStore('d');  // the thread holds the first; kMaxQueued more wait
  auto token = r.ra.Begin(kIno);
  std::vector<std::vector<char>> lent;
  for (size_t i = 0; i < ReadAround::kMaxQueued; ++i) lent.push_back(Block(r.ra, 'e'));
  for (auto& b : lent) r.ra.Store(kIno, *token, 0, std::move(b), kAround, 0, 4096);
  CHECK(r.ra.Acquire(kAround).empty());
  r.ra.Store(kIno, *token, 0, std::vector<char>(kAround, 'f'), kAround, 0, 4096);  // one too many
  CHECK(r.ra.counters().skipped == 1);
  go.set_value();
  r.ra.Drain();
  CHECK(r.ra.counters().stored == 1 + ReadAround::kMaxQueued);
  CHECK_FALSE(r.ra.Acquire(kAround).empty());
}

TEST_CASE("read-around 0 is off", "[fuse][read_around]") {
  ReadAround ra(0, [](uint64_t, uint64_t, const char*, size_t) { FAIL("stored"); }, [](uint64_t) {});
  CHECK(ra.bytes() == 0);
  CHECK_FALSE(ra.Begin(kIno).has_value());
}

TEST_CASE("stopping waits a bounded time for a store under way, and drops the blocks still queued",
          "[fuse][read_around]") {
  Recorder r;
  std::promise<void> go = r.HoldOneStore('g');
  auto token = r.ra.Begin(kIno);
  r.ra.Store(kIno, *token, 0, Block(r.ra, 'h'), kAround, 0, 4096);
  CHECK_FALSE(r.ra.Stop(std::chrono::milliseconds(50)));  // still inside the held store
  go.set_value();
  CHECK(r.ra.Stop(std::chrono::seconds(10)));
  CHECK(r.ra.counters().stored == 1);  // the held one; the queued one was dropped
  std::lock_guard lock(r.mu);
  CHECK(r.stored.size() == 1);
}
