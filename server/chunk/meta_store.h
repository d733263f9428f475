// The per-chunk metadata store: a small ordered KV of ChunkKey -> ChunkMeta (chunk_meta.h). The RocksDB
// engine (meta_store_rocksdb.cc, the only file that includes RocksDB headers) lives in the server's first
// data directory; the in-memory engine serves unit tests.
//
// Thread-safety: every method is thread-safe. Apply is atomic: all mutations or none.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/chunk/chunk_meta.h"

namespace weft::chunk {

struct MetaMutation {
  ChunkKey key;
  std::optional<ChunkMeta> meta;  // nullopt deletes the record
};

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // The record of key, nullopt when there is none. EBADMSG for a damaged record; EIO for engine errors.
  virtual StatusOr<std::optional<ChunkMeta>> Get(const ChunkKey& key) = 0;
  // Applies the mutations as one atomic batch; with sync, durable before returning.
  virtual Status Apply(std::span<const MetaMutation> mutations, bool sync) = 0;
  // The keys of ino's chunks with index >= from_index, ascending.
  virtual StatusOr<std::vector<ChunkKey>> List(uint64_t ino, uint32_t from_index) = 0;
  // Calls fn for every record, in key order (startup accounting). Damaged records are skipped and logged.
  virtual Status ForEach(const std::function<void(const ChunkKey&, const ChunkMeta&)>& fn) = 0;
  // Calls fn for at most `limit` records with keys after `after` (from the first with nullopt), in key
  // order; damaged records are skipped (and count). Returns the last key visited when the limit cut the
  // scan short (continue after it), nullopt when it reached the end.
  virtual StatusOr<std::optional<ChunkKey>> Scan(const std::optional<ChunkKey>& after, size_t limit,
                                                 const std::function<void(const ChunkKey&, const ChunkMeta&)>& fn) = 0;
};

// Opens (creating when missing) the RocksDB store in dir.
// What the RocksDB store may hold in memory: its block cache, and each of its (at most two) memtables.
struct MetaStoreMemory {
  uint64_t block_cache_bytes = 64ull << 20;   // default 64 MiB
  uint64_t write_buffer_bytes = 64ull << 20;  // default 64 MiB (RocksDB's)
};
StatusOr<std::unique_ptr<MetaStore>> OpenRocksMetaStore(const std::string& dir, const MetaStoreMemory& memory = {});
// An empty in-memory store.
std::unique_ptr<MetaStore> NewMemMetaStore();

}  // namespace weft::chunk
