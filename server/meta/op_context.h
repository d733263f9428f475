// The context every metadata operation runs in: where it reads (the committed store for reads, the
// group's batch for mutations), its collaborators, its timestamp, the session and volume it is bound
// to, and the usage counters it moves.
//
// A mutation body runs on the sequencer thread against the group's KvBatch (reads see the earlier ops
// of the same group); the sequencer brackets it with a savepoint and, when the body succeeds, calls
// Flush() to write the volume and tenant records the op changed, so counters move in the same batch
// as the change. Reads run on gRPC threads against the committed store and never call Put/Flush.
//
// Thread-safety: one thread at a time (the op's).
#pragma once

#include <cerrno>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/meta/kv.h"
#include "server/meta/meta_options.h"
#include "server/meta/records.pb.h"

namespace weft::meta {

class ClusterManager;
class DirLeases;
class SessionTable;

// Collaborators shared by every op. Not owned; all outlive the ops.
struct MetaEnv {
  const MetaOptions* options = nullptr;
  ClusterManager* cluster = nullptr;  // null: no chunk servers (layouts stay empty, GC removes no data)
  SessionTable* sessions = nullptr;   // null in offline tools
  std::function<void()> wake_gc;      // called after a commit that queued GC work; may be empty
  DirLeases* leases = nullptr;        // null: no directory leases (offline tools, tests)
};

// The errno of an op that must run again later (OpContext::RetryLater): never recorded as a reply,
// never seen by a client (MetaCore::Run waits for the lease and submits it again).
inline constexpr int kRetryLater = ERESTART;

class OpContext {
 public:
  // A read context over the committed store.
  OpContext(KvReader* store, const MetaEnv& env);
  // A mutation context over a batch. now_ns is the op's timestamp (unique and increasing per op).
  OpContext(KvBatch* batch, const MetaEnv& env, int64_t now_ns);

  KvReader& reader() { return *reader_; }
  KvBatch& batch() { return *batch_; }  // REQUIRES: mutating()
  bool mutating() const { return batch_ != nullptr; }
  const MetaOptions& options() const { return *env_.options; }
  const MetaEnv& env() const { return env_; }
  int64_t now_ns() const { return now_ns_; }
  Timespec now() const;

  // Runs after the op's group has committed durably (in-memory effects). Dropped if the op fails.
  void OnCommit(std::function<void()> fn) { hooks_.push_back(std::move(fn)); }
  std::vector<std::function<void()>>& commit_hooks() { return hooks_; }
  // The op's effects need not be synced before its reply: it is made durable by the next synced group
  // (the store's log is ordered). For changes a crash may lose without breaking an invariant or a
  // promise: a close, a flush's length commit.
  void SkipSync() { sync_needed_ = false; }
  // A namespace change (create, mkdir, unlink, rename, setattr, xattrs, open): acknowledged before it
  // is synced unless MetaOptions::sync_each_change; the background sync, or a client's Sync, makes it
  // durable. A crash of the machine may lose it, never half of it.
  void DeferSync() {
    if (!options().sync_each_change) sync_needed_ = false;
  }
  // The op must be durable before its reply, whatever else it asked for: it reserved ids, or shrank a
  // file whose data past the new end the client removes from the chunk servers once it is told.
  void ForceSync() { force_sync_ = true; }
  bool sync_needed() const { return sync_needed_ || force_sync_; }
  // The op cannot run before mono_ms (another session's directory lease): the body returns
  // RetryLater(), the sequencer drops its effects without recording a reply, and it runs again then.
  Status RetryLater(int64_t mono_ms) {
    retry_at_ms_ = mono_ms;
    return Status(kRetryLater, "waiting for a directory lease to end");
  }
  int64_t retry_at_ms() const { return retry_at_ms_; }

