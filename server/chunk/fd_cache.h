// Where chunk files live, and a bounded LRU cache of their open descriptors. A server holds millions of
// chunks and the process may hold 20,000 descriptors: never one per chunk. A descriptor evicted while an
// operation still uses it stays open until that operation drops its reference.
//
// Layout (persistent, docs/chunk-format.md): chunk (ino, index) is the file
//   <dirs[mix % dirs.size()]>/chunks/<(mix >> 8) & 0xff as 2 hex>/<ino as 16 hex>-<index as 8 hex>
// with mix = ChunkKeyMix(key). The list of data dirs must not change once chunks are stored.
//
// Thread-safety: loop-confined (one thread calls every method).
#pragma once

#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "server/chunk/chunk_meta.h"

namespace weft::chunk {

class ChunkPaths {
 public:
  explicit ChunkPaths(std::vector<std::string> dirs) : dirs_(std::move(dirs)) {}
  // Creates <dir>/chunks/00..ff in every dir.
  Status Prepare() const;
  std::string Path(const ChunkKey& key) const;
  const std::vector<std::string>& dirs() const { return dirs_; }

 private:
  std::vector<std::string> dirs_;
};

// An open chunk file. Closes the descriptor when the last reference goes.
class ChunkFile {
 public:
  ChunkFile(int fd, bool direct) : fd_(fd), direct_(direct) {}
  ~ChunkFile();
  ChunkFile(const ChunkFile&) = delete;
  ChunkFile& operator=(const ChunkFile&) = delete;
  int fd() const { return fd_; }
  bool direct() const { return direct_; }  // opened with O_DIRECT

 private:
  int fd_;
  bool direct_;
};

enum class OpenMode {
  kExisting,        // ENOENT when the file does not exist
  kCreate,          // create when missing, keep contents
  kCreateTruncate,  // create when missing, drop contents
};

struct FdCacheOptions {
  size_t capacity = 1024;  // descriptors kept open; default 1024
  bool direct_io = true;   // open with O_DIRECT (falls back when the file system refuses); default true
};

class FdCache {
 public:
  FdCache(const ChunkPaths* paths, const FdCacheOptions& options) : paths_(paths), options_(options) {}

  StatusOr<std::shared_ptr<ChunkFile>> Open(const ChunkKey& key, OpenMode mode);
  // Forgets key's descriptor (after the file was removed).
  void Evict(const ChunkKey& key);
  size_t size() const { return map_.size(); }
  size_t capacity() const { return options_.capacity; }

 private:
  using Entry = std::pair<ChunkKey, std::shared_ptr<ChunkFile>>;
  StatusOr<std::shared_ptr<ChunkFile>> OpenFile(const ChunkKey& key, OpenMode mode);

  const ChunkPaths* const paths_;
  const FdCacheOptions options_;
  bool direct_ok_ = true;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<ChunkKey, std::list<Entry>::iterator, ChunkKeyHash> map_;
};

}  // namespace weft::chunk
