#include "server/chunk/chunk_store.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

namespace weft::chunk {

namespace asio = boost::asio;

ChunkStore::ChunkStore(const StoreOptions& options, IoBackend* io, MetaCommitter* meta, BufferPool* pool)
    : options_(options), io_(io), meta_(meta), pool_(pool), paths_(options.data_dirs), fds_(&paths_, options.fd_cache) {}

Status ChunkStore::Open(MetaStore* records) {
  if (options_.data_dirs.empty()) return Err(EINVAL, "no data directory");
  RETURN_IF_ERROR(paths_.Prepare());
  uint64_t chunks = 0, used = 0;
  RETURN_IF_ERROR(records->ForEach([&](const ChunkKey&, const ChunkMeta& m) {
    ++chunks;
    used += AlignUp(m.length);
  }));
  chunks_ = chunks;
  used_bytes_ = used;
  return Status::Ok();
}

void ChunkStore::Account(const std::optional<ChunkMeta>& old, const std::optional<ChunkMeta>& now) {
  if (old) {
    --chunks_;
    used_bytes_ -= AlignUp(old->length);
  }
  if (now) {
    ++chunks_;
    used_bytes_ += AlignUp(now->length);
  }
}

asio::awaitable<Status> ChunkStore::SyncIfNeeded(int fd) {
  if (!options_.sync_data) co_return Status::Ok();
  co_return co_await SyncData(*io_, fd);
}

asio::awaitable<StatusOr<IoBuffer>> ChunkStore::ReadCheckedBlock(const ChunkKey& key, int fd, const ChunkMeta& meta,
                                                                 uint32_t b) {
  IoBuffer block = pool_->Get(kCrcBlock);
  Status s = co_await ReadFull(*io_, fd, block.data(), kCrcBlock, uint64_t{b} * kCrcBlock, block.index());
  if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());
  if (b >= meta.crcs.size() || Crc32c(block.data(), kCrcBlock) != meta.crcs[b]) {
    co_return Err(EIO, "chunk {} block {} fails its checksum", key.ToString(), b);
  }
  co_return block;
}

asio::awaitable<StatusOr<ChunkMeta>> ChunkStore::Write(const ChunkKey& key, const std::optional<ChunkMeta>& old,
                                                       uint32_t offset, uint32_t length, IoBuffer& buf,
                                                       const UpdateVersion& v, std::span<const uint32_t> payload_crcs) {
  const uint64_t span_start = AlignDown(offset);
  const uint64_t end = uint64_t{offset} + length;
  const uint64_t span_end = AlignUp(end);
  const size_t span_len = span_end - span_start;
  const uint32_t skip = static_cast<uint32_t>(offset - span_start);
  if (length == 0 || buf.size() < span_len) {
    co_return Err(EINVAL, "write of {} bytes at {} with a buffer of {}", length, offset, buf.size());
  }
  const uint64_t old_len = old ? old->length : 0;
  auto file = fds_.Open(key, old ? OpenMode::kCreate : OpenMode::kCreateTruncate);
  if (!file.ok()) co_return file.status();
  const int fd = (*file)->fd();

  // Read-merge the edge blocks (bytes of the block outside the payload keep their stored value).
  std::optional<IoBuffer> head_block;
  if (skip != 0) {
    if (span_start < old_len) {
      auto blk = co_await ReadCheckedBlock(key, fd, *old, static_cast<uint32_t>(span_start / kCrcBlock));
      if (!blk.ok()) co_return blk.status();
      memcpy(buf.data(), blk->data(), skip);
      head_block = std::move(*blk);
    } else {
      memset(buf.data(), 0, skip);
    }
  }
  if (end % kCrcBlock != 0) {
    const uint64_t last = span_end - kCrcBlock;
    const size_t in = end - last;
    char* dst = buf.data() + (last - span_start);
    if (last < old_len) {
      if (head_block && last == span_start) {
        memcpy(dst + in, head_block->data() + in, kCrcBlock - in);
      } else {
        auto blk = co_await ReadCheckedBlock(key, fd, *old, static_cast<uint32_t>(last / kCrcBlock));
        if (!blk.ok()) co_return blk.status();
        memcpy(dst + in, blk->data() + in, kCrcBlock - in);
      }
    } else {
      memset(dst + in, 0, kCrcBlock - in);
    }
  }

  Status s = co_await WriteFull(*io_, fd, buf.data(), span_len, span_start, buf.index());
  if (s.ok()) s = co_await SyncIfNeeded(fd);
  if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());

  ChunkMeta m = old ? *old : ChunkMeta{};
  m.length = static_cast<uint32_t>(std::max<uint64_t>(old_len, end));
  m.crcs.resize(BlockCount(m.length), ZeroBlockCrc());
  // Whole payload pieces of an aligned write are whole blocks: their CRCs were verified on receipt.
  const uint64_t reusable = skip == 0 ? std::min<uint64_t>(payload_crcs.size(), length / kCrcBlock) : 0;
  for (uint64_t b = span_start / kCrcBlock, i = 0; b < span_end / kCrcBlock; ++b, ++i) {
    m.crcs[b] = i < reusable ? payload_crcs[i] : Crc32c(buf.data() + (b * kCrcBlock - span_start), kCrcBlock);
  }
  m.version = v.version;
  m.committed = v.committed;
  if (v.chunk_size) m.chunk_size = v.chunk_size;
  if (v.chain_id) m.chain_id = v.chain_id;
  s = co_await meta_->Put(key, m);
  if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());
  Account(old, m);
  co_return m;
}

