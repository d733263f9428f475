// KvStore in memory, for tests: a std::map under a mutex; batches keep an overlay of their writes
// (nullopt = deleted) and a stack of overlay copies for savepoints.
#include <map>
#include <mutex>
#include <vector>

#include "server/meta/kv.h"

namespace weft::meta {
namespace {

using Map = std::map<std::string, std::string, std::less<>>;
using Overlay = std::map<std::string, std::optional<std::string>, std::less<>>;

// Iterates a materialized snapshot of the merged view (tests only: simplicity over speed).
class VectorIterator final : public KvIterator {
 public:
  explicit VectorIterator(std::vector<std::pair<std::string, std::string>> rows) : rows_(std::move(rows)) {}
  bool Valid() const override { return pos_ < rows_.size(); }
  void Next() override { ++pos_; }
  std::string_view key() const override { return rows_[pos_].first; }
  std::string_view value() const override { return rows_[pos_].second; }
  Status status() const override { return Status::Ok(); }

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
  size_t pos_ = 0;
};

class MemKv;

class MemBatch final : public KvBatch {
 public:
  explicit MemBatch(MemKv* kv) : kv_(kv) {}
  StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  std::unique_ptr<KvIterator> Scan(std::string_view start, std::string_view end) override;
  void Put(std::string_view key, std::string_view value) override {
    overlay_[std::string(key)] = std::string(value);
    ++count_;
    bytes_ += key.size() + value.size();
  }
  void Delete(std::string_view key) override {
    overlay_[std::string(key)] = std::nullopt;
    ++count_;
    bytes_ += key.size();
  }
  void SetSavePoint() override { saves_.push_back({overlay_, count_, bytes_}); }
  void RollbackToSavePoint() override {
    if (saves_.empty()) return;
    overlay_ = std::move(saves_.back().overlay);
    count_ = saves_.back().count;
    bytes_ = saves_.back().bytes;
    saves_.pop_back();
  }
  void PopSavePoint() override {
    if (!saves_.empty()) saves_.pop_back();
  }
  size_t Count() const override { return count_; }
  size_t ByteSize() const override { return bytes_; }
  const Overlay& overlay() const { return overlay_; }

 private:
  struct Save {
    Overlay overlay;
    size_t count, bytes;
  };
  MemKv* const kv_;
  Overlay overlay_;
  std::vector<Save> saves_;
  size_t count_ = 0, bytes_ = 0;
};

class MemKv final : public KvStore {
 public:
  StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  std::unique_ptr<KvIterator> Scan(std::string_view start, std::string_view end) override {
    return ScanMerged(start, end, nullptr);
  }
  std::unique_ptr<KvBatch> NewBatch() override { return std::make_unique<MemBatch>(this); }
  Status Commit(KvBatch& batch, bool) override {
    std::lock_guard lock(mu_);
    for (auto& [k, v] : static_cast<MemBatch&>(batch).overlay()) {
      if (v) map_[k] = *v;
      else map_.erase(k);
    }
    return Status::Ok();
  }
  Status Sync() override { return Status::Ok(); }

  std::unique_ptr<KvIterator> ScanMerged(std::string_view start, std::string_view end, const Overlay* overlay) {
    Map merged;
    {
      std::lock_guard lock(mu_);
      auto hi = end.empty() ? map_.end() : map_.lower_bound(end);
      for (auto it = map_.lower_bound(start); it != hi; ++it) merged.emplace(it->first, it->second);
    }
    if (overlay) {
      auto hi = end.empty() ? overlay->end() : overlay->lower_bound(end);
      for (auto it = overlay->lower_bound(start); it != hi; ++it) {
        if (it->second) merged[it->first] = *it->second;
        else merged.erase(it->first);
      }
    }
    return std::make_unique<VectorIterator>(std::vector<std::pair<std::string, std::string>>(merged.begin(), merged.end()));
  }

 private:
  std::mutex mu_;
  Map map_;
};

StatusOr<std::optional<std::string>> MemBatch::Get(std::string_view key) {
  auto it = overlay_.find(key);
  if (it != overlay_.end()) return it->second;
  return kv_->Get(key);
}

std::unique_ptr<KvIterator> MemBatch::Scan(std::string_view start, std::string_view end) {
  return kv_->ScanMerged(start, end, &overlay_);
}

}  // namespace

std::unique_ptr<KvStore> NewMemKv() { return std::make_unique<MemKv>(); }

}  // namespace weft::meta
