// The local chunk store: chunk data in files on the data directories (fd_cache.h), per-chunk metadata
// through the group-committing MetaCommitter (meta_committer.h), all disk I/O through an IoBackend.
//
// Every data write is whole, aligned 4 KiB blocks (so O_DIRECT always applies): an update that starts or
// ends inside a block first reads that block ("read-merge"), verifies its stored CRC, and rewrites it
// whole. Stored CRCs are per 4 KiB block of the chunk (chunk_meta.h). With sync_data the data is
// fdatasync'ed before the metadata record that describes it is written, and the record is durable before
// an update returns: after a crash between the two, the new bytes do not match the old CRCs, so a torn
// block is detected on read and never served (the caller repairs it from a replica).
//
// This class does no locking: callers serialize the updates of a chunk and keep reads of a chunk apart
// from its updates (chunk_locks.h), and pass the record they read under that lock as `old`.
//
// Thread-safety: loop-confined; chunks() and used_bytes() may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/status.h"
#include "server/chunk/buffer_pool.h"
#include "server/chunk/chunk_meta.h"
#include "server/chunk/fd_cache.h"
#include "server/chunk/io_backend.h"
#include "server/chunk/meta_committer.h"

namespace weft::chunk {

struct StoreOptions {
  std::vector<std::string> data_dirs;  // REQUIRED: at least one; fixed for the life of the data
  FdCacheOptions fd_cache;             // default 1024 descriptors, O_DIRECT
  bool sync_data = true;               // fdatasync chunk data before an update returns; default true
};

// Where an update's result lands in the record.
struct UpdateVersion {
  uint64_t version = 0;    // the chunk's version after the update
  uint64_t committed = 0;  // the committed version to record with it
  uint32_t chunk_size = 0;
  uint32_t chain_id = 0;   // the chain the update came through (0 = keep the record's)
};

struct ReadResult {
  IoBuffer buf;                     // the aligned span around the requested range
  uint32_t skip = 0;                // the requested bytes start at buf.data() + skip
  uint32_t first_block = 0;         // the chunk block at buf.data()
  std::vector<uint32_t> bad_blocks;  // chunk block numbers whose bytes do not match their CRC
};

class ChunkStore {
 public:
  // io, meta and pool are not owned and must outlive the store.
  ChunkStore(const StoreOptions& options, IoBackend* io, MetaCommitter* meta, BufferPool* pool);

  // Creates the directory layout and counts the stored chunks (scan of `records`).
  Status Open(MetaStore* records);

  StatusOr<std::optional<ChunkMeta>> GetMeta(const ChunkKey& key) { return meta_->Get(key); }
  StatusOr<std::vector<ChunkKey>> List(uint64_t ino, uint32_t from_index) { return meta_->List(ino, from_index); }
  StatusOr<MetaCommitter::ChainPage> ScanChain(uint32_t chain_id, const std::optional<ChunkKey>& after, size_t limit) {
    return meta_->ScanChain(chain_id, after, limit);
  }

  // Writes `length` payload bytes at `offset`. The payload sits in buf at buf.data() + offset % 4096 and
  // buf holds at least AlignUp(offset % 4096 + length) bytes; the edge bytes around the payload are
  // overwritten by the read-merge. EIO when an edge block's stored bytes fail their CRC. payload_crcs,
  // when given, are the payload's verified per-4-KiB CRCs: an aligned write reuses them for its whole
  // blocks instead of computing them again.
  boost::asio::awaitable<StatusOr<ChunkMeta>> Write(const ChunkKey& key, const std::optional<ChunkMeta>& old,
                                                     uint32_t offset, uint32_t length, IoBuffer& buf,
                                                     const UpdateVersion& v,
                                                     std::span<const uint32_t> payload_crcs = {});

  // Reads [offset, offset + length) of the chunk described by meta; bytes past meta.length are zeros.
  // Blocks failing their CRC are listed, not an error. Errors: EIO and friends from the disk.
  boost::asio::awaitable<StatusOr<ReadResult>> Read(const ChunkKey& key, const ChunkMeta& meta, uint32_t offset,
                                                     uint32_t length);

  // Sets the chunk's length (creating an empty chunk when there is none). EIO when the block holding the
  // new end fails its CRC.
  boost::asio::awaitable<StatusOr<ChunkMeta>> Truncate(const ChunkKey& key, const std::optional<ChunkMeta>& old,
                                                        uint32_t length, const UpdateVersion& v);

  // Replaces the whole chunk with `length` bytes from buf (a peer's copy; buf zero-padded to 4 KiB).
  boost::asio::awaitable<StatusOr<ChunkMeta>> Install(const ChunkKey& key, const std::optional<ChunkMeta>& old,
                                                       IoBuffer& buf, uint32_t length, const UpdateVersion& v);

  // Rewrites nblocks whole blocks from first_block with buf's bytes (a repair: the caller checked that
  // they match the stored CRCs).
  boost::asio::awaitable<Status> RewriteBlocks(const ChunkKey& key, uint32_t first_block, const IoBuffer& buf,
                                               uint32_t nblocks);

  // Deletes the record (durably), then the file.
  boost::asio::awaitable<Status> Remove(const ChunkKey& key, const ChunkMeta& old);

  // Records that `meta` (the current record with committed raised) is committed; not waited for.
  void MarkCommitted(const ChunkKey& key, const ChunkMeta& meta) { meta_->PutLazy(key, meta); }

  uint64_t chunks() const { return chunks_.load(); }
  uint64_t used_bytes() const { return used_bytes_.load(); }
  const ChunkPaths& paths() const { return paths_; }
  const FdCache& fd_cache() const { return fds_; }
  BufferPool* pool() const { return pool_; }

 private:
  // Reads block b of the chunk into a fresh buffer and checks it against meta's CRC.
  boost::asio::awaitable<StatusOr<IoBuffer>> ReadCheckedBlock(const ChunkKey& key, int fd, const ChunkMeta& meta,
                                                              uint32_t b);
  boost::asio::awaitable<Status> SyncIfNeeded(int fd);
  void Account(const std::optional<ChunkMeta>& old, const std::optional<ChunkMeta>& now);

  const StoreOptions options_;
  IoBackend* const io_;
  MetaCommitter* const meta_;
  BufferPool* const pool_;
  ChunkPaths paths_;
  FdCache fds_;
  std::atomic<uint64_t> chunks_{0};
  std::atomic<uint64_t> used_bytes_{0};
};

}  // namespace weft::chunk
