#include "client/data/io_runtime.h"

#include <boost/asio/executor_work_guard.hpp>

#include "client/data/connection.h"

namespace weft::client {

IoRuntime::IoRuntime(unsigned threads, unsigned connections_per_server, const Tls* tls) {
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
}

IoLoop& IoRuntime::Pick() { return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]; }

}  // namespace weft::client
