// The metadata service's storage interface: an ordered key-value store with write batches that read
// their own writes. Nothing outside rocksdb_kv.cc includes a RocksDB header; mem_kv.cc is an in-memory
// engine for tests (every KV test runs against both).
//
// Model: readers call Get/Scan on the store and see committed state. A writer builds a KvBatch (reads
// through the batch see the batch's own writes over the committed state), then Commit()s it: all of the
// batch becomes visible and durable at once (sync = the write-ahead log is fsynced before returning), or
// none of it. Batches are not isolated from each other: callers that read-modify-write the same keys
// must serialize those batches themselves (the metadata service does: one sequencer builds every
// namespace batch; cluster membership uses its own key prefix under its own lock).
//
// Thread-safety: KvStore is thread-safe. A KvBatch and a KvIterator belong to one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft::meta {

class KvIterator {
 public:
  virtual ~KvIterator() = default;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // REQUIRES: Valid(). Views stay valid until the next Next() or the iterator's destruction.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Non-OK when the scan stopped on an I/O error (then Valid() is false).
  virtual Status status() const = 0;
};

class KvReader {
 public:
  virtual ~KvReader() = default;
  // The value of key, std::nullopt when absent; non-OK only on I/O errors.
  virtual StatusOr<std::optional<std::string>> Get(std::string_view key) = 0;
  // Keys in [start, end) in ascending byte order ("" as end = no upper bound).
  virtual std::unique_ptr<KvIterator> Scan(std::string_view start, std::string_view end) = 0;
};

class KvBatch : public KvReader {
 public:
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
  // Savepoints nest: Rollback undoes every Put/Delete since the matching SetSavePoint.
  virtual void SetSavePoint() = 0;
  virtual void RollbackToSavePoint() = 0;
  virtual void PopSavePoint() = 0;  // keeps the writes, forgets the savepoint
  virtual size_t Count() const = 0;  // number of Put/Delete in the batch
  virtual size_t ByteSize() const = 0;
};

struct KvOptions {
  std::string path;                    // RocksDB directory (ignored by the in-memory engine)
  size_t block_cache_bytes = 256 << 20;  // default 256 MiB
};

class KvStore : public KvReader {
 public:
  // A new empty batch reading through to this store.
  virtual std::unique_ptr<KvBatch> NewBatch() = 0;
  // Applies the batch atomically; with sync the write is durable on return. REQUIRES: batch came
  // from this store.
  virtual Status Commit(KvBatch& batch, bool sync) = 0;
  // Makes every batch committed before the call durable (fsyncs the write-ahead log).
  virtual Status Sync() = 0;
};

// Opens (creating if missing) a RocksDB store.
StatusOr<std::unique_ptr<KvStore>> OpenRocksKv(const KvOptions& options);
// A fresh in-memory store (lost on destruction).
std::unique_ptr<KvStore> NewMemKv();

}  // namespace weft::meta
