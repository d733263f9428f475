// BenchFs: the file-system surface the benchmarks drive, with two implementations — libweft directly
// (lib_fs.cc) and plain POSIX calls on a directory, which is how a FUSE mount or a local file system is
// measured (posix_fs.cc). Directories are handles (an inode, or an open directory fd) so that no
// operation pays for a path walk the other implementation does not.
//
// Thread-safety: a BenchFs may be shared by threads (libweft Clients are thread-safe; POSIX calls are);
// a File is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/weft_bench/options.h"
#include "common/status.h"

namespace weft::bench {

struct Dir {
  uint64_t ino = 0;  // libweft
  int fd = -1;       // POSIX: an O_DIRECTORY descriptor
};

struct File {
  void* handle = nullptr;  // libweft FileHandle*
  int fd = -1;             // POSIX
};

enum class OpenMode {
  kCreateWrite,  // O_CREAT | O_TRUNC | O_WRONLY
  kRead,         // O_RDONLY
  kReadWrite,    // O_RDWR (the file exists)
};

class BenchFs {
 public:
  virtual ~BenchFs() = default;

  // The directory the benchmark works in (--dir, or --path inside the volume). Caller closes it.
  virtual StatusOr<Dir> Root() = 0;
  // mkdir (mode 0755); with open, also returns a handle to the new directory.
  virtual StatusOr<Dir> MakeDir(const Dir& parent, const std::string& name, bool open = true) = 0;
  virtual StatusOr<Dir> OpenDir(const Dir& parent, const std::string& name) = 0;
  virtual void CloseDir(Dir& dir) = 0;
  virtual Status RemoveDir(const Dir& parent, const std::string& name) = 0;

  virtual StatusOr<File> Open(const Dir& parent, const std::string& name, OpenMode mode) = 0;
  // Writes all n bytes at off.
  virtual Status Write(File& f, uint64_t off, const char* buf, size_t n) = 0;
  // Reads up to n bytes at off; short only at end of file.
  virtual StatusOr<size_t> Read(File& f, uint64_t off, char* buf, size_t n) = 0;
  virtual Status Fsync(File& f) = 0;
  virtual Status Close(File& f) = 0;

  // mdtest's create: an empty file created, opened and closed.
  virtual Status CreateEmpty(const Dir& parent, const std::string& name) = 0;
  // stat(2) of a name in a directory; returns its size.
  virtual StatusOr<uint64_t> Stat(const Dir& parent, const std::string& name) = 0;
  // Reads the whole directory; returns the number of entries (without . and ..).
  virtual StatusOr<size_t> List(const Dir& dir) = 0;
  virtual Status Rename(const Dir& from, const std::string& name, const Dir& to, const std::string& new_name) = 0;
  virtual Status Unlink(const Dir& parent, const std::string& name) = 0;
};

// One BenchFs per client thread, as the options ask: libweft Clients (one each, or one shared), or POSIX.
// Errors: those of libweft's Connect, or ENOENT/ENOTDIR for a missing --dir.
StatusOr<std::vector<std::shared_ptr<BenchFs>>> MakeClients(const CommonOptions& opts, int count);

std::unique_ptr<BenchFs> NewPosixFs(const std::string& dir, bool direct);
StatusOr<std::unique_ptr<BenchFs>> NewLibFs(const CommonOptions& opts);

// `sync; echo 3 > /proc/sys/vm/drop_caches`. EACCES when not root.
Status DropCaches();

}  // namespace weft::bench
