// POSIX behaviour through a real weft FUSE mount.
#include <catch2/catch.hpp>
#include <dirent.h>
#include <limits.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <cstring>
#include <set>
#include <vector>
#include <thread>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

namespace {
struct stat Stat(const std::string& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st;
}
}  // namespace

TEST_CASE("files and directories: create, write, read back, list, remove", "[fuse][integration]") {
  MountedCluster m;
  std::string data = RandomData(3 * 1024 * 1024 + 17, 1);
  REQUIRE(WriteFile(m.Path("a.bin"), data) == 0);
  CHECK(ReadFile(m.Path("a.bin")) == data);
  CHECK(Stat(m.Path("a.bin")).st_size == static_cast<off_t>(data.size()));
  REQUIRE(::mkdir(m.Path("d").c_str(), 0755) == 0);
  REQUIRE(::mkdir(m.Path("d/e").c_str(), 0700) == 0);
  REQUIRE(WriteFile(m.Path("d/e/f"), "hello") == 0);
  CHECK(List(m.Path("d")) == std::set<std::string>{"e"});
  CHECK(S_ISDIR(Stat(m.Path("d/e")).st_mode));
  CHECK((Stat(m.Path("d/e")).st_mode & 07777) == 0700);
  CHECK(Stat(m.Path("d")).st_nlink == 3);  // ., its entry, e/..
  CHECK(ErrOf(::rmdir(m.Path("d/e").c_str())) == ENOTEMPTY);
  CHECK(ErrOf(::mkdir(m.Path("d").c_str(), 0755)) == EEXIST);
  CHECK(ErrOf(::open(m.Path("d/e/f").c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644)) == EEXIST);
  CHECK(ErrOf(::unlink(m.Path("d").c_str())) == EISDIR);
  CHECK(ErrOf(::rmdir(m.Path("a.bin").c_str())) == ENOTDIR);
  CHECK(ErrOf(::open(m.Path("nope/x").c_str(), O_RDONLY)) == ENOENT);
  REQUIRE(::unlink(m.Path("d/e/f").c_str()) == 0);
  REQUIRE(::rmdir(m.Path("d/e").c_str()) == 0);
  REQUIRE(::rmdir(m.Path("d").c_str()) == 0);
  CHECK(List(m.mnt) == std::set<std::string>{"a.bin"});
  // A big directory lists completely across readdir pages.
  REQUIRE(::mkdir(m.Path("big").c_str(), 0755) == 0);
  std::set<std::string> want;
  for (int i = 0; i < 1500; ++i) {
    std::string n = "file-with-a-longish-name-" + std::to_string(i);
    REQUIRE(WriteFile(m.Path("big/" + n), "") == 0);
    want.insert(n);
  }
  CHECK(List(m.Path("big")) == want);
}

TEST_CASE("a listing returns each entry once across pages while the directory changes and seekdir and rewinddir hold",
          "[fuse][integration]") {
  MountedCluster m;
  REQUIRE(::mkdir(m.Path("dir").c_str(), 0755) == 0);
  for (int i = 0; i < 1000; ++i) REQUIRE(WriteFile(m.Path("dir/n" + std::to_string(i)), "") == 0);
  DIR* d = opendir(m.Path("dir").c_str());
  REQUIRE(d != nullptr);
  std::vector<std::string> seen;
  long at50 = -1;
  std::string after50;
  auto next = [&]() -> std::string {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") return n;
    }
    return "";
  };
  for (int i = 0; i < 100; ++i) {
    if (i == 50) at50 = telldir(d);
    seen.push_back(next());
    if (i == 50) after50 = seen.back();
  }
  // Changes in the middle of the listing: entries that existed throughout must all come, once each.
  for (int i = 0; i < 10; ++i) {
    REQUIRE(WriteFile(m.Path("dir/late" + std::to_string(i)), "") == 0);
    REQUIRE(::unlink(m.Path("dir/n" + std::to_string(i * 97)).c_str()) == 0);
  }
  for (std::string n = next(); !n.empty(); n = next()) seen.push_back(n);
  std::set<std::string> once(seen.begin(), seen.end());
  CHECK(once.size() == seen.size());
  for (int i = 0; i < 1000; ++i) {
    if (i % 97 != 0 || i / 97 >= 10) CHECK(once.count("n" + std::to_string(i)) == 1);
  }
  // seekdir back to a remembered position resumes there.
  seekdir(d, at50);
  CHECK(next() == after50);
  // rewinddir lists the directory as it is now, exactly.
  rewinddir(d);
  std::set<std::string> now;
  for (std::string n = next(); !n.empty(); n = next()) now.insert(n);
  closedir(d);
  CHECK(now.size() == 1000);
  CHECK(now == List(m.Path("dir")));
  CHECK(now.count("late9") == 1);
  CHECK(now.count("n97") == 0);
}

