// BenchFs over plain POSIX calls on a directory: a FUSE mount (weft-mount, mfsmount) or a local file
// system. Directory handles are O_DIRECTORY descriptors and every call is the *at() form, so a name is
// resolved in its directory only, as a FUSE lookup would be.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "bench/weft_bench/bench_fs.h"

namespace weft::bench {
namespace {

Status Errno(std::string_view what, const std::string& name) {
  int e = errno;
  return Err(e, "{} {}: {}", what, name, strerror(e));
}

class PosixFs final : public BenchFs {
 public:
  PosixFs(std::string dir, bool direct) : dir_(std::move(dir)), direct_(direct) {}

  StatusOr<Dir> Root() override {
    int fd = open(dir_.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open", dir_);
    return Dir{.fd = fd};
  }

  StatusOr<Dir> MakeDir(const Dir& parent, const std::string& name, bool open_it) override {
    if (mkdirat(parent.fd, name.c_str(), 0755) != 0) return Errno("mkdir", name);
    if (!open_it) return Dir{};
    return OpenDir(parent, name);
  }

  StatusOr<Dir> OpenDir(const Dir& parent, const std::string& name) override {
    int fd = openat(parent.fd, name.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open", name);
    return Dir{.fd = fd};
  }

  void CloseDir(Dir& dir) override {
    if (dir.fd >= 0) close(dir.fd);
    dir.fd = -1;
  }

  Status RemoveDir(const Dir& parent, const std::string& name) override {
    if (unlinkat(parent.fd, name.c_str(), AT_REMOVEDIR) != 0) return Errno("rmdir", name);
    return Status::Ok();
  }

  StatusOr<File> Open(const Dir& parent, const std::string& name, OpenMode mode) override {
    int flags = O_CLOEXEC | (direct_ ? O_DIRECT : 0);
    switch (mode) {
      case OpenMode::kCreateWrite: flags |= O_CREAT | O_TRUNC | O_WRONLY; break;
      case OpenMode::kRead: flags |= O_RDONLY; break;
      case OpenMode::kReadWrite: flags |= O_RDWR; break;
    }
    int fd = openat(parent.fd, name.c_str(), flags, 0644);
    if (fd < 0) return Errno("open", name);
    return File{.fd = fd};
  }

  Status Write(File& f, uint64_t off, const char* buf, size_t n) override {
    while (n > 0) {
      ssize_t w = pwrite(f.fd, buf, n, static_cast<off_t>(off));
      if (w < 0) {
        if (errno == EINTR) continue;
        return Errno("pwrite", "at " + std::to_string(off));
      }
      buf += w;
      off += static_cast<uint64_t>(w);
      n -= static_cast<size_t>(w);
    }
    return Status::Ok();
  }

  StatusOr<size_t> Read(File& f, uint64_t off, char* buf, size_t n) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = pread(f.fd, buf + done, n - done, static_cast<off_t>(off + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Errno("pread", "at " + std::to_string(off + done));
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Status Fsync(File& f) override {
    if (fsync(f.fd) != 0) return Errno("fsync", "fd " + std::to_string(f.fd));
    return Status::Ok();
  }

  Status Close(File& f) override {
    int rc = close(f.fd);
    f.fd = -1;
    if (rc != 0) return Errno("close", "file");
    return Status::Ok();
  }

  Status CreateEmpty(const Dir& parent, const std::string& name) override {
    int fd = openat(parent.fd, name.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("create", name);
    if (close(fd) != 0) return Errno("close", name);
    return Status::Ok();
  }

  StatusOr<uint64_t> Stat(const Dir& parent, const std::string& name) override {
    struct stat st {};
    if (fstatat(parent.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Errno("stat", name);
    return static_cast<uint64_t>(st.st_size);
  }

  StatusOr<size_t> List(const Dir& dir) override {
    // fdopendir takes the descriptor over, so list through a fresh one.
    int fd = openat(dir.fd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("open", ".");
    DIR* d = fdopendir(fd);
    if (!d) {
      close(fd);
      return Errno("fdopendir", ".");
    }
    size_t n = 0;
    errno = 0;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
      ++n;
    }
    Status s = errno ? Errno("readdir", ".") : Status::Ok();
    closedir(d);
    if (!s.ok()) return s;
    return n;
  }

  Status Rename(const Dir& from, const std::string& name, const Dir& to, const std::string& new_name) override {
    if (renameat(from.fd, name.c_str(), to.fd, new_name.c_str()) != 0) return Errno("rename", name);
    return Status::Ok();
  }

  Status Unlink(const Dir& parent, const std::string& name) override {
    if (unlinkat(parent.fd, name.c_str(), 0) != 0) return Errno("unlink", name);
    return Status::Ok();
  }

 private:
  const std::string dir_;
  const bool direct_;
};

}  // namespace

std::unique_ptr<BenchFs> NewPosixFs(const std::string& dir, bool direct) {
  return std::make_unique<PosixFs>(dir, direct);
}

Status DropCaches() {
  sync();
  FILE* f = fopen("/proc/sys/vm/drop_caches", "w");
  if (!f) return Err(errno, "drop caches: /proc/sys/vm/drop_caches: {} (needs root)", strerror(errno));
  bool ok = fputs("3\n", f) >= 0;
  ok = (fclose(f) == 0) && ok;
  if (!ok) return Err(EIO, "drop caches: write failed");
  return Status::Ok();
}

}  // namespace weft::bench
