#include "client/data/io_runtime.h"

#include <boost/asio/executor_work_guard.hpp>

#include "client/data/connection.h"

namespace weft::client {

IoRuntime::IoRuntime(unsigned threads, unsigned connections_per_server, const Tls* tls, unsigned caller_loops)
    : tls_(tls), max_caller_loops_(caller_loops) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) {
    auto loop = std::make_unique<IoLoop>();
    loop->pool = std::make_unique<ConnectionPool>(loop->io, connections_per_server, tls);
    loops_.push_back(std::move(loop));
  }
  for (auto& loop : loops_) {
    threads_.emplace_back([l = loop.get()] {
      auto guard = boost::asio::make_work_guard(l->io);
      l->io.run();
    });
  }
}

IoRuntime::~IoRuntime() {
  for (auto& loop : loops_) loop->io.stop();
  for (auto& t : threads_) t.join();
  // Pools (and their sockets) are destroyed after the loops have stopped.
  for (auto& loop : loops_) loop->pool.reset();
  for (auto& loop : caller_loops_) loop->pool.reset();
}

IoLoop& IoRuntime::Pick() { return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]; }

IoLoop* IoRuntime::Borrow() {
  std::lock_guard lock(caller_mu_);
  if (!idle_callers_.empty()) {
    IoLoop* l = idle_callers_.back();
    idle_callers_.pop_back();
    return l;
  }
  if (caller_loops_.size() >= max_caller_loops_) return nullptr;
  auto loop = std::make_unique<IoLoop>();
  loop->pool = std::make_unique<ConnectionPool>(loop->io, 1, tls_);
  caller_loops_.push_back(std::move(loop));
  return caller_loops_.back().get();
}

void IoRuntime::Return(IoLoop* loop) {
  std::lock_guard lock(caller_mu_);
  idle_callers_.push_back(loop);
}

}  // namespace weft::client
