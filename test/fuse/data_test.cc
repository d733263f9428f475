// File data through a real weft FUSE mount, compared byte for byte with a local file.
#include <catch2/catch.hpp>
#include <sys/mman.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

namespace {

// Applies the same operation to two descriptors and checks both agree.
struct Twin {
  int a, b;
  void Pwrite(const std::string& data, off_t off) {
    REQUIRE(::pwrite(a, data.data(), data.size(), off) == static_cast<ssize_t>(data.size()));
    REQUIRE(::pwrite(b, data.data(), data.size(), off) == static_cast<ssize_t>(data.size()));
  }
  void Truncate(off_t len) {
    REQUIRE(::ftruncate(a, len) == 0);
    REQUIRE(::ftruncate(b, len) == 0);
  }
  void CheckRead(off_t off, size_t len) {
    std::string x(len, '\0'), y(len, '\0');
    ssize_t nx = ::pread(a, x.data(), len, off), ny = ::pread(b, y.data(), len, off);
    REQUIRE(nx == ny);
    REQUIRE(nx >= 0);
    x.resize(static_cast<size_t>(nx));
    y.resize(static_cast<size_t>(ny));
    CHECK(x == y);
  }
  off_t Size(int fd) {
    struct stat st;
    REQUIRE(::fstat(fd, &st) == 0);
    return st.st_size;
  }
};

std::string LocalTemp() {
  char tmpl[] = "/tmp/weft-local-XXXXXX";
  return mkdtemp(tmpl);
}

}  // namespace

TEST_CASE("random writes, truncates, reads, holes and mmap match a local file", "[fuse][integration]") {
  MountedCluster m;
  std::string local = LocalTemp();
  int a = ::open((local + "/f").c_str(), O_RDWR | O_CREAT, 0644);
  int b = ::open(m.Path("f").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  Twin t{a, b};
  std::mt19937 rng(12345);
  const off_t kSpan = 12 << 20;  // three 4 MiB chunks
  for (int i = 0; i < 400; ++i) {
    int op = static_cast<int>(rng() % 10);
    off_t off = static_cast<off_t>(rng() % kSpan);
    if (op < 5) {
      size_t len = (rng() % 4 == 0) ? rng() % (1 << 20) : rng() % 9000 + 1;
      t.Pwrite(RandomData(len, rng()), off);
    } else if (op < 6) {
      t.Truncate(static_cast<off_t>(rng() % kSpan));
    } else if (op < 9) {
      t.CheckRead(off, rng() % (1 << 20));
    } else {
      // mmap a window of both files, write through the mapping, msync.
      REQUIRE(t.Size(a) == t.Size(b));
      off_t size = t.Size(a);
      if (size < 8192) continue;
      off_t start = static_cast<off_t>((rng() % static_cast<uint64_t>(size - 4096)) / 4096 * 4096);
      size_t len = static_cast<size_t>(std::min<off_t>(size - start, 65536));
      std::string data = RandomData(len / 2, rng());
      for (int fd : {a, b}) {
        void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, start);
        REQUIRE(p != MAP_FAILED);
        std::memcpy(static_cast<char*>(p) + len / 4, data.data(), data.size());
        REQUIRE(::msync(p, len, MS_SYNC) == 0);
        ::munmap(p, len);
      }
    }
    REQUIRE(t.Size(a) == t.Size(b));
  }
  REQUIRE(::fsync(b) == 0);
  ::close(b);
  // A fresh open (close-to-open) reads exactly the local file.
  int e = 0;
  std::string weft = ReadFile(m.Path("f"), &e);
  REQUIRE(e == 0);
  std::string want = ReadFile(local + "/f");
  REQUIRE(weft.size() == want.size());
  CHECK(weft == want);
  ::close(a);
  std::filesystem::remove_all(local);
}

TEST_CASE("a large file spanning many chunks reads back identically, sequentially and at random", "[fuse][integration]") {
  MountedCluster m;
  std::string data = RandomData(40 << 20, 7);
  REQUIRE(WriteFile(m.Path("big"), data, true) == 0);
  CHECK(ReadFile(m.Path("big")) == data);
  int fd = ::open(m.Path("big").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::mt19937 rng(3);
  for (int i = 0; i < 200; ++i) {
    off_t off = static_cast<off_t>(rng() % data.size());
    size_t len = std::min<size_t>(rng() % 20000 + 1, data.size() - static_cast<size_t>(off));
    std::string buf(len, '\0');
    REQUIRE(::pread(fd, buf.data(), len, off) == static_cast<ssize_t>(len));
    CHECK(buf == data.substr(static_cast<size_t>(off), len));
  }
  ::close(fd);
}

TEST_CASE("concurrent writers on different files", "[fuse][integration]") {
  MountedCluster m;
  std::vector<std::thread> threads;
  std::vector<std::string> data(8);
  for (int i = 0; i < 8; ++i) data[i] = RandomData(3 << 20, 100 + i);
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      int fd = ::open(m.Path("w" + std::to_string(i)).c_str(), O_WRONLY | O_CREAT, 0644);
      if (fd < 0) { ++failures; return; }
      // Interleaved small writes, so buffering and pipelining are exercised.
      for (size_t off = 0; off < data[i].size(); off += 65536) {
        size_t n = std::min<size_t>(65536, data[i].size() - off);
        if (::pwrite(fd, data[i].data() + off, n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) ++failures;
      }
      if (::close(fd) != 0) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failures == 0);
  for (int i = 0; i < 8; ++i) CHECK(ReadFile(m.Path("w" + std::to_string(i))) == data[i]);
}

TEST_CASE("two mounts of one shared volume see each other's closed files", "[fuse][integration]") {
  MountedCluster m;
  std::string second = m.cluster.Mount("v");
  REQUIRE(WriteFile(m.Path("from-first"), "hello from one") == 0);
  CHECK(ReadFile(second + "/from-first") == "hello from one");
  std::string data = RandomData(5 << 20, 9);
  REQUIRE(WriteFile(second + "/from-second", data) == 0);
  CHECK(ReadFile(m.Path("from-second")) == data);
  // An update after close is visible at the next open (close-to-open).
  REQUIRE(WriteFile(m.Path("from-first"), "changed") == 0);
  CHECK(ReadFile(second + "/from-first") == "changed");
}

TEST_CASE("an unlinked open file keeps its data until the last close", "[fuse][integration]") {
  MountedCluster m;
  std::string data = RandomData(6 << 20, 11);
  REQUIRE(WriteFile(m.Path("f"), data) == 0);
  int fd = ::open(m.Path("f").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::unlink(m.Path("f").c_str()) == 0);
  struct stat st;
  CHECK(::stat(m.Path("f").c_str(), &st) == -1);
  std::string buf(data.size(), '\0');
  REQUIRE(::pread(fd, buf.data(), buf.size(), 0) == static_cast<ssize_t>(buf.size()));
  CHECK(buf == data);
  ::close(fd);
}

TEST_CASE("fallocate mode 0 extends the file, other modes are refused", "[fuse][integration]") {
  MountedCluster m;
  int fd = ::open(m.Path("f").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::fallocate(fd, 0, 0, 1 << 20) == 0);
  struct stat st;
  REQUIRE(::fstat(fd, &st) == 0);
  CHECK(st.st_size == (1 << 20));
  CHECK(ErrOf(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096)) == EOPNOTSUPP);
  std::string buf(4096, 'x');
  REQUIRE(::pread(fd, buf.data(), 4096, 8192) == 4096);
  CHECK(buf == std::string(4096, '\0'));
  ::close(fd);
}