TEST_CASE("fsync of a directory or a file makes the changes before it durable", "[fuse][integration]") {
  // The background sync is 10 s away: the syncs counted below are the ones fsync asked for.
  MountedCluster m(VolumeSpec{}, ClusterOptions{.meta_args = {"--sync-interval-ms", "10000"}});
  REQUIRE(::mkdir(m.Path("d").c_str(), 0755) == 0);
  REQUIRE(WriteFile(m.Path("d/f"), "") == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // its batched close goes out
  const uint64_t before = m.cluster.ClusterStatus().meta_requested_syncs();
  int dir = ::open(m.Path("d").c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(dir >= 0);
  CHECK(::fsync(dir) == 0);
  CHECK(m.cluster.ClusterStatus().meta_requested_syncs() == before + 1);
  CHECK(::fsync(dir) == 0);  // nothing changed since: no call
  CHECK(m.cluster.ClusterStatus().meta_requested_syncs() == before + 1);
  ::close(dir);
  REQUIRE(::rename(m.Path("d/f").c_str(), m.Path("d/g").c_str()) == 0);
  int fd = ::open(m.Path("d/g").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  CHECK(::fsync(fd) == 0);
  ::close(fd);
  CHECK(m.cluster.ClusterStatus().meta_requested_syncs() >= before + 2);
}

TEST_CASE("names: NAME_MAX 255 and PATH_MAX 4096", "[fuse][integration]") {
  MountedCluster m;
  std::string ok(255, 'n'), too_long(256, 'n');
  CHECK(WriteFile(m.Path(ok), "x") == 0);
  CHECK(WriteFile(m.Path(too_long), "x") == ENAMETOOLONG);
  CHECK(ErrOf(::mkdir(m.Path(too_long).c_str(), 0755)) == ENAMETOOLONG);
  // A symlink target up to PATH_MAX - 1 bytes round-trips; longer is refused.
  std::string target(PATH_MAX - 1, 't');
  REQUIRE(::symlink(target.c_str(), m.Path("long-link").c_str()) == 0);
  std::string buf(PATH_MAX + 10, '\0');
  ssize_t n = ::readlink(m.Path("long-link").c_str(), buf.data(), buf.size());
  CHECK(n == PATH_MAX - 1);
  CHECK(ErrOf(::symlink(std::string(PATH_MAX, 't').c_str(), m.Path("too-long-link").c_str())) == ENAMETOOLONG);
}

TEST_CASE("rename: within and across directories, replacing, flags, loops", "[fuse][integration]") {
  MountedCluster m;
  REQUIRE(::mkdir(m.Path("a").c_str(), 0755) == 0);
  REQUIRE(::mkdir(m.Path("b").c_str(), 0755) == 0);
  REQUIRE(WriteFile(m.Path("a/f"), "one") == 0);
  REQUIRE(WriteFile(m.Path("b/g"), "two") == 0);
  REQUIRE(::rename(m.Path("a/f").c_str(), m.Path("a/f2").c_str()) == 0);
  REQUIRE(::rename(m.Path("a/f2").c_str(), m.Path("b/g").c_str()) == 0);  // over an existing file
  CHECK(ReadFile(m.Path("b/g")) == "one");
  CHECK(List(m.Path("a")).empty());
  REQUIRE(WriteFile(m.Path("a/x"), "x") == 0);
  CHECK(ErrOf(::renameat2(AT_FDCWD, m.Path("a/x").c_str(), AT_FDCWD, m.Path("b/g").c_str(), RENAME_NOREPLACE)) == EEXIST);
  REQUIRE(::renameat2(AT_FDCWD, m.Path("a/x").c_str(), AT_FDCWD, m.Path("b/g").c_str(), RENAME_EXCHANGE) == 0);
  CHECK(ReadFile(m.Path("a/x")) == "one");
  CHECK(ReadFile(m.Path("b/g")) == "x");
  REQUIRE(::mkdir(m.Path("a/sub").c_str(), 0755) == 0);
  CHECK(ErrOf(::rename(m.Path("a").c_str(), m.Path("a/sub/inside").c_str())) == EINVAL);
  CHECK(ErrOf(::rename(m.Path("a/x").c_str(), m.Path("a/sub").c_str())) == EISDIR);
  CHECK(ErrOf(::rename(m.Path("a/sub").c_str(), m.Path("b/g").c_str())) == ENOTDIR);
  REQUIRE(::mkdir(m.Path("b/full").c_str(), 0755) == 0);
  REQUIRE(WriteFile(m.Path("b/full/f"), "f") == 0);
  CHECK(ErrOf(::rename(m.Path("a/sub").c_str(), m.Path("b/full").c_str())) == ENOTEMPTY);
  REQUIRE(::mkdir(m.Path("b/empty").c_str(), 0755) == 0);
  REQUIRE(::rename(m.Path("a/sub").c_str(), m.Path("b/empty").c_str()) == 0);  // dir over empty dir
  CHECK(Stat(m.Path("a")).st_nlink == 2);
  CHECK(Stat(m.Path("b")).st_nlink == 4);  // full, empty
  // ctime of the moved inode changes right away.
  struct stat before = Stat(m.Path("b/g"));
  usleep(20000);
  REQUIRE(::rename(m.Path("b/g").c_str(), m.Path("b/g2").c_str()) == 0);
  struct stat after = Stat(m.Path("b/g2"));
  CHECK((after.st_ctim.tv_sec > before.st_ctim.tv_sec ||
         (after.st_ctim.tv_sec == before.st_ctim.tv_sec && after.st_ctim.tv_nsec > before.st_ctim.tv_nsec)));
}

TEST_CASE("a directory's attributes are fresh right after each change in it", "[fuse][integration]") {
  // The kernel asks for a directory's attributes after each change in it; weft-mount answers from the
  // change's reply (client/dir_hints.h). What it answers must be what the metadata service holds.
  MountedCluster m;
  REQUIRE(::mkdir(m.Path("d").c_str(), 0755) == 0);
  auto later_or_same = [](const struct stat& a, const struct stat& b) {
    return a.st_mtim.tv_sec > b.st_mtim.tv_sec ||
           (a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec >= b.st_mtim.tv_nsec);
  };
  struct stat prev = Stat(m.Path("d"));
  CHECK(prev.st_nlink == 2);
  REQUIRE(::mkdir(m.Path("d/x").c_str(), 0755) == 0);
  struct stat st = Stat(m.Path("d"));
  CHECK(st.st_nlink == 3);
  CHECK(later_or_same(st, prev));
  prev = st;
  REQUIRE(WriteFile(m.Path("d/f"), "") == 0);
  st = Stat(m.Path("d"));
  CHECK(later_or_same(st, prev));
  prev = st;
  REQUIRE(::rename(m.Path("d/x").c_str(), m.Path("y").c_str()) == 0);
  st = Stat(m.Path("d"));
  CHECK(st.st_nlink == 2);
  CHECK(later_or_same(st, prev));
  REQUIRE(::rename(m.Path("y").c_str(), m.Path("d/y").c_str()) == 0);
  CHECK(Stat(m.Path("d")).st_nlink == 3);
  REQUIRE(::rmdir(m.Path("d/y").c_str()) == 0);
  CHECK(Stat(m.Path("d")).st_nlink == 2);
  REQUIRE(::unlink(m.Path("d/f").c_str()) == 0);
  REQUIRE(::chmod(m.Path("d").c_str(), 0700) == 0);
  CHECK((Stat(m.Path("d")).st_mode & 07777) == 0700);
  CHECK(List(m.Path("d")).empty());
  // A removed directory's attributes never come from an earlier change's reply.
  int fd = ::open(m.Path("d").c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 0);
  REQUIRE(::mkdir(m.Path("d/z").c_str(), 0755) == 0);
  REQUIRE(::rmdir(m.Path("d/z").c_str()) == 0);
  REQUIRE(::rmdir(m.Path("d").c_str()) == 0);
  struct stat gone {};
  int rc = ::fstat(fd, &gone);
  CHECK((rc != 0 || gone.st_nlink == 0));
  ::close(fd);
}

TEST_CASE("hard links and symlinks: nlink fresh, readlink, unlink keeps the other name", "[fuse][integration]") {
  MountedCluster m;
  REQUIRE(WriteFile(m.Path("f"), "data") == 0);
  REQUIRE(::link(m.Path("f").c_str(), m.Path("g").c_str()) == 0);
  CHECK(Stat(m.Path("f")).st_nlink == 2);
  CHECK(Stat(m.Path("g")).st_ino == Stat(m.Path("f")).st_ino);
  REQUIRE(::unlink(m.Path("f").c_str()) == 0);
  CHECK(Stat(m.Path("g")).st_nlink == 1);
  CHECK(ReadFile(m.Path("g")) == "data");
  REQUIRE(::mkdir(m.Path("dir").c_str(), 0755) == 0);
  CHECK(ErrOf(::link(m.Path("dir").c_str(), m.Path("dirlink").c_str())) == EPERM);
  REQUIRE(::symlink("g", m.Path("s").c_str()) == 0);
  char buf[64] = {};
  CHECK(::readlink(m.Path("s").c_str(), buf, sizeof buf) == 1);
  CHECK(std::string(buf) == "g");
  CHECK(S_ISLNK(Stat(m.Path("s")).st_mode));
  CHECK(ReadFile(m.Path("s")) == "data");
  CHECK(ErrOf(::symlink("x", m.Path("g").c_str())) == EEXIST);
}

TEST_CASE("attributes: chmod, chown, utimensat with NOW/OMIT and nanoseconds, truncate", "[fuse][integration]") {
  MountedCluster m;
  REQUIRE(WriteFile(m.Path("f"), "0123456789") == 0);
  REQUIRE(::chmod(m.Path("f").c_str(), 0640) == 0);
  CHECK((Stat(m.Path("f")).st_mode & 07777) == 0640);
  REQUIRE(::chown(m.Path("f").c_str(), 1234, 5678) == 0);
  CHECK(Stat(m.Path("f")).st_uid == 1234);
  CHECK(Stat(m.Path("f")).st_gid == 5678);
  struct timespec ts[2] = {{1000000000, 123456789}, {1100000000, 987654321}};
  REQUIRE(::utimensat(AT_FDCWD, m.Path("f").c_str(), ts, 0) == 0);
  struct stat st = Stat(m.Path("f"));
  CHECK(st.st_atim.tv_sec == 1000000000);
  CHECK(st.st_atim.tv_nsec == 123456789);
  CHECK(st.st_mtim.tv_sec == 1100000000);
  CHECK(st.st_mtim.tv_nsec == 987654321);
  struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  REQUIRE(::utimensat(AT_FDCWD, m.Path("f").c_str(), omit_now, 0) == 0);
  st = Stat(m.Path("f"));
  CHECK(st.st_atim.tv_sec == 1000000000);
  CHECK(st.st_mtim.tv_sec >= time(nullptr) - 5);
  REQUIRE(::truncate(m.Path("f").c_str(), 4) == 0);
  CHECK(ReadFile(m.Path("f")) == "0123");
  REQUIRE(::truncate(m.Path("f").c_str(), 8) == 0);
  CHECK(ReadFile(m.Path("f")) == std::string("0123\0\0\0\0", 8));  // old bytes do not come back
  CHECK(ErrOf(::truncate(m.mnt.c_str(), 0)) == EISDIR);
}

TEST_CASE("special files: fifo, socket, character and block devices", "[fuse][integration]") {
  MountedCluster m;
  REQUIRE(::mkfifo(m.Path("fifo").c_str(), 0600) == 0);
  CHECK(S_ISFIFO(Stat(m.Path("fifo")).st_mode));
  REQUIRE(::mknod(m.Path("sock").c_str(), S_IFSOCK | 0600, 0) == 0);
  CHECK(S_ISSOCK(Stat(m.Path("sock")).st_mode));
  REQUIRE(::mknod(m.Path("null2").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  struct stat st = Stat(m.Path("null2"));
  CHECK(S_ISCHR(st.st_mode));
  CHECK(major(st.st_rdev) == 1);
  CHECK(minor(st.st_rdev) == 3);
  REQUIRE(::mknod(m.Path("blk").c_str(), S_IFBLK | 0600, makedev(8, 1)) == 0);
  CHECK(S_ISBLK(Stat(m.Path("blk")).st_mode));
  // The fifo works as a fifo (the kernel handles the data): a writer and a reader meet.
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(m.Path("fifo").c_str(), O_WRONLY);
    (void)!::write(fd, "ping", 4);
    _exit(0);
  }
  int fd = ::open(m.Path("fifo").c_str(), O_RDONLY);
  char buf[8] = {};
  CHECK(::read(fd, buf, sizeof buf) == 4);
  ::close(fd);
  waitpid(pid, nullptr, 0);
}

TEST_CASE("extended attributes: set, get, list, remove, create/replace flags", "[fuse][integration]") {
  MountedCluster m;
  REQUIRE(WriteFile(m.Path("f"), "x") == 0);
  std::string p = m.Path("f");
  REQUIRE(::setxattr(p.c_str(), "user.color", "blue", 4, 0) == 0);
  char buf[64] = {};
  CHECK(::getxattr(p.c_str(), "user.color", buf, sizeof buf) == 4);
  CHECK(std::string(buf, 4) == "blue");
  CHECK(::getxattr(p.c_str(), "user.color", nullptr, 0) == 4);
  CHECK(ErrOf(::setxattr(p.c_str(), "user.color", "red", 3, XATTR_CREATE)) == EEXIST);
  CHECK(ErrOf(::setxattr(p.c_str(), "user.size", "1", 1, XATTR_REPLACE)) == ENODATA);
  REQUIRE(::setxattr(p.c_str(), "user.size", "1", 1, XATTR_CREATE) == 0);
  char list[128] = {};
  ssize_t n = ::listxattr(p.c_str(), list, sizeof list);
  std::set<std::string> names;
  for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(strlen(list + i)) + 1) names.insert(list + i);
  CHECK(names == std::set<std::string>{"user.color", "user.size"});
  CHECK(ErrOf(::getxattr(p.c_str(), "user.color", buf, 2)) == ERANGE);
  REQUIRE(::removexattr(p.c_str(), "user.color") == 0);
  CHECK(ErrOf(::getxattr(p.c_str(), "user.color", buf, sizeof buf)) == ENODATA);
  CHECK(ErrOf(::removexattr(p.c_str(), "user.color")) == ENODATA);
  // The last one goes: the file has none again (answered by weft-mount once a reply said so).
  REQUIRE(::removexattr(p.c_str(), "user.size") == 0);
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK(ErrOf(::getxattr(p.c_str(), "user.size", buf, sizeof buf)) == ENODATA);
  CHECK(::listxattr(p.c_str(), list, sizeof list) == 0);
  CHECK(::listxattr(p.c_str(), nullptr, 0) == 0);
  // And one more at once: this mount's own change is never hidden by what it knew.
  REQUIRE(::setxattr(p.c_str(), "user.again", "1", 1, 0) == 0);
  CHECK(::getxattr(p.c_str(), "user.again", buf, sizeof buf) == 1);
  CHECK(::listxattr(p.c_str(), list, sizeof list) == static_cast<ssize_t>(sizeof "user.again"));
}

TEST_CASE("an xattr set through another mount shows within the attribute timeout", "[fuse][integration]") {
  MountedCluster m;
  std::string second = m.cluster.Mount("v");
  REQUIRE(WriteFile(m.Path("g"), "x") == 0);
  std::string p = m.Path("g");
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  char buf[64] = {};
  CHECK(ErrOf(::getxattr(p.c_str(), "user.k", buf, sizeof buf)) == ENODATA);  // none: known here
  REQUIRE(::setxattr((second + "/g").c_str(), "user.k", "v", 1, 0) == 0);
  // The first mount learns it when its attributes are fetched again: after the 1 s attribute timeout.
  bool seen = false;
  for (int i = 0; i < 50 && !seen; ++i) {
    REQUIRE(::stat(p.c_str(), &st) == 0);
    seen = ::getxattr(p.c_str(), "user.k", buf, sizeof buf) == 1;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(seen);
  CHECK(std::string(buf, 1) == "v");
}

TEST_CASE("statfs reports the volume's quota and usage", "[fuse][integration]") {
  VolumeSpec spec;
  spec.quota_bytes = 1ull << 30;
  spec.quota_inodes = 1000;
  MountedCluster m(spec);
  REQUIRE(WriteFile(m.Path("f"), RandomData(1 << 20, 2)) == 0);
  struct statvfs sv {};
  REQUIRE(::statvfs(m.mnt.c_str(), &sv) == 0);
  CHECK(sv.f_blocks * sv.f_frsize == (1ull << 30));
  CHECK(sv.f_bfree * sv.f_frsize <= (1ull << 30) - (1ull << 20));
  CHECK(sv.f_files == 1000);
  CHECK(sv.f_ffree < 1000);
  CHECK(sv.f_namemax == 255);
}

TEST_CASE("permissions for other users: mode bits, sticky directories, setgid inheritance", "[fuse][integration]") {
  VolumeSpec spec;
  spec.root_mode = 0777;
  MountedCluster m(spec);
  REQUIRE(WriteFile(m.Path("private"), "secret", false, 0600) == 0);
  CHECK(RunAs(1000, 1000, [&] { int e = 0; ReadFile(m.Path("private"), &e); return e; }) == EACCES);
  CHECK(RunAs(1000, 1000, [&] { return WriteFile(m.Path("private"), "x"); }) == EACCES);
  // Files created by a user are theirs.
  REQUIRE(RunAs(1000, 1000, [&] { return WriteFile(m.Path("mine"), "m", false, 0644); }) == 0);
  CHECK(Stat(m.Path("mine")).st_uid == 1000);
  CHECK(Stat(m.Path("mine")).st_gid == 1000);
  CHECK(RunAs(1001, 1001, [&] { return WriteFile(m.Path("mine"), "x"); }) == EACCES);
  CHECK(RunAs(1001, 1001, [&] { return ErrOf(::chmod(m.Path("mine").c_str(), 0777)); }) == EPERM);
  CHECK(RunAs(1000, 1000, [&] { return ErrOf(::chown(m.Path("mine").c_str(), 1001, 1000)); }) == EPERM);
  // A directory without search permission hides its entries.
  REQUIRE(::mkdir(m.Path("closed").c_str(), 0700) == 0);
  REQUIRE(WriteFile(m.Path("closed/f"), "f") == 0);
  CHECK(RunAs(1000, 1000, [&] { struct stat st; return ErrOf(::stat(m.Path("closed/f").c_str(), &st)); }) == EACCES);
  // Sticky directory: others' files cannot be removed or renamed away.
  REQUIRE(::mkdir(m.Path("tmp").c_str(), 01777) == 0);
  REQUIRE(::chmod(m.Path("tmp").c_str(), 01777) == 0);
  REQUIRE(RunAs(1000, 1000, [&] { return WriteFile(m.Path("tmp/a"), "a"); }) == 0);
  CHECK(RunAs(1001, 1001, [&] { return ErrOf(::unlink(m.Path("tmp/a").c_str())); }) == EPERM);
  CHECK(RunAs(1001, 1001, [&] { return ErrOf(::rename(m.Path("tmp/a").c_str(), m.Path("tmp/b").c_str())); }) == EPERM);
  CHECK(RunAs(1000, 1000, [&] { return ErrOf(::unlink(m.Path("tmp/a").c_str())); }) == 0);
  // setgid directory: new entries take the directory's group; subdirectories keep the bit.
  REQUIRE(::mkdir(m.Path("shared").c_str(), 0777) == 0);
  REQUIRE(::chown(m.Path("shared").c_str(), 0, 4242) == 0);
  REQUIRE(::chmod(m.Path("shared").c_str(), 02777) == 0);
  REQUIRE(RunAs(1000, 1000, [&] { return WriteFile(m.Path("shared/f"), "f"); }) == 0);
  CHECK(Stat(m.Path("shared/f")).st_gid == 4242);
  REQUIRE(RunAs(1000, 1000, [&] { return ErrOf(::mkdir(m.Path("shared/sub").c_str(), 0755)); }) == 0);
  CHECK(Stat(m.Path("shared/sub")).st_gid == 4242);
  CHECK((Stat(m.Path("shared/sub")).st_mode & S_ISGID) != 0);
}

TEST_CASE("SUID and SGID are cleared by chown and by a write from another user", "[fuse][integration]") {
  VolumeSpec spec;
  spec.root_mode = 0777;
  MountedCluster m(spec);
  REQUIRE(WriteFile(m.Path("prog"), "#!/bin/sh\n", false, 0755) == 0);
  REQUIRE(::chmod(m.Path("prog").c_str(), 06777) == 0);
  REQUIRE(::chown(m.Path("prog").c_str(), 1000, 1000) == 0);
  CHECK((Stat(m.Path("prog")).st_mode & (S_ISUID | S_ISGID)) == 0);
  REQUIRE(::chmod(m.Path("prog").c_str(), 06777) == 0);
  REQUIRE(RunAs(1001, 1001, [&] {
            int fd = ::open(m.Path("prog").c_str(), O_WRONLY | O_APPEND);
            if (fd < 0) return errno;
            int rc = ::write(fd, "x", 1) == 1 ? 0 : errno;
            ::close(fd);
            return rc;
          }) == 0);
  CHECK((Stat(m.Path("prog")).st_mode & S_ISUID) == 0);
}

TEST_CASE("a name another mount adds to a directory this mount made is seen as soon as that add returns",
          "[fuse][integration][dir_lease]") {
  // This mount holds a lease on the directories it makes and answers the kernel's negative lookups in
  // them itself (client/leased_dirs.h); another mount's add waits for the lease to end, so once it has
  // returned, this mount finds the name. Every kind of add, each into a fresh directory.
  MountedCluster m;
  std::string second = m.cluster.Mount("v");
  REQUIRE(WriteFile(second + "/src", "s") == 0);
  REQUIRE(WriteFile(second + "/src2", "s") == 0);
  struct Case {
    const char* what;
    std::function<int(const std::string& dir_on_second)> add;  // 0 or errno
  };
  std::vector<Case> cases = {
      {"create", [](const std::string& d) { return WriteFile(d + "/n", "x"); }},
      {"mkdir", [](const std::string& d) { return ::mkdir((d + "/n").c_str(), 0755) == 0 ? 0 : errno; }},
      {"symlink", [](const std::string& d) { return ::symlink("t", (d + "/n").c_str()) == 0 ? 0 : errno; }},
      {"link", [&](const std::string& d) { return ::link((second + "/src").c_str(), (d + "/n").c_str()) == 0 ? 0 : errno; }},
      {"rename", [&](const std::string& d) { return ::rename((second + "/src2").c_str(), (d + "/n").c_str()) == 0 ? 0 : errno; }},
      {"mknod", [](const std::string& d) { return ::mknod((d + "/n").c_str(), S_IFIFO | 0644, 0) == 0 ? 0 : errno; }},
  };
  int i = 0;
  for (auto& c : cases) {
    INFO(c.what);
    const std::string dir = "d" + std::to_string(i++);
    REQUIRE(::mkdir(m.Path(dir).c_str(), 0755) == 0);
    struct stat st {};
    // This mount's own files: a negative lookup, then the create.
    for (int f = 0; f < 5; ++f) {
      const std::string p = m.Path(dir + "/own" + std::to_string(f));
      CHECK(ErrOf(::lstat(p.c_str(), &st)) == ENOENT);
      REQUIRE(WriteFile(p, "o") == 0);
    }
    CHECK(ErrOf(::lstat(m.Path(dir + "/n").c_str(), &st)) == ENOENT);
    REQUIRE(c.add(second + "/" + dir) == 0);
    CHECK(::lstat(m.Path(dir + "/n").c_str(), &st) == 0);
    CHECK(::lstat(m.Path(dir + "/own4").c_str(), &st) == 0);
  }
}

TEST_CASE("lookups answered from a fetched page show this mount's own changes at once and others' within the timeout",
          "[fuse][integration][lookup_ahead]") {
  // The second mount revalidates every entry (entry timeout 0), so each stat there is a LOOKUP, and
  // trusts attributes for 30 s, so its pages (fuse/lookup_ahead.h) stay fresh for the whole test.
  MountedCluster m;
  std::string second = m.cluster.Mount("v", {"--entry-timeout", "0", "--attr-timeout", "30"});
  REQUIRE(::mkdir(m.Path("d").c_str(), 0755) == 0);
  const int n = 40;
  for (int i = 0; i < n; ++i) REQUIRE(WriteFile(m.Path("d/f" + std::to_string(100 + i)), std::string(i, 'x')) == 0);
  auto path2 = [&](const std::string& name) { return second + "/d/" + name; };
  auto size2 = [&](const std::string& name) -> long {
    struct stat st {};
    return ::lstat(path2(name).c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -errno;
  };
  // Every file, in name order (the first few lookups fetch the page the rest are answered from).
  for (int i = 0; i < n; ++i) CHECK(size2("f" + std::to_string(100 + i)) == i);

  // This mount's own changes, each looked up again right after.
  REQUIRE(::chmod(path2("f110").c_str(), 0600) == 0);
  struct stat st {};
  REQUIRE(::lstat(path2("f110").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  REQUIRE(WriteFile(path2("f111"), std::string(500, 'y')) == 0);
  CHECK(size2("f111") == 500);
  REQUIRE(::rename(path2("f112").c_str(), path2("g112").c_str()) == 0);
  CHECK(size2("f112") == -ENOENT);
  CHECK(size2("g112") == 12);
  REQUIRE(::unlink(path2("f113").c_str()) == 0);
  CHECK(size2("f113") == -ENOENT);
  REQUIRE(::link(path2("f114").c_str(), path2("h114").c_str()) == 0);
  REQUIRE(::lstat(path2("f114").c_str(), &st) == 0);
  CHECK(st.st_nlink == 2);
  REQUIRE(WriteFile(path2("f115-new"), "new") == 0);
  CHECK(size2("f115-new") == 3);
  REQUIRE(::setxattr(path2("f116").c_str(), "user.k", "v", 1, 0) == 0);
  char buf[8] = {};
  CHECK(::getxattr(path2("f116").c_str(), "user.k", buf, sizeof buf) == 1);

  // Another mount's change: not before the page's time-to-live is up, here 30 s; with the default
  // timeouts (the first mount: 1 s) a page answers for at most 1 s after it was fetched, and the
  // kernel keeps what it answered only for what remains of that second.
  REQUIRE(::chmod(m.Path("d/f120").c_str(), 0640) == 0);
  std::string third = m.cluster.Mount("v");
  struct stat st3 {};
  for (int i = 0; i < n; ++i) (void)::lstat((third + "/d/f" + std::to_string(100 + i)).c_str(), &st3);
  REQUIRE(::chmod(m.Path("d/f121").c_str(), 0604) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(::lstat((third + "/d/f121").c_str(), &st3) == 0);
  CHECK((st3.st_mode & 07777) == 0604);
  REQUIRE(::lstat((third + "/d/f120").c_str(), &st3) == 0);
  CHECK((st3.st_mode & 07777) == 0640);
}
