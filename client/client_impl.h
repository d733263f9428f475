// The implementation behind weft/client.h. Internal to client/.
#pragma once

#include <fcntl.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "client/attr_cache.h"
#include "client/close_batcher.h"
#include "client/deferred_creates.h"
#include "client/dir_hints.h"
#include "client/leased_dirs.h"
#include "client/buffer_pool.h"
#include "client/chain_map.h"
#include "client/data/chunk_io.h"
#include "client/data/io_runtime.h"
#include "client/file_state.h"
#include "client/meta_client.h"
#include "weft/client.h"

namespace weft::client {

class ClientImpl final : public Client {
 public:
  ClientImpl(const ClientOptions& o, TlsPtr tls);  // tls: null = plain TCP
  ~ClientImpl() override;
  Status Mount();

  uint64_t root_ino() const override { return root_ino_; }
  uint64_t volume_id() const override { return volume_id_; }
  uint32_t chunk_size() const override { return chunk_size_; }
  bool read_only() const override { return read_only_; }

  StatusOr<Attr> Lookup(const Caller& c, uint64_t parent, std::string_view name) override;
  StatusOr<Attr> GetAttr(const Caller& c, uint64_t ino) override;
  StatusOr<Attr> SetAttr(const Caller& c, SetAttrRequest req, FileHandle* fh) override;
  StatusOr<Attr> Mknod(const Caller& c, uint64_t parent, std::string_view name, mode_t mode, dev_t rdev,
                       mode_t umask) override;
  StatusOr<CreateResult> Create(const Caller& c, uint64_t parent, std::string_view name, mode_t mode, mode_t umask,
                                int open_flags, bool exclusive, bool open) override;
  StatusOr<Attr> Mkdir(const Caller& c, uint64_t parent, std::string_view name, mode_t mode, mode_t umask) override;
  StatusOr<Attr> Unlink(const Caller& c, uint64_t parent, std::string_view name) override;
  Status Rmdir(const Caller& c, uint64_t parent, std::string_view name) override;
  StatusOr<RenameResponse> Rename(const Caller& c, uint64_t parent, std::string_view name, uint64_t new_parent,
                                  std::string_view new_name, uint32_t flags) override;
  StatusOr<Attr> Link(const Caller& c, uint64_t ino, uint64_t new_parent, std::string_view new_name) override;
  StatusOr<Attr> Symlink(const Caller& c, uint64_t parent, std::string_view name, std::string_view target) override;
  StatusOr<std::string> Readlink(const Caller& c, uint64_t ino) override;
  StatusOr<DirPage> ReadDir(const Caller& c, uint64_t ino, std::string_view cookie, uint32_t limit,
                            bool plus) override;
  StatusOr<std::string> GetXattr(const Caller& c, uint64_t ino, std::string_view name) override;
  Status SetXattr(const Caller& c, uint64_t ino, std::string_view name, std::string_view value, int flags) override;
  StatusOr<std::vector<std::string>> ListXattr(const Caller& c, uint64_t ino) override;
  Status RemoveXattr(const Caller& c, uint64_t ino, std::string_view name) override;
  StatusOr<StatFsResponse> StatFs() override;
  Status SyncNamespace() override { return meta_.Sync(); }

  StatusOr<FileHandle*> Open(const Caller& c, uint64_t ino, int flags) override;
  StatusOr<size_t> Read(FileHandle* fh, uint64_t off, size_t size, char* buf) override;
  StatusOr<Extent> ReadAround(FileHandle* fh, uint64_t off, size_t size, uint32_t around, char* buf) override;
  Status Write(FileHandle* fh, uint64_t off, const char* data, size_t size) override;
  Status Flush(FileHandle* fh) override;
  Status Fsync(FileHandle* fh) override;
  Status Close(FileHandle* fh) override;
  Status Allocate(FileHandle* fh, uint64_t off, uint64_t len) override;
  uint64_t HandleSize(FileHandle* fh) override;
  uint64_t HandleIno(FileHandle* fh) override { return fh->inode->ino; }
  bool HandleWritable(FileHandle* fh) override { return (fh->flags & O_ACCMODE) != O_RDONLY; }
  StatusOr<Attr> ResolvePath(const Caller& c, std::string_view path) override;

  // The directory leases this session holds (tests read how many lookups they answered).
  const LeasedDirs& leased_dirs() const { return leased_; }
  // The deferred creates (null unless ClientOptions::deferred_creates).
  DeferredCreates* deferred_creates() { return deferred_.get(); }

