#include "test/meta/support/power_loss_kv.h"

namespace weft::meta::test {
namespace {

// A batch over the live store's batch that also records its writes, savepoints included.
class RecordingBatch final : public KvBatch {
 public:
  explicit RecordingBatch(std::unique_ptr<KvBatch> inner) : inner_(std::move(inner)) {}
  StatusOr<std::optional<std::string>> Get(std::string_view key) override { return inner_->Get(key); }
  std::unique_ptr<KvIterator> Scan(std::string_view start, std::string_view end) override {
    return inner_->Scan(start, end);
  }
  void Put(std::string_view key, std::string_view value) override {
    inner_->Put(key, value);
    writes.emplace_back(std::string(key), std::string(value));
  }
  void Delete(std::string_view key) override {
    inner_->Delete(key);
    writes.emplace_back(std::string(key), std::nullopt);
  }
  void SetSavePoint() override {
    inner_->SetSavePoint();
    savepoints_.push_back(writes.size());
  }
  void RollbackToSavePoint() override {
    inner_->RollbackToSavePoint();
    writes.resize(savepoints_.back());
    savepoints_.pop_back();
  }
  void PopSavePoint() override {
    inner_->PopSavePoint();
    savepoints_.pop_back();
  }
  size_t Count() const override { return inner_->Count(); }
  size_t ByteSize() const override { return inner_->ByteSize(); }

  KvBatch& inner() { return *inner_; }
  std::vector<std::pair<std::string, std::optional<std::string>>> writes;

 private:
  std::unique_ptr<KvBatch> inner_;
  std::vector<size_t> savepoints_;
};

}  // namespace

PowerLossKv::PowerLossKv() : live_(NewMemKv()) {}

std::unique_ptr<KvBatch> PowerLossKv::NewBatch() { return std::make_unique<RecordingBatch>(live_->NewBatch()); }

Status PowerLossKv::Commit(KvBatch& batch, bool sync) {
  auto& rb = static_cast<RecordingBatch&>(batch);
  std::lock_guard lock(mu_);  // commits enter the log in the order they are applied
  if (sync && fail_syncs_) return Err(EIO, "injected: sync failed");
  Status s = live_->Commit(rb.inner(), sync);
  if (!s.ok()) return s;
  for (auto& w : rb.writes) pending_.push_back(std::move(w));
  rb.writes.clear();
  if (sync) {
    ++synced_commits_;
    SyncLocked();
  } else if (!pending_.empty()) {
    ++unsynced_commits_;
  }
  return Status::Ok();
}

Status PowerLossKv::Sync() {
  std::lock_guard lock(mu_);
  if (fail_syncs_) return Err(EIO, "injected: sync failed");
  ++syncs_;
  SyncLocked();
  return Status::Ok();
}

void PowerLossKv::SyncLocked() {
  for (auto& w : pending_) durable_.push_back(std::move(w));
  pending_.clear();
}

std::unique_ptr<KvStore> PowerLossKv::CrashImage() {
  auto image = NewMemKv();
  auto batch = image->NewBatch();
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, v] : durable_) {
      if (v) batch->Put(k, *v);
      else batch->Delete(k);
    }
  }
  Status s = image->Commit(*batch, true);
  (void)s;  // the in-memory engine does not fail
  return image;
}

void PowerLossKv::set_fail_syncs(bool fail) {
  std::lock_guard lock(mu_);
  fail_syncs_ = fail;
}

uint64_t PowerLossKv::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}
uint64_t PowerLossKv::synced_commits() const {
  std::lock_guard lock(mu_);
  return synced_commits_;
}
uint64_t PowerLossKv::unsynced_commits() const {
  std::lock_guard lock(mu_);
  return unsynced_commits_;
}
size_t PowerLossKv::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace weft::meta::test