  // --- Records ---
  // The record at key, nullopt when absent; EIO when it does not parse.
  template <typename T>
  StatusOr<std::optional<T>> Find(std::string_view key);
  template <typename T>
  void Put(std::string_view key, const T& rec) {
    batch_->Put(key, rec.SerializeAsString());
  }
  void Delete(std::string_view key) { batch_->Delete(key); }
  // Hands out the next id of counter `name` (keys::k*Counter); the first id is `first`. Ids are
  // reserved on disk kIdReservation at a time: the op that takes a new block syncs before its reply.
  StatusOr<uint64_t> NextId(std::string_view name, uint64_t first = 1) { return NextIds(name, 1, first); }
  // The next `count` ids of counter `name` at once: returns the first of them.
  StatusOr<uint64_t> NextIds(std::string_view name, uint64_t count, uint64_t first = 1);

  // --- Session and volume ---
  // Binds the op to a session and its volume: ESTALE when the session is unknown (expired, unmounted,
  // or its volume deleted).
  Status BindSession(uint64_t session_id);
  bool has_session() const { return session_.has_value(); }
  const rec::Session& session() const { return *session_; }  // REQUIRES: BindSession succeeded
  // Binds the op to a volume directly (admin, GC): ENOENT when unknown or being deleted (unless
  // allow_deleting).
  Status BindVolume(uint64_t volume_id, bool allow_deleting = false);
  // REQUIRES: a bound volume. Call MarkVolumeDirty() after changing it so Flush() writes it.
  rec::Volume& volume() { return *volume_; }
  void MarkVolumeDirty() { volume_dirty_ = true; }
  // The bound volume's tenant, loaded once; changes are written by Flush().
  StatusOr<rec::Tenant*> tenant();
  // EROFS when the bound volume or session is read-only.
  Status CheckWritable() const;

  // --- Inodes of the bound volume ---
  // ENOENT when absent, in another volume, or released (no link and no open handle left).
  StatusOr<rec::Inode> GetInode(uint64_t ino);
  // Whether GetInode would return this record (of the bound volume, not released).
  bool Live(const rec::Inode& inode) const;
  // As GetInode, plus ENOTDIR when not a directory.
  StatusOr<rec::Inode> GetDir(uint64_t ino);
  void PutInode(const rec::Inode& inode);
  StatusOr<std::optional<rec::Dentry>> FindDentry(uint64_t parent, std::string_view name);

  // --- Usage and quotas (the bound volume and its tenant) ---
  // EDQUOT when adding bytes (against used + reserved) or inodes would pass the volume's or the
  // tenant's quota (0 = unlimited).
  Status CheckQuota(uint64_t bytes, uint64_t inodes);
  // Moves usage.bytes, usage.inodes and usage.reserved_bytes of the volume and its tenant.
  Status Charge(int64_t bytes, int64_t inodes, int64_t reserved);
  // Writes the changed volume and tenant records into the batch.
  Status Flush();

 private:
  KvReader* const reader_;
  KvBatch* const batch_;
  const MetaEnv env_;
  const int64_t now_ns_;
  std::vector<std::function<void()>> hooks_;
  bool sync_needed_ = true;
  bool force_sync_ = false;
  int64_t retry_at_ms_ = 0;
  std::optional<rec::Session> session_;
  std::optional<rec::Volume> volume_;
  std::optional<rec::Tenant> tenant_;
  bool volume_dirty_ = false;
  bool tenant_dirty_ = false;
};

template <typename T>
StatusOr<std::optional<T>> OpContext::Find(std::string_view key) {
  auto v = reader_->Get(key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<T>();
  T rec;
  if (!rec.ParseFromString(**v)) return Err(EIO, "corrupt record under key of family '{}'", key.substr(0, 1));
  return std::optional<T>(std::move(rec));
}

// Ids a counter reserves on disk at a time (OpContext::NextId).
inline constexpr uint64_t kIdReservation = 4096;
// At start, before any op runs: moves every counter up to its reservation, so that no id handed out by
// a reply a power failure lost is handed out again. Synced.
Status RecoverCounters(KvStore* kv);

// Adds v to a counter, saturating at 0 (a negative delta larger than the counter leaves 0).
uint64_t AddClamped(uint64_t counter, int64_t delta);

}  // namespace weft::meta
