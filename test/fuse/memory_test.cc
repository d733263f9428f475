// Memory budgets (--memory-budget-mb) under load: weft-mount and every weft-chunk keep their peak
// resident memory (VmHWM) within the budget they were given while several writers and then several
// sequential readers move files many times larger than the budgets through a real mount; every byte
// reads back.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

namespace {

// Peak resident KiB of a process (VmHWM), or -1.
long PeakKiB(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// The bytes of file i at [off, off + n): cheap to make again when checking.
void Fill(int i, uint64_t off, char* out, size_t n) {
  for (size_t k = 0; k < n; k += 8) {
    uint64_t v = (off + k) * 0x9E3779B97F4A7C15ull ^ (uint64_t(i) << 56);
    std::memcpy(out + k, &v, std::min<size_t>(8, n - k));
  }
}

}  // namespace

TEST_CASE("weft-mount and weft-chunk stay within their memory budgets under parallel writers and readers",
          "[fuse][integration][memory]") {
  constexpr long kMountMiB = 128, kChunkMiB = 144;
  ClusterOptions opts;
  opts.chunk_args = {"--memory-budget-mb", std::to_string(kChunkMiB)};
  TestCluster cluster(opts);
  cluster.CreateTenant("t");
  cluster.CreateVolume("v", "t");
  const std::string mnt = cluster.Mount("v", {"--memory-budget-mb", std::to_string(kMountMiB)});
  constexpr int kFiles = 6;
  constexpr size_t kFileBytes = 40 << 20, kPiece = 1 << 20;  // 240 MiB in all, written and read at once
  std::atomic<int> failures{0};
  auto each_file = [&](auto body) {
    std::vector<std::thread> threads;
    for (int i = 0; i < kFiles; ++i) threads.emplace_back([&, i] { body(i); });
    for (auto& t : threads) t.join();
  };
  each_file([&](int i) {
    int fd = ::open((mnt + "/f" + std::to_string(i)).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return void(++failures);
    std::string piece(kPiece, '\0');
    for (uint64_t off = 0; off < kFileBytes; off += kPiece) {
      Fill(i, off, piece.data(), kPiece);
      if (::pwrite(fd, piece.data(), kPiece, static_cast<off_t>(off)) != static_cast<ssize_t>(kPiece)) ++failures;
    }
    if (::close(fd) != 0) ++failures;
  });
  REQUIRE(failures == 0);
  // Each open drops the kernel's cached pages of the file (close-to-open): the reads go to weft.
  each_file([&](int i) {
    int fd = ::open((mnt + "/f" + std::to_string(i)).c_str(), O_RDONLY);
    if (fd < 0) return void(++failures);
    std::string got(128 << 10, '\0'), want(got.size(), '\0');
    for (uint64_t off = 0; off < kFileBytes; off += got.size()) {
      ssize_t n = ::read(fd, got.data(), got.size());
      Fill(i, off, want.data(), want.size());
      if (n != static_cast<ssize_t>(got.size()) || got != want) ++failures;
    }
    ::close(fd);
  });
  CHECK(failures == 0);
  const long mount_kib = PeakKiB(cluster.FindMount(mnt)->process.pid());
  INFO("weft-mount peak " << mount_kib / 1024 << " MiB of " << kMountMiB);
  CHECK(mount_kib > 0);
  CHECK(mount_kib <= kMountMiB * 1024);
  for (int c = 0; c < 3; ++c) {
    const long chunk_kib = PeakKiB(cluster.chunk(c).process.pid());
    INFO("weft-chunk " << c << " peak " << chunk_kib / 1024 << " MiB of " << kChunkMiB);
    CHECK(chunk_kib > 0);
    CHECK(chunk_kib <= kChunkMiB * 1024);
  }
}

TEST_CASE("a memory budget too small to run in is refused at start with the size needed", "[fuse][integration][memory]") {
  for (auto [bin, flag] : {std::pair<const char*, const char*>{"weft-mount", "32"}, {"weft-chunk", "64"}}) {
    std::string cmd = TestCluster::BinDir() + "/" + bin + " --memory-budget-mb " + flag +
                      (std::string(bin) == "weft-mount" ? " --meta 127.0.0.1:1 --volume v /nonexistent"
                                                        : " --cluster-key-file /nonexistent --data /nonexistent");
    std::string out;
    const int rc = RunCommand(cmd, &out);
    INFO(bin << ": " << out);
    CHECK(rc == 2);
    CHECK(out.find("--memory-budget-mb") != std::string::npos);
    CHECK(out.find("too small") != std::string::npos);
  }
}
