// The in-memory engine of MetaStore (unit tests).
#include <map>
#include <mutex>

#include "server/chunk/meta_store.h"

namespace weft::chunk {
namespace {

class MemMetaStore final : public MetaStore {
 public:
  StatusOr<std::optional<ChunkMeta>> Get(const ChunkKey& key) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::optional<ChunkMeta>();
    return std::optional<ChunkMeta>(it->second);
  }

  Status Apply(std::span<const MetaMutation> mutations, bool /*sync*/) override {
    std::lock_guard lock(mu_);
    for (const auto& m : mutations) {
      if (m.meta) {
        map_[m.key] = *m.meta;
      } else {
        map_.erase(m.key);
      }
    }
    return Status::Ok();
  }

  StatusOr<std::vector<ChunkKey>> List(uint64_t ino, uint32_t from_index) override {
    std::lock_guard lock(mu_);
    std::vector<ChunkKey> out;
    for (auto it = map_.lower_bound({ino, from_index}); it != map_.end() && it->first.ino == ino; ++it) {
      out.push_back(it->first);
    }
    return out;
  }

  Status ForEach(const std::function<void(const ChunkKey&, const ChunkMeta&)>& fn) override {
    std::lock_guard lock(mu_);
    for (const auto& [k, m] : map_) fn(k, m);
    return Status::Ok();
  }

  StatusOr<std::optional<ChunkKey>> Scan(const std::optional<ChunkKey>& after, size_t limit,
                                         const std::function<void(const ChunkKey&, const ChunkMeta&)>& fn) override {
    std::lock_guard lock(mu_);
    size_t n = 0;
    std::optional<ChunkKey> last;
    for (auto it = after ? map_.upper_bound(*after) : map_.begin(); it != map_.end(); ++it) {
      if (n++ == limit) return last;
      last = it->first;
      fn(it->first, it->second);
    }
    return std::optional<ChunkKey>();
  }

 private:
  std::mutex mu_;
  std::map<ChunkKey, ChunkMeta> map_;
};

}  // namespace

std::unique_ptr<MetaStore> NewMemMetaStore() { return std::make_unique<MemMetaStore>(); }

}  // namespace weft::chunk