asio::awaitable<StatusOr<ReadResult>> ChunkStore::Read(const ChunkKey& key, const ChunkMeta& meta, uint32_t offset,
                                                       uint32_t length) {
  const uint64_t span_start = AlignDown(offset);
  const uint64_t span_end = AlignUp(uint64_t{offset} + length);
  const size_t span_len = span_end - span_start;
  ReadResult r;
  r.skip = static_cast<uint32_t>(offset - span_start);
  r.first_block = static_cast<uint32_t>(span_start / kCrcBlock);
  r.buf = pool_->Get(std::max<size_t>(span_len, kCrcBlock));
  const uint64_t stored_end = std::min<uint64_t>(span_end, AlignUp(meta.length));
  size_t filled = 0;
  if (stored_end > span_start) {
    auto file = fds_.Open(key, OpenMode::kExisting);
    if (file.ok()) {
      Status s = co_await ReadFull(*io_, (*file)->fd(), r.buf.data(), stored_end - span_start, span_start,
                                   r.buf.index());
      if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());
    } else if (file.status().err() == ENOENT) {
      spdlog::warn("chunk {} has a record but no file: its blocks read as zeros", key.ToString());
      memset(r.buf.data(), 0, stored_end - span_start);
    } else {
      co_return file.status();
    }
    filled = stored_end - span_start;
    for (uint64_t b = span_start / kCrcBlock; b < stored_end / kCrcBlock; ++b) {
      if (Crc32c(r.buf.data() + (b * kCrcBlock - span_start), kCrcBlock) != meta.crcs[b]) {
        r.bad_blocks.push_back(static_cast<uint32_t>(b));
      }
    }
  }
  if (filled < r.buf.size()) memset(r.buf.data() + filled, 0, r.buf.size() - filled);
  co_return r;
}

