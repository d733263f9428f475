// libweft: the one client of weft. FUSE, CSI, weftctl and the benchmarks use this header and nothing
// else of client/. A Client is one mounted volume (a metadata session) plus the data path to the chunk
// servers: pooled, pipelined connections, write-back buffering that turns small writes into chunk-sized
// ones, readahead for sequential reads, close-to-open consistency.
//
// Inodes are the volume's own ids; root_ino() names the volume's root directory. Every call returns an
// errno-carrying Status (common/status.h): ENOENT, EEXIST, EDQUOT, EROFS, EACCES... as POSIX means them.
//
// Thread-safety: a Client and its methods are thread-safe. A FileHandle may be used from several
// threads (the FUSE kernel sends concurrent reads and writes on one handle); it is closed exactly once.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "weft/common.pb.h"
#include "weft/meta.pb.h"

namespace weft {

struct ClientOptions {
  std::string meta_address;           // weft-meta host:port (required)
  std::string token;                  // bearer token; "" = none
  std::string tls_ca_file;            // PEM CA of the cluster's servers: TLS on both planes; "" = plain TCP
  std::string volume;                 // the volume to mount (required)
  std::string client_name;            // shown in listings; default: host name
  bool read_only = false;             // mount read-only; default false
  uint32_t rpc_timeout_ms = 10000;    // per metadata RPC attempt; default 10 s
  uint32_t retry_window_ms = 60000;   // how long unavailable servers are retried before EIO; default 60 s
  uint32_t io_threads = 1;            // data-plane event-loop threads; default 1
  // Uncached reads are tried first on the calling thread over a blocking socket (plain TCP only; with TLS
  // they go through the event loops). Default on.
  bool blocking_reads = true;
  uint64_t write_buffer_bytes = 256ull << 20;  // buffered + in-flight write bytes per client; default 256 MiB
  uint32_t readahead_bytes = 8u << 20;         // sequential readahead window per handle; default 8 MiB
  // Readahead held by all handles together (blocks fetched ahead of their readers); past it a handle
  // reads only what is asked until others' blocks are consumed. Default 256 MiB.
  uint64_t readahead_total_bytes = 256ull << 20;
  uint32_t attr_cache_ms = 1000;      // attribute/dentry cache TTL inside the library; default 1 s (0 = off)
  uint32_t data_timeout_ms = 30000;   // per data request attempt; default 30 s
  // After a call that changes a directory, the directory's attributes in its reply answer the next
  // GetAttr of it, once, within this many ms; default 0 = off. weft-mount sets it to the kernel's
  // attribute timeout: the kernel asks for a directory's attributes again after each change in it.
  uint32_t dir_hint_ms = 0;
  // Close of a handle with nothing left to commit: queued and sent with others in one metadata call
  // within this many ms, instead of one call per close (client/close_batcher.h); default 0 = every
  // close is its own call, done when Close returns. weft-mount sets it: FUSE's release is already
  // asynchronous to close(2). Unlink, rename and statfs send the queued closes first.
  uint32_t close_batch_ms = 0;
  // Directory leases (client/leased_dirs.h): this client asks for a lease on each directory it makes,
  // and while one holds, answers lookups there of names it did not add with ENOENT itself (exact: no
  // other client can add a name there meanwhile; one that tries waits for the lease to end, at most
  // weft-meta's --dir-lease-ms). Halves the metadata calls of creating files through a mount in a
  // directory it made. Default on.
  bool dir_leases = true;
  // Deferred creates (client/deferred_creates.h, docs/async-creates.md): a create of a regular file in a
  // directory this client holds the lease on is answered here, with an inode number weft-meta reserved
  // for the session, and sent to weft-meta in a batch within a few ms. Another client's lookup or
  // listing of that directory waits for the lease (at most weft-meta's --dir-lease-ms), as an add does.
  // A create weft-meta refuses after it was answered (the lease lost first, weft-meta gone past the
  // retry window) is reported as EIO at the file's flush, fsync or close. Needs dir_leases. Default off.
  bool deferred_creates = false;
  // The longest a deferred create waits on this side before its batch leaves (a batch also leaves at
  // 256 creates, and before any other metadata call). Must stay well below weft-meta's --dir-lease-ms.
  uint32_t deferred_create_delay_ms = 5;
  // Deferred unlinks (with deferred_creates): an unlink of a regular file this client put in a directory
  // it holds the lease on (created there, or renamed in, under the lease), with no handle open on it
  // here, is answered here and sent in the same batches, in order with the creates. Another client's
  // unlink or rename out of such a directory recalls the lease first, as a read does. An unlink weft-meta
  // refuses after it was answered (another client changed the directory's permissions meanwhile) leaves
  // the file and is logged. Needs a weft-meta that takes them (it says so when it reserves inodes).
  // Default on.
  bool deferred_unlinks = true;
};

// The memory a client process may use, as weft-mount's --memory-budget-mb sets it: kClientReserveBytes
// for the process itself (code, threads, FUSE and socket buffers, the caches bounded by entry counts),
// and of the rest at most half for write buffers and a quarter for readahead (the last quarter is
// headroom for the allocator). Lowers write_buffer_bytes, readahead_total_bytes and readahead_bytes to
// fit; never raises them. EINVAL when the budget leaves less than 32 MiB beyond the reserve.
inline constexpr uint64_t kClientReserveBytes = 64ull << 20;
Status FitMemoryBudget(uint64_t budget_bytes, ClientOptions* o);

// An open file. Opaque; obtain from Open/Create, release with Close.
class FileHandle;

struct DirPage {
  std::vector<DirEntry> entries;
  std::string next_cookie;
  bool eof = false;
};

struct CreateResult {
  Attr attr;
  FileHandle* handle = nullptr;  // set when opened
};

class Client {
 public:
  // Connects to weft-meta, mounts the volume (starts a session with keepalives) and loads the chain
  // table. Errors: ENOENT (no such volume), EBUSY (exclusive volume already mounted), ENOTCONN/ETIMEDOUT.
  static StatusOr<std::unique_ptr<Client>> Connect(const ClientOptions& options);
  virtual ~Client() = default;  // ends the session; REQUIRES: every FileHandle closed