 private:
  // file_io.cc
  // capability/ttl_ms: what Open or Create returned for the handle.
  FileHandle* AttachHandle(const Attr& attr, uint64_t meta_handle, int flags, std::string capability,
                           uint32_t ttl_ms);
  // The handle's capability, renewed through weft-meta (GetCapability) when half its TTL has passed.
  StatusOr<std::string> HandleCapability(FileHandle* fh);
  // A write capability to truncate ino: fh's when it is open for writing, else one weft-meta issues
  // after checking the caller's write permission.
  StatusOr<std::string> TruncateCapability(const Caller& c, uint64_t ino, FileHandle* fh);
  void DetachHandle(FileHandle* fh);
  // A handle of a deferred create: its create sent (or its refusal returned), then the file opened at
  // weft-meta by inode, so that the handle has what writes need. A no-op for other handles.
  Status EnsureOpened(FileHandle* fh);
  // The create answered here when it may be (ClientOptions::deferred_creates); nullopt otherwise.
  std::optional<CreateResult> TryDeferCreate(const Caller& c, uint64_t parent, std::string_view name, mode_t mode,
                                             mode_t umask, int open_flags);
  // The unlink answered here when it may be (ClientOptions::deferred_unlinks): the file's attributes as
  // the caller gets them (ino, nlink 0); nullopt otherwise.
  std::optional<Attr> TryDeferUnlink(const Caller& c, uint64_t parent, std::string_view name);
  std::shared_ptr<InodeState> FindInode(uint64_t ino);
  Status FlushBufLocked(FileHandle* fh);  // REQUIRES: fh->mu held
  Status WaitInflight(InodeState& st, uint32_t index, uint32_t begin, uint32_t end);
  // Flush the local buffers overlapping file bytes [begin, end) and wait for the writes in flight there.
  Status SyncRange(InodeState& st, uint64_t begin, uint64_t end);
  Status SyncInode(InodeState& st);  // SyncRange over the whole file
  // REQUIRES: fh->mu held. durable: an fsync (synced in weft-meta) rather than a flush.
  Status CommitLength(FileHandle* fh, bool durable);
  Status FlushImpl(FileHandle* fh, bool durable);
  Status TruncateData(const Attr& attr, uint64_t new_size, const std::string& capability);
  void DropReadahead(InodeState& st, uint64_t begin, uint64_t end);
  Status ReadDirect(InodeState& st, uint64_t off, size_t size, char* buf, const std::string& capability);
  StatusOr<size_t> ReadSequential(FileHandle* fh, uint64_t off, size_t size, char* buf, uint64_t file_size,
                                  const std::string& capability);
  Attr Overlay(Attr a);  // local size over the metadata's for inodes open here

  void KeepaliveLoop();
  // While creates are deferred: keeps a Recall call waiting at weft-meta, and hands back each lease it
  // asks for once the creates answered there were sent (docs/meta-semantics.md, "Lease recalls").
  void RecallLoop();
  void StopRecalls();
  // Sends the queued closes of clean handles (close_batch_ms); true when there were any.
  bool FlushCloses() { return closer_ && closer_->Flush(); }
  // A call refused for quota (EDQUOT, ENOSPC) is tried once more when queued closes still held
  // reservations or open unlinked files.
  template <typename F>
  Status RetryAfterCloses(F&& call) {
    Status s = call();
    if ((s.err() == EDQUOT || s.err() == ENOSPC) && FlushCloses()) s = call();
    return s;
  }

  const ClientOptions opts_;
  const TlsPtr tls_;  // null = plain TCP
  MetaClient meta_;
  ChainMap chains_;
  IoRuntime runtime_;
  ChunkIo io_;
  BufferPool pool_;                       // write buffers: ClientOptions::write_buffer_bytes
  std::shared_ptr<BufferPool> ra_pool_;   // readahead blocks: ClientOptions::readahead_total_bytes
  AttrCache cache_;
  DirHints hints_;
  LeasedDirs leased_;

  uint64_t root_ino_ = 0, volume_id_ = 0;
  uint32_t chunk_size_ = 0;
  uint32_t session_ttl_ms_ = 30000;
  bool read_only_ = false;

  std::mutex inodes_mu_;
  std::unordered_map<uint64_t, std::weak_ptr<InodeState>> inodes_;  // GUARDED_BY(inodes_mu_)

  std::mutex ka_mu_;
  std::condition_variable ka_cv_;
  bool stopping_ = false;  // GUARDED_BY(ka_mu_)
  std::thread keepalive_;
  std::unique_ptr<CloseBatcher> closer_;  // null when close_batch_ms is 0
  std::unique_ptr<DeferredCreates> deferred_;  // null unless ClientOptions::deferred_creates
  std::function<void()> flush_deferred_;      // MetaClient's before-call hook while deferred_ lives
  std::atomic<bool> meta_takes_unlinks_{false};  // weft-meta's last reservation said CreateBatch takes unlinks
  // Held shared from a deferred create's lease check until it is queued, and exclusively by a recall
  // while it drops the lease: every create answered under a lease is queued before its release is sent.
  std::shared_mutex defer_mu_;
  std::atomic<bool> recall_stop_{false};
  std::thread recall_;
};

}  // namespace weft::client