asio::awaitable<StatusOr<ChunkMeta>> ChunkStore::Truncate(const ChunkKey& key, const std::optional<ChunkMeta>& old,
                                                          uint32_t length, const UpdateVersion& v) {
  auto file = fds_.Open(key, old ? OpenMode::kCreate : OpenMode::kCreateTruncate);
  if (!file.ok()) co_return file.status();
  const int fd = (*file)->fd();
  ChunkMeta m = old ? *old : ChunkMeta{};
  std::optional<uint32_t> tail_crc;
  if (old && length < old->length && length % kCrcBlock != 0) {
    const uint32_t b = length / kCrcBlock;
    auto blk = co_await ReadCheckedBlock(key, fd, *old, b);
    if (!blk.ok()) co_return blk.status();
    const size_t in = length % kCrcBlock;
    memset(blk->data() + in, 0, kCrcBlock - in);
    Status s = co_await WriteFull(*io_, fd, blk->data(), kCrcBlock, uint64_t{b} * kCrcBlock, blk->index());
    if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());
    tail_crc = Crc32c(blk->data(), kCrcBlock);
  }
  if (ftruncate(fd, static_cast<off_t>(AlignUp(length))) != 0) {
    co_return Err(errno, "truncate chunk {} file: {}", key.ToString(), strerror(errno));
  }
  Status s = co_await SyncIfNeeded(fd);
  if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());
  m.crcs.resize(BlockCount(length), ZeroBlockCrc());
  if (tail_crc) m.crcs.back() = *tail_crc;
  m.length = length;
  m.version = v.version;
  m.committed = v.committed;
  if (v.chunk_size) m.chunk_size = v.chunk_size;
  if (v.chain_id) m.chain_id = v.chain_id;
  s = co_await meta_->Put(key, m);
  if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());
  Account(old, m);
  co_return m;
}

asio::awaitable<StatusOr<ChunkMeta>> ChunkStore::Install(const ChunkKey& key, const std::optional<ChunkMeta>& old,
                                                         IoBuffer& buf, uint32_t length, const UpdateVersion& v) {
  const size_t span = AlignUp(length);
  if (buf.size() < span) co_return Err(EINVAL, "install of {} bytes from a buffer of {}", length, buf.size());
  auto file = fds_.Open(key, OpenMode::kCreateTruncate);
  if (!file.ok()) co_return file.status();
  const int fd = (*file)->fd();
  if (span > length) memset(buf.data() + length, 0, span - length);
  Status s;  // (no co_await inside ?: — GCC 12 mishandles the temporaries)
  if (span) s = co_await WriteFull(*io_, fd, buf.data(), span, 0, buf.index());
  if (s.ok()) s = co_await SyncIfNeeded(fd);
  if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());
  ChunkMeta m;
  m.length = length;
  m.crcs.resize(BlockCount(length));
  for (uint32_t b = 0; b < m.crcs.size(); ++b) m.crcs[b] = Crc32c(buf.data() + size_t{b} * kCrcBlock, kCrcBlock);
  m.version = v.version;
  m.committed = v.committed;
  m.chunk_size = v.chunk_size ? v.chunk_size : (old ? old->chunk_size : 0);
  m.chain_id = v.chain_id ? v.chain_id : (old ? old->chain_id : 0);
  s = co_await meta_->Put(key, m);
  if (!s.ok()) co_return s.Annotate("chunk " + key.ToString());
  Account(old, m);
  co_return m;
}

asio::awaitable<Status> ChunkStore::RewriteBlocks(const ChunkKey& key, uint32_t first_block, const IoBuffer& buf,
                                                  uint32_t nblocks) {
  auto file = fds_.Open(key, OpenMode::kCreate);
  if (!file.ok()) co_return file.status();
  const size_t len = size_t{nblocks} * kCrcBlock;
  if (buf.size() < len) co_return Err(EINVAL, "rewrite of {} blocks from a buffer of {}", nblocks, buf.size());
  Status s = co_await WriteFull(*io_, (*file)->fd(), buf.data(), len, uint64_t{first_block} * kCrcBlock, buf.index());
  if (s.ok()) s = co_await SyncIfNeeded((*file)->fd());
  if (!s.ok()) co_return s.Annotate("repair chunk " + key.ToString());
  co_return Status::Ok();
}

asio::awaitable<Status> ChunkStore::Remove(const ChunkKey& key, const ChunkMeta& old) {
  Status s = co_await meta_->Delete(key);
  if (!s.ok()) co_return s.Annotate("remove chunk " + key.ToString());
  Account(old, std::nullopt);
  fds_.Evict(key);
  std::string path = paths_.Path(key);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    // The record is gone, so the chunk is gone; the file is garbage a later create truncates.
    spdlog::warn("remove chunk file {}: {}", path, strerror(errno));
  }
  co_return Status::Ok();
}

}  // namespace weft::chunk
