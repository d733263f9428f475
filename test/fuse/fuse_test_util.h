// Helpers for tests on a real weft FUSE mount.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "test/fixture/cluster.h"

namespace weft::test {

// A 1+3 cluster with tenant "t", volume "v" (replication 3 unless spec says otherwise) mounted.
struct MountedCluster {
  explicit MountedCluster(VolumeSpec spec = {}, ClusterOptions opts = {}) : cluster(opts) {
    cluster.CreateTenant("t");
    cluster.CreateVolume("v", "t", spec);
    mnt = cluster.Mount("v");
  }
  std::string Path(const std::string& rel) const { return mnt + "/" + rel; }
  TestCluster cluster;
  std::string mnt;
};

inline std::string RandomData(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = static_cast<char>(v >> (8 * j));
  }
  return s;
}

// Writes data to path (O_CREAT|O_TRUNC), fsyncs if asked. Returns 0 or errno.
inline int WriteFile(const std::string& path, const std::string& data, bool fsync_it = false, mode_t mode = 0644) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return errno;
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return e;
    }
    off += static_cast<size_t>(n);
  }
  if (fsync_it && ::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    return e;
  }
  return ::close(fd) == 0 ? 0 : errno;
}

// The names in a directory, "." and ".." left out. REQUIREs that it opens.
inline std::set<std::string> List(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.insert(n);
  }
  closedir(d);
  return out;
}

// Reads a whole file; sets *err (0 or errno).
inline std::string ReadFile(const std::string& path, int* err = nullptr) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    if (err) *err = errno;
    return "";
  }
  std::string out;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  if (err) *err = n < 0 ? errno : 0;
  ::close(fd);
  return out;
}

// Runs fn in a forked child with the given credentials; returns what fn returns (an errno, 0 = ok),
// or 255 when the child could not switch users.
inline int RunAs(uid_t uid, gid_t gid, const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid == 0) {
    gid_t groups[1] = {gid};
    if (setgroups(1, groups) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) _exit(255);
    _exit(fn() & 0xff);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 254;
}

inline int ErrOf(int rc) { return rc == 0 ? 0 : errno; }

inline std::string Sh(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  int r = RunCommand(cmd, &out);
  if (rc) *rc = r;
  return out;
}

}  // namespace weft::test
