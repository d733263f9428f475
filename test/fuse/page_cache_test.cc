// Read-around through real mounts (fuse/read_around.h): a random 4 KiB read leaves its whole block
// (16 KiB by default) in the kernel's page cache (mincore on a mapping of the same open file shows it);
// every byte read at random matches, also with a chunk server killed; this mount's own writes and
// truncations are never overwritten by an older block, and a reader with the file open reads a write
// once its close returned; another mount's write is seen at the next open; --read-around-kb 0 fetches
// only the page, and a size that is not a multiple of 4 KiB or above 1 MiB is refused.
#include <catch2/catch.hpp>
#include <sys/mman.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kBlock = 16 * 1024;  // weft-mount's default --read-around-kb

// Which pages of [0, len) of fd are in the kernel's page cache. Through a mapping of this same open file:
// opening it again would drop them (close-to-open).
std::vector<bool> Resident(int fd, size_t len) {
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
  REQUIRE(p != MAP_FAILED);
  std::vector<unsigned char> v((len + kPage - 1) / kPage);
  REQUIRE(::mincore(p, len, v.data()) == 0);
  ::munmap(p, len);
  std::vector<bool> out;
  for (unsigned char c : v) out.push_back(c & 1);
  return out;
}

size_t CountResident(const std::vector<bool>& r, size_t first_page, size_t pages) {
  size_t n = 0;
  for (size_t i = first_page; i < first_page + pages && i < r.size(); ++i) n += r[i];
  return n;
}

