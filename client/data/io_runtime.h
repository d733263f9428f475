// The client's data-plane event loops: N single-threaded Asio io_contexts, each on its own thread, each
// with its own connection pool. A connection lives on one loop, so its state needs no locks.
//
// Thread-safety: Pick() and the accessors are thread-safe; everything on a loop runs on its thread.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/tls.h"

namespace weft::client {

class ConnectionPool;

struct IoLoop {
  boost::asio::io_context io{1};
  std::unique_ptr<ConnectionPool> pool;
};

class IoRuntime {
 public:
  // Starts `threads` loops (at least 1). connections_per_server: pooled connections per server per loop.
  // tls: null = plain TCP; else not owned, must outlive the runtime.
  IoRuntime(unsigned threads, unsigned connections_per_server, const Tls* tls);
  ~IoRuntime();  // stops the loops and joins their threads
  IoRuntime(const IoRuntime&) = delete;
  IoRuntime& operator=(const IoRuntime&) = delete;

  // A loop for new work, round-robin.
  IoLoop& Pick();
  size_t size() const { return loops_.size(); }

 private:
  std::vector<std::unique_ptr<IoLoop>> loops_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace weft::client
