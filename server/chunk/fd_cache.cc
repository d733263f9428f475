#include "server/chunk/fd_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

namespace weft::chunk {

Status ChunkPaths::Prepare() const {
  for (const auto& d : dirs_) {
    for (const std::string& p : {d, d + "/chunks"}) {
      if (mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return Err(errno, "mkdir {}: {}", p, strerror(errno));
    }
    for (int i = 0; i < 256; ++i) {
      std::string sub = fmt::format("{}/chunks/{:02x}", d, i);
      if (mkdir(sub.c_str(), 0755) != 0 && errno != EEXIST) return Err(errno, "mkdir {}: {}", sub, strerror(errno));
    }
  }
  return Status::Ok();
}

std::string ChunkPaths::Path(const ChunkKey& key) const {
  uint64_t mix = ChunkKeyMix(key);
  return fmt::format("{}/chunks/{:02x}/{:016x}-{:08x}", dirs_[mix % dirs_.size()], (mix >> 8) & 0xff, key.ino,
                     key.index);
}

ChunkFile::~ChunkFile() {
  if (fd_ >= 0) ::close(fd_);
}

StatusOr<std::shared_ptr<ChunkFile>> FdCache::Open(const ChunkKey& key, OpenMode mode) {
  auto it = map_.find(key);
  if (it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    std::shared_ptr<ChunkFile> f = it->second->second;
    if (mode == OpenMode::kCreateTruncate && ftruncate(f->fd(), 0) != 0) {
      return Err(errno, "truncate chunk file {}: {}", key.ToString(), strerror(errno));
    }
    return f;
  }
  auto f = OpenFile(key, mode);
  if (!f.ok()) return f.status();
  lru_.emplace_front(key, *f);
  map_[key] = lru_.begin();
  while (map_.size() > options_.capacity) {
    map_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return f;
}

void FdCache::Evict(const ChunkKey& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  lru_.erase(it->second);
  map_.erase(it);
}

StatusOr<std::shared_ptr<ChunkFile>> FdCache::OpenFile(const ChunkKey& key, OpenMode mode) {
  std::string path = paths_->Path(key);
  int flags = O_RDWR | O_CLOEXEC;
  if (mode != OpenMode::kExisting) flags |= O_CREAT;
  if (mode == OpenMode::kCreateTruncate) flags |= O_TRUNC;
  bool direct = options_.direct_io && direct_ok_;
  int fd = ::open(path.c_str(), flags | (direct ? O_DIRECT : 0), 0644);
  if (fd < 0 && direct && errno == EINVAL) {
    spdlog::warn("the file system of {} refuses O_DIRECT: using buffered I/O", path);
    direct_ok_ = false;
    direct = false;
    fd = ::open(path.c_str(), flags, 0644);
  }
  if (fd < 0) return Err(errno, "open chunk file {}: {}", path, strerror(errno));
  return std::make_shared<ChunkFile>(fd, direct);
}

}  // namespace weft::chunk
