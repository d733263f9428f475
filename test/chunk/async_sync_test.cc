// The loop-confined coroutine locks: FIFO order, reader/writer exclusion, semaphore admission.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/chunk/async_sync.h"

namespace asio = boost::asio;
using weft::chunk::AsyncMutex;
using weft::chunk::AsyncRwLock;
using weft::chunk::AsyncSemaphore;

namespace {
asio::awaitable<void> Sleep(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}
void Spawn(asio::io_context& io, asio::awaitable<void> a) {
  asio::co_spawn(io, std::move(a), [](std::exception_ptr e) { REQUIRE_FALSE(e); });
}
}  // namespace

TEST_CASE("the async mutex admits waiters in FIFO order", "[chunk][async]") {
  asio::io_context io;
  AsyncMutex mu;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) {
    Spawn(io, [](AsyncMutex& m, std::vector<int>& o, int i) -> asio::awaitable<void> {
      auto g = co_await m.Scoped();
      o.push_back(i);
      co_await Sleep(2);
      o.push_back(i);
    }(mu, order, i));
  }
  io.run();
  CHECK(order == std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4});
  CHECK(mu.idle());
}

TEST_CASE("readers share, a writer excludes, and a waiting writer holds back new readers", "[chunk][async]") {
  asio::io_context io;
  AsyncRwLock l;
  int readers = 0, max_readers = 0;
  bool writer = false, overlap = false;
  std::vector<char> order;
  auto reader = [&](char tag) -> asio::awaitable<void> {
    auto g = co_await l.Shared();
    overlap |= writer;
    max_readers = std::max(max_readers, ++readers);
    order.push_back(tag);
    co_await Sleep(5);
    --readers;
  };
  auto writer_fn = [&]() -> asio::awaitable<void> {
    auto g = co_await l.Exclusive();
    overlap |= readers > 0;
    writer = true;
    order.push_back('W');
    co_await Sleep(5);
    writer = false;
  };
  Spawn(io, reader('a'));
  Spawn(io, reader('b'));
  Spawn(io, writer_fn());
  Spawn(io, reader('c'));
  io.run();
  CHECK_FALSE(overlap);
  CHECK(max_readers == 2);
  CHECK(order == std::vector<char>{'a', 'b', 'W', 'c'});
  CHECK(l.idle());
}

TEST_CASE("the semaphore admits by size, in order", "[chunk][async]") {
  asio::io_context io;
  AsyncSemaphore sem(10);
  std::vector<int> order;
  auto take = [&](int n, int tag) -> asio::awaitable<void> {
    co_await sem.Acquire(n);
    order.push_back(tag);
    co_await Sleep(3);
    sem.Release(n);
  };
  Spawn(io, take(8, 1));
  Spawn(io, take(5, 2));  // waits for 1
  Spawn(io, take(1, 3));  // would fit, but 2 is first
  io.run();
  CHECK(order == std::vector<int>{1, 2, 3});
  CHECK(sem.available() == 10);
}