// Waits (the blocks are stored from a thread of their own) until the pages are resident, up to 5 s.
bool EventuallyResident(int fd, size_t len, size_t first_page, size_t pages) {
  for (int i = 0; i < 500; ++i) {
    if (CountResident(Resident(fd, len), first_page, pages) == pages) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string Pread(int fd, size_t len, off_t off) {
  std::string buf(len, '\0');
  ssize_t n = ::pread(fd, buf.data(), len, off);
  REQUIRE(n >= 0);
  buf.resize(static_cast<size_t>(n));
  return buf;
}

// Opens path for writing, writes data at off, closes: one writer's whole life.
void WriteAt(const std::string& path, const std::string& data, size_t off) {
  int w = ::open(path.c_str(), O_WRONLY);
  REQUIRE(w >= 0);
  REQUIRE(::pwrite(w, data.data(), data.size(), static_cast<off_t>(off)) == static_cast<ssize_t>(data.size()));
  REQUIRE(::close(w) == 0);
}

// Three threads that read random pages of a file, each through its own open, until stopped.
struct RandomReaders {
  RandomReaders(const std::string& path, size_t size, unsigned seed) {
    for (unsigned j = 0; j < 3; ++j) {
      threads.emplace_back([this, path, size, seed, j] {
        int fd = ::open(path.c_str(), O_RDONLY);
        std::mt19937 rng(seed + j);
        char buf[kPage];
        while (!stop) (void)::pread(fd, buf, kPage, static_cast<off_t>(rng() % (size / kPage) * kPage));
        ::close(fd);
      });
    }
  }
  ~RandomReaders() { Stop(); }
  void Stop() {
    stop = true;
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
};

}  // namespace

TEST_CASE("read-around: a random read leaves its block in the page cache, and random reads match",
          "[fuse][integration][read_around]") {
  MountedCluster m;
  const std::string data = RandomData(8 << 20, 21);
  REQUIRE(WriteFile(m.Path("f"), data, true) == 0);
  int fd = ::open(m.Path("f").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  CHECK(CountResident(Resident(fd, data.size()), 0, data.size() / kPage) == 0);  // the open dropped all

  // A 4 KiB read one page into the block at 1 MiB + kBlock: that block arrives, nothing beside it.
  const size_t block = (1 << 20) + kBlock, at = block + kPage;
  CHECK(Pread(fd, kPage, static_cast<off_t>(at)) == data.substr(at, kPage));
  REQUIRE(EventuallyResident(fd, data.size(), block / kPage, kBlock / kPage));
  auto r = Resident(fd, data.size());
  CHECK(CountResident(r, 0, block / kPage) == 0);
  CHECK(CountResident(r, (block + kBlock) / kPage, 16) == 0);
  // The pages the kernel got from the store hold the file's bytes (read through the mapping: no request).
  void* p = ::mmap(nullptr, data.size(), PROT_READ, MAP_SHARED, fd, 0);
  REQUIRE(p != MAP_FAILED);
  CHECK(std::memcmp(static_cast<char*>(p) + block, data.data() + block, kBlock) == 0);
  ::munmap(p, data.size());

  // The file's last block is short: nothing past the end arrives, and the size stays.
  const size_t tail_len = 6 * kBlock + 10000, last = tail_len / kBlock * kBlock;
  const std::string tail_data = RandomData(tail_len, 5);
  REQUIRE(WriteFile(m.Path("short"), tail_data) == 0);
  int t = ::open(m.Path("short").c_str(), O_RDONLY);
  REQUIRE(t >= 0);
  CHECK(Pread(t, kPage, static_cast<off_t>(last)) == tail_data.substr(last, kPage));
  REQUIRE(EventuallyResident(t, tail_len, last / kPage, (tail_len - last + kPage - 1) / kPage));
  struct stat st {};
  REQUIRE(::fstat(t, &st) == 0);
  CHECK(st.st_size == static_cast<off_t>(tail_len));
  CHECK(Pread(t, tail_len + kPage, 0) == tail_data);
  ::close(t);

  // Random reads of every size and alignment, by four threads at once.
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int j = 0; j < 4; ++j) {
    readers.emplace_back([&, j] {
      int rfd = ::open(m.Path("f").c_str(), O_RDONLY);
      std::mt19937 rng(100 + j);
      for (int i = 0; i < 1500; ++i) {
        size_t off = rng() % data.size();
        size_t len = std::min<size_t>(rng() % 3 == 0 ? rng() % 70000 + 1 : kPage, data.size() - off);
        if (rng() % 2) off = off / kPage * kPage;
        std::string buf(len, '\0');
        ssize_t n = ::pread(rfd, buf.data(), len, static_cast<off_t>(off));
        if (n != static_cast<ssize_t>(len) || buf != data.substr(off, len)) ++bad;
      }
      ::close(rfd);
    });
  }
  for (auto& th : readers) th.join();
  CHECK(bad == 0);
  ::close(fd);
  m.cluster.Unmount(m.mnt);
  const std::string log = ReadFile(m.mnt + ".log");
  const auto pos = log.find("read-around: ");
  REQUIRE(pos != std::string::npos);
  CHECK(std::stoul(log.substr(pos + 13)) > 10);  // blocks given to the kernel
}

// What a new open reads (close-to-open).
std::string ReadFresh(const std::string& path, size_t len, off_t off) {
  int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::string out = Pread(fd, len, off);
  ::close(fd);
  return out;
}

TEST_CASE("read-around never lays an older block over this mount's writes and truncations",
          "[fuse][integration][read_around]") {
  MountedCluster m;
  // Stores wait 20 ms before their check, so that many land after the writes below, had they no check.
  const std::string a =
      m.cluster.Mount("v", {"--attr-timeout", "0.5", "--read-around-store-delay-ms", "20"});
  const std::string f = a + "/f";
  const size_t size = 2 << 20;
  std::string expect = RandomData(size, 3);
  REQUIRE(WriteFile(f, expect) == 0);
  // Readers keep fetching blocks around random pages (each store racing the writes below).
  RandomReaders readers(f, size, 7);
  // Open throughout: reads through the page cache the readers fill, and must read each write once the
  // writer's close returned (fuse_ops.cc, WritesLanded).
  int kept = ::open(f.c_str(), O_RDONLY);
  REQUIRE(kept >= 0);
  std::mt19937 rng(11);
  for (int i = 0; i < 120; ++i) {
    if (i % 10 == 9) {
      // Shrink by a block and a half (no store may give the kernel its old size back), then grow back.
      const size_t cut = size - kBlock - kBlock / 2;
      REQUIRE(::truncate(f.c_str(), static_cast<off_t>(cut)) == 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let stores race the new size
      struct stat st {};
      REQUIRE(::stat(f.c_str(), &st) == 0);
      CHECK(static_cast<size_t>(st.st_size) == cut);
      REQUIRE(::fstat(kept, &st) == 0);
      CHECK(static_cast<size_t>(st.st_size) == cut);
      CHECK(ReadFresh(f, kBlock, static_cast<off_t>(cut)).empty());
      expect.resize(cut);
      expect.resize(size, '\0');
      WriteAt(f, expect.substr(size - kPage), size - kPage);
      CHECK(ReadFresh(f, 3 * kBlock, static_cast<off_t>(cut - kBlock)) == expect.substr(cut - kBlock, 3 * kBlock));
      continue;
    }
    const size_t page = rng() % (size / kPage);
    const std::string fresh = RandomData(kPage, 1000 + i);
    WriteAt(f, fresh, page * kPage);
    expect.replace(page * kPage, kPage, fresh);
    CHECK(Pread(kept, kPage, static_cast<off_t>(page * kPage)) == fresh);  // first: an open heals it
    CHECK(ReadFresh(f, kPage, static_cast<off_t>(page * kPage)) == fresh);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // stores fetched before the close land now
    CHECK(ReadFresh(f, kBlock, static_cast<off_t>(page * kPage / kBlock * kBlock)) ==
          expect.substr(page * kPage / kBlock * kBlock, kBlock));
  }
  // Blocks fetched after the last write land (the queue of delayed stores drains first: 32 x 20 ms).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  readers.Stop();
  // The whole file through the page cache the readers filled, then through a new open.
  CHECK(Pread(kept, size, 0) == expect);
  ::close(kept);
  CHECK(ReadFile(f) == expect);
  m.cluster.Unmount(a);
  const std::string log = ReadFile(a + ".log");
  const auto pos = log.find("read-around: ");
  REQUIRE(pos != std::string::npos);
  // Blocks reached the kernel, and the check kept others from it (the race above did happen).
  INFO(log.substr(pos, log.find('\n', pos) - pos));
  CHECK(std::stoul(log.substr(pos + 13)) > 0);
  const auto given = log.find("given to the kernel, ", pos);
  REQUIRE(given != std::string::npos);
  CHECK(std::stoul(log.substr(given + 21)) > 0);
}

TEST_CASE("a reader with the file open reads another process's write once its close returned",
          "[fuse][integration][read_around]") {
  // FUSE's window (fuse_ops.cc, WritesLanded): readers keep the kernel asking for attributes while the
  // writes below are on their way, so that a page is now and then dropped and refetched in between.
  MountedCluster m;
  const std::string f = m.Path("f");
  const size_t size = 2 << 20;
  REQUIRE(WriteFile(f, RandomData(size, 6)) == 0);
  RandomReaders readers(f, size, 70);
  int kept = ::open(f.c_str(), O_RDONLY);
  REQUIRE(kept >= 0);
  std::mt19937 rng(12);
  int stale = 0;
  for (int i = 0; i < 150; ++i) {
    const size_t page = rng() % (size / kPage);
    const std::string fresh = RandomData(kPage, 5000 + i);
    WriteAt(f, fresh, page * kPage);
    if (Pread(kept, kPage, static_cast<off_t>(page * kPage)) != fresh) ++stale;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (Pread(kept, kPage, static_cast<off_t>(page * kPage)) != fresh) ++stale;
    if (i % 10 == 9) {  // shrink by a block and a half, then grow back by a write at the end
      REQUIRE(::truncate(f.c_str(), static_cast<off_t>(size - kBlock - kBlock / 2)) == 0);
      std::string last = RandomData(kPage, 9000 + i);
      WriteAt(f, last, size - kPage);
    }
  }
  readers.Stop();
  ::close(kept);
  CHECK(stale == 0);
}

TEST_CASE("read-around: another mount's write is seen at the next open", "[fuse][integration][read_around]") {
  MountedCluster m;
  const std::string b = m.cluster.Mount("v");
  std::string data = RandomData(1 << 20, 8);
  REQUIRE(WriteFile(m.Path("f"), data) == 0);
  int fd = ::open(m.Path("f").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  CHECK(Pread(fd, kPage, 0) == data.substr(0, kPage));
  REQUIRE(EventuallyResident(fd, data.size(), 0, kBlock / kPage));
  // The other mount rewrites a page inside the block this mount now caches.
  const std::string fresh = RandomData(kPage, 99);
  WriteAt(b + "/f", fresh, 2 * kPage);
  ::close(fd);
  fd = ::open(m.Path("f").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  CHECK(Pread(fd, kPage, 2 * kPage) == fresh);
  CHECK(Pread(fd, kPage, 3 * kPage) == data.substr(3 * kPage, kPage));
  ::close(fd);
}

TEST_CASE("with read-around off (--read-around-kb 0) only the page read is in the cache",
          "[fuse][integration][read_around]") {
  MountedCluster m;
  const std::string a = m.cluster.Mount("v", {"--read-around-kb", "0"});
  std::string data = RandomData(1 << 20, 4);
  REQUIRE(WriteFile(a + "/f", data) == 0);
  int fd = ::open((a + "/f").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  CHECK(Pread(fd, kPage, 20 * kPage) == data.substr(20 * kPage, kPage));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto r = Resident(fd, data.size());
  CHECK(r[20]);
  CHECK(CountResident(r, 16, 16) == 1);
  ::close(fd);
}

TEST_CASE("read-around: with a chunk server killed, random reads still return the file's bytes",
          "[fuse][integration][read_around]") {
  ClusterOptions opts;
  opts.meta_args = {"--server-timeout-ms", "2000"};
  MountedCluster m({}, opts);
  const std::string data = RandomData(8 << 20, 31);
  REQUIRE(WriteFile(m.Path("f"), data, true) == 0);
  for (int victim = 0; victim < 3; ++victim) {
    DYNAMIC_SECTION("chunk server " << victim) {
      int fd = ::open(m.Path("f").c_str(), O_RDONLY);
      REQUIRE(fd >= 0);
      m.cluster.StopChunk(victim, SIGKILL);
      std::mt19937 rng(40 + victim);
      int bad = 0;
      for (int i = 0; i < 300; ++i) {
        size_t off = rng() % data.size();
        if (i % 2) off = off / kPage * kPage;
        const size_t len = std::min<size_t>(i % 3 ? kPage : rng() % 9000 + 1, data.size() - off);
        if (Pread(fd, len, static_cast<off_t>(off)) != data.substr(off, len)) ++bad;
      }
      CHECK(bad == 0);
      // The blocks still reach the kernel: one read leaves its whole block resident.
      const size_t block = 5 * kBlock;
      CHECK(Pread(fd, kPage, static_cast<off_t>(block + kPage)) == data.substr(block + kPage, kPage));
      CHECK(EventuallyResident(fd, data.size(), block / kPage, kBlock / kPage));
      ::close(fd);
    }
  }
}

TEST_CASE("weft-mount refuses a read-around size that is not a multiple of 4 KiB or above 1 MiB",
          "[fuse][integration][read_around]") {
  for (const char* kb : {"6", "2048", "x"}) {
    std::string out;
    const int rc = RunCommand(TestCluster::BinDir() + "/weft-mount --meta 127.0.0.1:1 --volume v --read-around-kb " +
                              kb + " /nonexistent", &out);
    INFO(kb << ": " << out);
    CHECK(rc != 0);
    CHECK(out.find("--read-around-kb") != std::string::npos);
  }
}
