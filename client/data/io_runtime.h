// The client's data-plane event loops: N single-threaded Asio io_contexts, each on its own thread, each
// with its own connection pool. A connection lives on one loop, so its state needs no locks.
//
// Besides those, a bounded set of caller loops that no thread of ours runs: a blocking caller (a FUSE
// thread reading) borrows one, runs it on its own thread until its call is done, and gives it back. The
// call then needs no handoff to a loop thread and back (two thread wake-ups, which cost ~90 µs each on a
// VM whose idle vCPUs halt); the reply wakes the caller directly. Each caller loop keeps its own
// connections (one per server), so descriptors stay bounded by caller_loops x servers.
//
// Thread-safety: Pick(), Borrow(), Return() and the accessors are thread-safe; everything on a runtime
// loop runs on its thread; a borrowed caller loop is run by its borrower only.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
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
  // caller_loops: how many caller loops may exist at once (0 = none: blocking calls use the threads).
  // tls: null = plain TCP; else not owned, must outlive the runtime.
  IoRuntime(unsigned threads, unsigned connections_per_server, const Tls* tls, unsigned caller_loops = 0);
  ~IoRuntime();  // stops the loops and joins their threads; no caller loop may be borrowed then
  IoRuntime(const IoRuntime&) = delete;
  IoRuntime& operator=(const IoRuntime&) = delete;

  // A loop for new work, round-robin.
  IoLoop& Pick();
  size_t size() const { return loops_.size(); }

  // A caller loop for the calling thread to run, or null when all caller_loops are borrowed.
  IoLoop* Borrow();
  void Return(IoLoop* loop);

 private:
  const Tls* const tls_;
  std::vector<std::unique_ptr<IoLoop>> loops_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};

  const unsigned max_caller_loops_;
  std::mutex caller_mu_;
  std::vector<std::unique_ptr<IoLoop>> caller_loops_;  // every caller loop made so far
  std::vector<IoLoop*> idle_callers_;                  // those not borrowed
};

}  // namespace weft::client
