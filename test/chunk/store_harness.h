// A chunk store over a temporary directory for unit tests: an io_context driven by the test thread, an
// IoBackend ("uring" or "threads", optionally wrapped in a FaultBackend), a MetaStore ("mem" or
// "rocksdb") and the MetaCommitter. Helpers run one coroutine to completion.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "server/chunk/buffer_pool.h"
#include "server/chunk/chunk_store.h"
#include "server/chunk/fault_backend.h"
#include "server/chunk/meta_committer.h"
#include "server/chunk/meta_store.h"

namespace weft::chunk::test {

namespace asio = boost::asio;

// Runs aw on io until it completes, driving io from this thread.
template <typename T>
T RunOn(asio::io_context& io, asio::awaitable<T> aw) {
  std::optional<T> out;
  bool done = false;
  std::exception_ptr ex;
  if (io.stopped()) io.restart();  // the last run ran out of work
  auto work = asio::make_work_guard(io);  // completions may come from other threads (commit, workers)
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(aw)); },
      [&](std::exception_ptr e) {
        ex = e;
        done = true;
      });
  while (!done) io.run_one();
  if (ex) std::rethrow_exception(ex);
  return std::move(*out);
}

struct HarnessOptions {
  std::string backend = "uring";  // uring | threads
  std::string records = "mem";    // mem | rocksdb
  bool fault = false;             // wrap the backend in a FaultBackend
  FdCacheOptions fd_cache;
  std::string dir;                // reuse this directory (restart tests); "" = a new temporary one
  bool keep_dir = false;
};

class StoreHarness {
 public:
  explicit StoreHarness(HarnessOptions opts = {});
  ~StoreHarness();

  template <typename T>
  T Run(asio::awaitable<T> aw) {
    return RunOn(io, std::move(aw));
  }

  // Writes data at offset as version `version` (committed), the payload placed as the data server does.
  StatusOr<ChunkMeta> Write(const ChunkKey& key, uint32_t offset, std::string_view data, uint64_t version = 0);
  // Reads length bytes at offset; bad blocks (if any) land in *bad.
  StatusOr<std::string> Read(const ChunkKey& key, uint32_t offset, uint32_t length,
                             std::vector<uint32_t>* bad = nullptr);
  StatusOr<ChunkMeta> Truncate(const ChunkKey& key, uint32_t length, uint64_t version = 0);
  Status Remove(const ChunkKey& key);
  std::optional<ChunkMeta> Meta(const ChunkKey& key);
  // Overwrites bytes of the chunk's file on disk behind the store's back (buffered write + fsync).
  void CorruptFile(const ChunkKey& key, uint64_t offset, std::string_view bytes);
  std::string FilePath(const ChunkKey& key) const { return store->paths().Path(key); }

  HarnessOptions opts;
  std::string dir;
  asio::io_context io{1};
  std::unique_ptr<IoBackend> base;
  std::unique_ptr<FaultBackend> fault;
  BufferPool pool{BufferPoolOptions{.buffers = 4}};
  std::unique_ptr<MetaStore> records;
  std::unique_ptr<MetaCommitter> committer;
  std::unique_ptr<ChunkStore> store;
};

// Deterministic pseudo-random bytes.
std::string RandomBytes(size_t n, uint64_t seed);
// Open descriptors of this process.
int CountOpenFds();

}  // namespace weft::chunk::test
