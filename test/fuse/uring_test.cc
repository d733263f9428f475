// FUSE over io_uring (fuse/uring.h) through real mounts: with the kernel's switch on, a mount asked for
// the ring serves from it (its log says so, and counts the requests), and every kind of request comes
// back right: metadata, names, xattrs, large reads and writes (a read's data lands in the ring's payload
// in place), O_DIRECT, many threads at once, and what it wrote reads back through a mount on /dev/fuse.
// Asked for it with the kernel's switch off, the mount fails and says how to turn it on. A mount killed
// with the ring registered leaves a mount point that fails instead of hanging.
//
// The kernel's switch (/sys/module/fuse/parameters/enable_uring) is global: the test turns it on as
// root and puts it back as it found it. Other tests' mounts starting meanwhile use the ring or not
// (--fuse-uring auto); both are served.
#include <sys/xattr.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

namespace {

constexpr const char* kSwitch = "/sys/module/fuse/parameters/enable_uring";

std::string ReadSwitch() {
  std::ifstream f(kSwitch);
  std::string v;
  f >> v;
  return v;
}

bool WriteSwitch(const std::string& v) {
  std::ofstream f(kSwitch);
  f << v;
  f.close();
  return ReadSwitch() == v;
}

// Sets the switch for a scope; restores what it found.
struct UringSwitch {
  explicit UringSwitch(const std::string& v) : before(ReadSwitch()) {
    ok = !before.empty() && WriteSwitch(v);
  }
  ~UringSwitch() {
    if (!before.empty()) WriteSwitch(before);
  }
  std::string before;
  bool ok = false;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The count in weft-mount's closing line "FUSE over io_uring: N requests served through the ring".
long RingRequests(const std::string& log) {
  const std::string key = "FUSE over io_uring: ";
  const std::string tail = " requests served through the ring";
  size_t at = log.find(tail);
  if (at == std::string::npos) return -1;
  size_t from = log.rfind(key, at);
  return from == std::string::npos ? -1 : std::stol(log.substr(from + key.size(), at - from - key.size()));
}

}  // namespace

TEST_CASE("FUSE over io_uring: a mount served by the ring answers every kind of request right",
          "[fuse][integration][uring]") {
  UringSwitch on("Y");
  if (!on.ok) {
    WARN("cannot turn " << kSwitch << " on (not root, or a kernel before 6.14): nothing to test");
    return;
  }
  MountedCluster m({}, {});
  const std::string a = m.cluster.Mount("v", {"--fuse-uring", "on"});
  const std::string log_path = a + ".log";
  CHECK(Slurp(log_path).find("FUSE over io_uring: on") != std::string::npos);
  const std::string& b = m.mnt;  // the fixture's own mount: --fuse-uring auto, or off in a TLS pass

  // Names, directories, small files.
  REQUIRE(::mkdir((a + "/d").c_str(), 0755) == 0);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(WriteFile(a + "/d/f" + std::to_string(i), "file " + std::to_string(i)) == 0);
  }
  CHECK(List(a + "/d").size() == 100);
  REQUIRE(::rename((a + "/d/f0").c_str(), (a + "/d/renamed").c_str()) == 0);
  REQUIRE(::unlink((a + "/d/f1").c_str()) == 0);
  REQUIRE(::symlink("renamed", (a + "/d/link").c_str()) == 0);
  char target[64] = {};
  CHECK(::readlink((a + "/d/link").c_str(), target, sizeof target - 1) == 7);
  CHECK(std::string(target) == "renamed");
  CHECK(ReadFile(a + "/d/link") == "file 0");
  struct stat st {};
  CHECK(::stat((a + "/d/f1").c_str(), &st) == -1);
  CHECK(errno == ENOENT);
  CHECK(::mkdir((a + "/d/" + std::string(300, 'n')).c_str(), 0755) == -1);
  CHECK(errno == ENAMETOOLONG);

  // Xattrs: a value both ways, a list, a missing one.
  const std::string value(3000, 'x');
  REQUIRE(::setxattr((a + "/d/f2").c_str(), "user.k", value.data(), value.size(), 0) == 0);
  std::string got(4096, '\0');
  ssize_t n = ::getxattr((a + "/d/f2").c_str(), "user.k", got.data(), got.size());
  REQUIRE(n == static_cast<ssize_t>(value.size()));
  CHECK(got.substr(0, static_cast<size_t>(n)) == value);
  CHECK(::getxattr((a + "/d/f2").c_str(), "user.none", got.data(), got.size()) == -1);
  CHECK(errno == ENODATA);

