// Chunk reads and writes over the data plane, with placement from the inode layout, replica choice,
// end-to-end CRC32C checks, and retries: a stale chain version or a dead server makes the call ask for
// a fresh chain table and try again with backoff until the retry window ends (then the last error).
//
// Thread-safety: thread-safe. The coroutines run on an IoLoop of the runtime; the *Sync/Async wrappers
// may be called from any non-loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "client/chain_map.h"
#include "client/data/blocking_calls.h"
#include "client/data/io_runtime.h"
#include "common/status.h"
#include "weft/common.pb.h"

namespace weft::client {

struct ChunkIoOptions {
  uint32_t request_timeout_ms = 30000;  // per attempt; default 30 s
  uint32_t retry_window_ms = 60000;     // total; default 60 s
  // ReadSync tries the read first on the calling thread with a blocking socket (data/blocking_calls.h).
  // Plain TCP only: the client turns it off with TLS. Default on.
  bool blocking_reads = true;
};

struct ChunkRef {
  uint64_t ino = 0;
  uint32_t index = 0;
  uint32_t chain_id = 0;
  uint32_t chunk_size = 0;
  std::string capability;  // the data-path capability for ino (from weft-meta), sent with every request
};

// Which chunk of a layout a file offset falls in; requests for it carry `capability`.
ChunkRef ChunkFor(const Layout& layout, uint64_t ino, uint64_t file_offset, std::string capability);

class ChunkIo {
 public:
  ChunkIo(IoRuntime* runtime, ChainMap* chains, const ChunkIoOptions& options);

  // Writes data at `offset` within the chunk through the chain's head; OK once every live replica
  // holds it durably. crcs: CRC32C per 4 KiB of data.
  boost::asio::awaitable<Status> Write(IoLoop& loop, ChunkRef c, uint32_t offset, std::span<const char> data,
                                       std::span<const uint32_t> crcs);
  // Reads out.size() bytes at `offset` within the chunk from a clean replica; holes read as zeros;
  // the reply's CRCs are verified (a bad reply is retried on another replica).
  boost::asio::awaitable<Status> Read(IoLoop& loop, ChunkRef c, uint32_t offset, std::span<char> out);
  // Truncates chunk c to `length` and removes the inode's higher chunks on c's chain.
  boost::asio::awaitable<Status> Truncate(IoLoop& loop, ChunkRef c, uint32_t length);
  // Removes the inode's chunks with index >= c.index on c's chain.
  boost::asio::awaitable<Status> Remove(IoLoop& loop, ChunkRef c);

  // Blocking wrappers for callers outside the loops (FUSE threads).
  Status ReadSync(ChunkRef c, uint32_t offset, std::span<char> out);
  Status TruncateSync(ChunkRef c, uint32_t length);
  Status RemoveSync(ChunkRef c);
  // Starts a write on a loop; `done` runs on that loop's thread when it finishes.
  void WriteAsync(ChunkRef c, uint32_t offset, std::span<const char> data, std::span<const uint32_t> crcs,
                  std::function<void(Status)> done);

 private:
  template <typename Fn>
  boost::asio::awaitable<Status> Mutate(IoLoop& loop, ChunkRef c, const char* what, Fn&& send);
  boost::asio::awaitable<void> Backoff(IoLoop& loop, int attempt);

  // The blocking first attempt of ReadSync: the status of a clean exchange with the first replica
  // (success, or an error the ordinary path would return as well), nullopt when that path should run.
  std::optional<Status> ReadBlocking(const ChunkRef& c, uint32_t offset, std::span<char> out);

  IoRuntime* const runtime_;
  ChainMap* const chains_;
  const ChunkIoOptions opts_;
  std::unique_ptr<BlockingCalls> blocking_;  // null when opts_.blocking_reads is off
};

}  // namespace weft::client
