// Per-open-file state inside the client: the inode's shared state (layout, size as this client knows
// it, writes in flight, the first failed background write) and each handle's write-back buffer and
// readahead window.
//
// Lock order: FileHandle::mu, then FileHandle::ra_mu, then InodeState::mu. FileHandle::cap_mu is a leaf
// (taken under FileHandle::mu, nothing taken under it). Completions of background writes (on loop
// threads) take only InodeState::mu.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/buffer_pool.h"
#include "common/buffer.h"
#include "common/status.h"
#include "weft/common.pb.h"

namespace weft {

class FileHandle;

namespace client {

struct InflightRange {
  uint32_t index;
  uint32_t begin, end;  // within the chunk
  uint64_t id;
};

struct InodeState {
  uint64_t ino = 0;
  Layout layout;
  std::mutex mu;
  std::condition_variable cv;
  uint64_t size = 0;                   // GUARDED_BY(mu): committed size or larger own writes
  bool unsynced = false;               // GUARDED_BY(mu): a lazy (flush) length commit awaits an fsync
  std::vector<InflightRange> inflight;  // GUARDED_BY(mu)
  uint64_t next_id = 1;                 // GUARDED_BY(mu)
  Status error;                         // GUARDED_BY(mu): first failed background write, reported once
  // GUARDED_BY(mu). The map owns the open handles: a thread that walks them copies the shared_ptrs under
  // mu, so a handle closed meanwhile stays valid until the walk is done.
  std::map<FileHandle*, std::shared_ptr<FileHandle>> handles;
};

struct WriteBuf {
  uint32_t index = 0;  // chunk index
  uint32_t off = 0;    // offset of data[0] within the chunk
  uint32_t len = 0;
  AlignedBuffer data;  // capacity: chunk size
};

struct RaBlock {
  uint64_t start = 0;
  uint32_t len = 0;
  AlignedBuffer data;
  std::shared_future<Status> done;
  std::shared_ptr<BufferPool> pool;  // data goes back there (the readahead budget)
  RaBlock() = default;
  RaBlock(const RaBlock&) = delete;
  RaBlock& operator=(const RaBlock&) = delete;
  ~RaBlock() {
    if (pool) pool->Release(std::move(data));
  }
};

}  // namespace client

class FileHandle {
 public:
  std::shared_ptr<client::InodeState> inode;
  uint64_t meta_handle = 0;
  int flags = 0;
  // A file this client created itself (a deferred create): not open at weft-meta until it is needed
  // (ClientImpl::EnsureOpened), then opened by inode as `opener`.
  std::atomic<bool> deferred{false};
  std::mutex open_mu;
  Caller opener;

  std::mutex mu;  // the write buffer and grant
  std::optional<client::WriteBuf> buf;
  std::atomic<bool> buffered{false};  // buf holds data; readable without mu
  uint64_t granted_end = 0;
  bool dirty = false;  // written since the last length commit
  int64_t mtime_ns = 0;

  // The data-path capability weft-meta issued for this handle (read and/or write per its open mode),
  // renewed through GetCapability once half its lifetime has passed (ClientImpl::HandleCapability).
  std::mutex cap_mu;
  std::string capability;   // GUARDED_BY(cap_mu)
  int64_t cap_renew_at = 0;  // GUARDED_BY(cap_mu): MonoMs() after which it is renewed
  uint8_t cap_access = 0;    // CapabilityAccess bits; set at open

  std::mutex ra_mu;  // readahead
  uint64_t last_read_end = UINT64_MAX;
  std::map<uint64_t, std::shared_ptr<client::RaBlock>> ra;
};

}  // namespace weft