  // Large data: 24 MiB written in 1 MiB requests, read back through the ring and through b.
  const std::string big = RandomData(24u << 20, 7);
  REQUIRE(WriteFile(a + "/big", big, /*fsync=*/true) == 0);
  int err = -1;
  CHECK(ReadFile(a + "/big", &err) == big);
  CHECK(err == 0);
  CHECK(ReadFile(b + "/big", &err) == big);

  // O_DIRECT: reads of every size go to the handler, not the page cache.
  int fd = ::open((a + "/big").c_str(), O_RDONLY | O_DIRECT);
  REQUIRE(fd >= 0);
  void* mem = nullptr;
  REQUIRE(posix_memalign(&mem, 4096, 1u << 20) == 0);
  for (size_t off : {size_t{0}, size_t{4096}, size_t{5u << 20}, size_t{(24u << 20) - 8192}}) {
    for (size_t len : {size_t{4096}, size_t{65536}, size_t{1u << 20}}) {
      ssize_t r = ::pread(fd, mem, len, static_cast<off_t>(off));
      size_t want = std::min(len, big.size() - off);
      REQUIRE(r == static_cast<ssize_t>(want));
      CHECK(std::memcmp(mem, big.data() + off, want) == 0);
    }
  }
  free(mem);
  ::close(fd);

  // Many threads at once: creates, writes, reads, stats and unlinks, each thread in its own directory.
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const std::string dir = a + "/t" + std::to_string(t);
      if (::mkdir(dir.c_str(), 0755) != 0) return (void)bad.fetch_add(1);
      for (int i = 0; i < 60; ++i) {
        const std::string p = dir + "/f" + std::to_string(i);
        const std::string data =
            RandomData(1000 + 997 * static_cast<size_t>(i), static_cast<unsigned>(t * 100 + i));
        int e = -1;
        struct stat s {};
        if (WriteFile(p, data) != 0 || ReadFile(p, &e) != data || e != 0 || ::stat(p.c_str(), &s) != 0 ||
            s.st_size != static_cast<off_t>(data.size()))
          bad.fetch_add(1);
        if (i % 2 == 0 && ::unlink(p.c_str()) != 0) bad.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(bad == 0);
  for (int t = 0; t < 8; ++t) CHECK(List(b + "/t" + std::to_string(t)).size() == 30);

  m.cluster.Unmount(a);
  // Everything above went through the ring: thousands of requests.
  CHECK(RingRequests(Slurp(log_path)) > 1000);
}

TEST_CASE(
    "FUSE over io_uring: asked for with the kernel's switch off, the mount fails and says how to turn it on",
    "[fuse][integration][uring]") {
  UringSwitch off("N");
  if (!off.ok) {
    WARN("cannot set " << kSwitch << " (not root, or a kernel before 6.14): nothing to test");
    return;
  }
  MountedCluster m;
  CHECK_THROWS_WITH(m.cluster.Mount("v", {"--fuse-uring", "on"}), Catch::Contains("enable_uring"));
  // auto: served from /dev/fuse, and says why.
  const std::string a = m.cluster.Mount("v", {"--fuse-uring", "auto"});
  REQUIRE(WriteFile(a + "/f", "through /dev/fuse") == 0);
  CHECK(ReadFile(m.mnt + "/f") == "through /dev/fuse");
  CHECK(Slurp(a + ".log").find("FUSE over io_uring: off") != std::string::npos);
}

TEST_CASE(
    "FUSE over io_uring: a mount killed with its ring registered leaves a mount point that fails, not hangs",
    "[fuse][integration][uring]") {
  UringSwitch on("Y");
  if (!on.ok) {
    WARN("cannot turn " << kSwitch << " on (not root, or a kernel before 6.14): nothing to test");
    return;
  }
  MountedCluster m;
  const std::string a = m.cluster.Mount("v", {"--fuse-uring", "on"});
  REQUIRE(WriteFile(a + "/f", "kept", /*fsync=*/true) == 0);
  MountPoint* mp = m.cluster.FindMount(a);
  REQUIRE(mp != nullptr);
  mp->process.Stop(SIGKILL);
  struct stat st {};
  CHECK(::stat((a + "/f").c_str(), &st) == -1);
  // ENOTCONN once the connection is gone; ECONNABORTED for a request the ring's teardown ended.
  CHECK((errno == ENOTCONN || errno == ECONNABORTED));
  CHECK(ReadFile(m.mnt + "/f") == "kept");
  m.cluster.Unmount(a);
}
