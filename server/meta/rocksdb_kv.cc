// KvStore over RocksDB: batches are WriteBatchWithIndex (reads see own writes via GetFromBatchAndDB and
// NewIteratorWithBase); Commit writes the batch with WriteOptions::sync, and RocksDB's write group
// shares one WAL fsync among concurrent commits (group commit).
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "server/meta/kv.h"

namespace weft::meta {
namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace()) return Err(ENOSPC, "{}: {}", what, s.ToString());
  return Err(EIO, "{}: {}", what, s.ToString());
}

// A scan of [start, end). The RocksDB iterator gets `end` as its upper bound: without one, a scan that
// has passed its last live key keeps stepping over every deleted key after the range (the tombstones of
// removed files, directories and GC records, which stay in the memtable until a flush) in search of the
// next live key, and a directory listing or an emptiness check cost as much as the history behind it.
class RocksIterator final : public KvIterator {
 public:
  // make(read_options) creates the RocksDB iterator; the options live as long as it does.
  template <typename Make>
  RocksIterator(std::string_view start, std::string end, Make make) : end_(std::move(end)), upper_(end_) {
    if (!end_.empty()) ro_.iterate_upper_bound = &upper_;
    it_ = make(ro_);
    it_->Seek(rocksdb::Slice(start));
  }
  RocksIterator(const RocksIterator&) = delete;
  RocksIterator& operator=(const RocksIterator&) = delete;
  bool Valid() const override {
    return it_->Valid() && (end_.empty() || it_->key().compare(rocksdb::Slice(end_)) < 0);
  }
  void Next() override { it_->Next(); }
  std::string_view key() const override { return it_->key().ToStringView(); }
  std::string_view value() const override { return it_->value().ToStringView(); }
  Status status() const override { return FromRocks(it_->status(), "scan"); }

 private:
  const std::string end_;
  const rocksdb::Slice upper_;  // views end_; must outlive it_
  rocksdb::ReadOptions ro_;     // must outlive it_
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksBatch final : public KvBatch {
 public:
  explicit RocksBatch(rocksdb::DB* db) : db_(db), wb_(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true) {}

  StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    std::string v;
    rocksdb::Status s = wb_.GetFromBatchAndDB(db_, rocksdb::ReadOptions(), rocksdb::Slice(key), &v);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, "get");
    return std::optional<std::string>(std::move(v));
  }
  std::unique_ptr<KvIterator> Scan(std::string_view start, std::string_view end) override {
    return std::make_unique<RocksIterator>(start, std::string(end), [this](const rocksdb::ReadOptions& ro) {
      std::unique_ptr<rocksdb::Iterator> base(db_->NewIterator(ro));
      // The batch's own entries are bounded by the same read options.
      return std::unique_ptr<rocksdb::Iterator>(
          wb_.NewIteratorWithBase(db_->DefaultColumnFamily(), base.release(), &ro));
    });
  }
  void Put(std::string_view key, std::string_view value) override { wb_.Put(rocksdb::Slice(key), rocksdb::Slice(value)); }
  void Delete(std::string_view key) override { wb_.Delete(rocksdb::Slice(key)); }
  void SetSavePoint() override { wb_.SetSavePoint(); }
  void RollbackToSavePoint() override { wb_.RollbackToSavePoint().PermitUncheckedError(); }
  void PopSavePoint() override { wb_.PopSavePoint().PermitUncheckedError(); }
  size_t Count() const override { return static_cast<size_t>(const_cast<RocksBatch*>(this)->wb_.GetWriteBatch()->Count()); }
  size_t ByteSize() const override { return const_cast<RocksBatch*>(this)->wb_.GetWriteBatch()->GetDataSize(); }

  rocksdb::WriteBatch* batch() { return wb_.GetWriteBatch(); }

 private:
  rocksdb::DB* const db_;
  rocksdb::WriteBatchWithIndex wb_;
};

class RocksKv final : public KvStore {
 public:
  explicit RocksKv(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

  StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key), &v);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, "get");
    return std::optional<std::string>(std::move(v));
  }
  std::unique_ptr<KvIterator> Scan(std::string_view start, std::string_view end) override {
    return std::make_unique<RocksIterator>(start, std::string(end), [this](const rocksdb::ReadOptions& ro) {
      return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro));
    });
  }
  std::unique_ptr<KvBatch> NewBatch() override { return std::make_unique<RocksBatch>(db_.get()); }
  Status Commit(KvBatch& batch, bool sync) override {
    auto& rb = static_cast<RocksBatch&>(batch);
    if (rb.Count() == 0) return Status::Ok();
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(db_->Write(wo, rb.batch()), "commit");
  }
  Status Sync() override { return FromRocks(db_->SyncWAL(), "sync the write-ahead log"); }

 private:
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

StatusOr<std::unique_ptr<KvStore>> OpenRocksKv(const KvOptions& options) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.IncreaseParallelism(2);
  o.OptimizeLevelStyleCompaction();
  o.max_open_files = 512;  // bounded: the process shares a 20,000 fd limit with its clients
  o.enable_pipelined_write = true;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, options.path, &raw);
  if (!s.ok()) return FromRocks(s, "open " + options.path);
  return std::unique_ptr<KvStore>(new RocksKv(std::unique_ptr<rocksdb::DB>(raw)));
}

}  // namespace weft::meta
