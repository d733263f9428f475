// The RocksDB engine of MetaStore. The only file of weft-chunk that includes RocksDB headers.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "server/chunk/meta_store.h"

namespace weft::chunk {
namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace()) return Err(ENOSPC, "{}: {}", what, s.ToString());
  return Err(EIO, "{}: {}", what, s.ToString());
}

class RocksMetaStore final : public MetaStore {
 public:
  explicit RocksMetaStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

  StatusOr<std::optional<ChunkMeta>> Get(const ChunkKey& key) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), EncodeChunkKey(key), &value);
    if (s.IsNotFound()) return std::optional<ChunkMeta>();
    if (!s.ok()) return FromRocks(s, "get chunk record");
    auto m = DecodeChunkMeta(value);
    if (!m.ok()) return m.status().Annotate("chunk " + key.ToString());
    return std::optional<ChunkMeta>(std::move(*m));
  }

  Status Apply(std::span<const MetaMutation> mutations, bool sync) override {
    rocksdb::WriteBatch batch;
    for (const auto& m : mutations) {
      std::string k = EncodeChunkKey(m.key);
      if (m.meta) {
        batch.Put(k, EncodeChunkMeta(*m.meta));
      } else {
        batch.Delete(k);
      }
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(db_->Write(wo, &batch), "write chunk records");
  }

  StatusOr<std::vector<ChunkKey>> List(uint64_t ino, uint32_t from_index) override {
    std::vector<ChunkKey> out;
    std::string prefix = ChunkKeyPrefix(ino);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(EncodeChunkKey({ino, from_index})); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      auto k = DecodeChunkKey(it->key().ToStringView());
      if (k.ok()) out.push_back(*k);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "list chunks");
    return out;
  }

  Status ForEach(const std::function<void(const ChunkKey&, const ChunkMeta&)>& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek("c"); it->Valid() && it->key().starts_with("c"); it->Next()) {
      auto k = DecodeChunkKey(it->key().ToStringView());
      auto m = DecodeChunkMeta(it->value().ToStringView());
      if (!k.ok() || !m.ok()) {
        spdlog::error("skipping a damaged chunk record: {}", (k.ok() ? m.status() : k.status()).ToString());
        continue;
      }
      fn(*k, *m);
    }
    return FromRocks(it->status(), "scan chunks");
  }

  StatusOr<std::optional<ChunkKey>> Scan(const std::optional<ChunkKey>& after, size_t limit,
                                         const std::function<void(const ChunkKey&, const ChunkMeta&)>& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    it->Seek(after ? EncodeChunkKey(*after) : std::string("c"));
    if (after && it->Valid() && it->key().ToStringView() == EncodeChunkKey(*after)) it->Next();
    std::optional<ChunkKey> last;
    size_t n = 0;
    for (; it->Valid() && it->key().starts_with("c"); it->Next()) {
      auto k = DecodeChunkKey(it->key().ToStringView());
      if (!k.ok()) continue;
      if (n++ == limit) return last;
      last = *k;
      auto m = DecodeChunkMeta(it->value().ToStringView());
      if (!m.ok()) {
        spdlog::error("skipping damaged chunk record {}: {}", k->ToString(), m.status().ToString());
        continue;
      }
      fn(*k, *m);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scan chunks");
    return std::optional<ChunkKey>();
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

StatusOr<std::unique_ptr<MetaStore>> OpenRocksMetaStore(const std::string& dir, const MetaStoreMemory& memory) {
  rocksdb::Options options;
  options.write_buffer_size = memory.write_buffer_bytes;
  options.max_write_buffer_number = 2;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  options.max_open_files = 256;  // the process's descriptor budget belongs to chunk files
  options.keep_log_file_num = 4;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(memory.block_cache_bytes);
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return FromRocks(s, "open chunk metadata store " + dir);
  return std::unique_ptr<MetaStore>(std::make_unique<RocksMetaStore>(std::unique_ptr<rocksdb::DB>(raw)));
}

}  // namespace weft::chunk