  virtual uint64_t root_ino() const = 0;
  virtual uint64_t volume_id() const = 0;
  virtual uint32_t chunk_size() const = 0;
  virtual bool read_only() const = 0;

  // --- namespace (the caller's uid/gid decide permissions on the metadata service) ---
  virtual StatusOr<Attr> Lookup(const Caller& c, uint64_t parent, std::string_view name) = 0;
  virtual StatusOr<Attr> GetAttr(const Caller& c, uint64_t ino) = 0;
  // req.ino/mask and fields as SetAttrRequest; a size change truncates or extends the data first.
  virtual StatusOr<Attr> SetAttr(const Caller& c, SetAttrRequest req, FileHandle* fh = nullptr) = 0;
  virtual StatusOr<Attr> Mknod(const Caller& c, uint64_t parent, std::string_view name, mode_t mode,
                               dev_t rdev, mode_t umask) = 0;
  // Creates (and with open, opens) a regular file. exclusive = O_EXCL.
  virtual StatusOr<CreateResult> Create(const Caller& c, uint64_t parent, std::string_view name, mode_t mode,
                                        mode_t umask, int open_flags, bool exclusive, bool open) = 0;
  virtual StatusOr<Attr> Mkdir(const Caller& c, uint64_t parent, std::string_view name, mode_t mode,
                               mode_t umask) = 0;
  // Returns the unlinked inode's attributes afterwards (nlink may be 0).
  virtual StatusOr<Attr> Unlink(const Caller& c, uint64_t parent, std::string_view name) = 0;
  virtual Status Rmdir(const Caller& c, uint64_t parent, std::string_view name) = 0;
  virtual StatusOr<RenameResponse> Rename(const Caller& c, uint64_t parent, std::string_view name,
                                          uint64_t new_parent, std::string_view new_name, uint32_t flags) = 0;
  virtual StatusOr<Attr> Link(const Caller& c, uint64_t ino, uint64_t new_parent, std::string_view new_name) = 0;
  virtual StatusOr<Attr> Symlink(const Caller& c, uint64_t parent, std::string_view name,
                                 std::string_view target) = 0;
  virtual StatusOr<std::string> Readlink(const Caller& c, uint64_t ino) = 0;
  virtual StatusOr<DirPage> ReadDir(const Caller& c, uint64_t ino, std::string_view cookie, uint32_t limit,
                                    bool plus) = 0;
  virtual StatusOr<std::string> GetXattr(const Caller& c, uint64_t ino, std::string_view name) = 0;
  virtual Status SetXattr(const Caller& c, uint64_t ino, std::string_view name, std::string_view value,
                          int flags) = 0;
  virtual StatusOr<std::vector<std::string>> ListXattr(const Caller& c, uint64_t ino) = 0;
  virtual Status RemoveXattr(const Caller& c, uint64_t ino, std::string_view name) = 0;
  virtual StatusOr<StatFsResponse> StatFs() = 0;
  // Makes every namespace change this client made durable (fsyncdir): weft-meta acknowledges a create,
  // unlink, rename, ... once applied and logged, and syncs it within milliseconds or at this call.
  virtual Status SyncNamespace() = 0;

  // --- files ---
  virtual StatusOr<FileHandle*> Open(const Caller& c, uint64_t ino, int flags) = 0;
  // Reads up to size bytes at off into buf; returns the bytes read (short only at end of file).
  virtual StatusOr<size_t> Read(FileHandle* fh, uint64_t off, size_t size, char* buf) = 0;
  // As Read, and when the handle reads at random (not the sequential pattern readahead serves) and size is
  // below `around` (a multiple of 4 KiB), also fetches the rest of the `around`-aligned blocks that hold
  // [off, off+size), in the same requests, clipped to the end of the file. buf must hold
  // ReadAroundCapacity(size, around) bytes. Returns which bytes of the file buf holds from its start;
  // the asked bytes are among them (short only at end of file). weft-mount gives the kernel the rest.
  struct Extent {
    uint64_t off = 0;
    size_t len = 0;
  };
  static constexpr size_t ReadAroundCapacity(size_t size, uint32_t around) { return size + 2 * size_t{around}; }
  virtual StatusOr<Extent> ReadAround(FileHandle* fh, uint64_t off, size_t size, uint32_t around, char* buf) = 0;
  // Buffers (write-back) or sends the bytes. EDQUOT when the quota refuses space; errors of earlier
  // buffered writes surface here or at Flush/Fsync/Close.
  virtual Status Write(FileHandle* fh, uint64_t off, const char* data, size_t size) = 0;
  // Sends buffered data and waits for it; commits the length (close-to-open: other clients see it).
  virtual Status Flush(FileHandle* fh) = 0;
  // As Flush: everything written is durable on every live replica, the length committed durably, and
  // this client's namespace changes (the file's create among them) durable too.
  virtual Status Fsync(FileHandle* fh) = 0;
  // Flushes, commits the final length, releases the handle. fh is invalid afterwards, even on error.
  virtual Status Close(FileHandle* fh) = 0;
  // Reserves [off, off+len) (fallocate mode 0): space grant, and the size grows to cover it.
  virtual Status Allocate(FileHandle* fh, uint64_t off, uint64_t len) = 0;
  // The handle's current view of the file size (including unflushed writes).
  virtual uint64_t HandleSize(FileHandle* fh) = 0;
  virtual uint64_t HandleIno(FileHandle* fh) = 0;
  // Whether the handle was opened for writing.
  virtual bool HandleWritable(FileHandle* fh) = 0;

  // --- path helpers for tools (weftctl, bench): resolve "/a/b" from the root ---
  virtual StatusOr<Attr> ResolvePath(const Caller& c, std::string_view path) = 0;
};

// The caller as root (tools, tests).
Caller RootCaller();

}  // namespace weft
