// Errors a user must see honestly, and durability across killed processes, on a real mount.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

TEST_CASE("writing past the volume's byte quota fails with EDQUOT and keeps what fit", "[fuse][integration]") {
  VolumeSpec spec;
  spec.quota_bytes = 8 << 20;
  MountedCluster m(spec);
  REQUIRE(WriteFile(m.Path("fits"), RandomData(4 << 20, 1)) == 0);
  int fd = ::open(m.Path("too-big").c_str(), O_WRONLY | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  std::string chunk = RandomData(1 << 20, 2);
  int err = 0;
  for (int i = 0; i < 16 && err == 0; ++i) {
    if (::write(fd, chunk.data(), chunk.size()) < 0) err = errno;
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  CHECK(err == EDQUOT);
  CHECK(ReadFile(m.Path("fits")).size() == (4u << 20));
}

TEST_CASE("creating past the volume's inode quota fails with EDQUOT", "[fuse][integration]") {
  VolumeSpec spec;
  spec.quota_inodes = 10;
  MountedCluster m(spec);
  int err = 0;
  int made = 0;
  for (int i = 0; i < 20 && err == 0; ++i) {
    err = WriteFile(m.Path("f" + std::to_string(i)), "x");
    if (err == 0) ++made;
  }
  CHECK(err == EDQUOT);
  CHECK(made >= 8);
  CHECK(made <= 10);
}

TEST_CASE("a volume marked read-only refuses changes with EROFS", "[fuse][integration]") {
  MountedCluster m;
  REQUIRE(WriteFile(m.Path("f"), "before") == 0);
  m.cluster.SetVolumeReadOnly("v", true);
  // A new mount of the now read-only volume.
  std::string ro = m.cluster.Mount("v");
  CHECK(WriteFile(ro + "/g", "x") == EROFS);
  CHECK(ErrOf(::mkdir((ro + "/d").c_str(), 0755)) == EROFS);
  CHECK(ErrOf(::unlink((ro + "/f").c_str())) == EROFS);
  CHECK(ReadFile(ro + "/f") == "before");
  // The mount made before the change is refused by the metadata service too.
  CHECK(ErrOf(::mkdir(m.Path("d2").c_str(), 0755)) == EROFS);
}

TEST_CASE("fsync'd data survives kill -9 of weft-mount", "[fuse][integration]") {
  MountedCluster m;
  std::string data = RandomData(9 << 20, 5);
  int fd = ::open(m.Path("durable").c_str(), O_WRONLY | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  REQUIRE(::fsync(fd) == 0);
  MountPoint* mp = m.cluster.FindMount(m.mnt);
  REQUIRE(mp != nullptr);
  mp->process.Stop(SIGKILL);
  ::close(fd);  // fails or not: the daemon is gone
  m.cluster.Unmount(m.mnt);
  std::string again = m.cluster.Mount("v");
  CHECK(ReadFile(again + "/durable") == data);
}

TEST_CASE("fsync'd data survives kill -9 of any one chunk server, and writes go on", "[fuse][integration]") {
  ClusterOptions opts;
  opts.meta_args = {"--server-timeout-ms", "2000"};
  MountedCluster m({}, opts);
  std::string data = RandomData(10 << 20, 6);
  REQUIRE(WriteFile(m.Path("before"), data, true) == 0);
  for (int victim = 0; victim < 3; ++victim) {
    DYNAMIC_SECTION("chunk server " << victim) {
      m.cluster.StopChunk(victim, SIGKILL);
      CHECK(ReadFile(m.Path("before")) == data);
      std::string more = RandomData(6 << 20, 7 + victim);
      CHECK(WriteFile(m.Path("after"), more, true) == 0);
      CHECK(ReadFile(m.Path("after")) == more);
    }
  }
}

TEST_CASE("a mount writes and reads on while a chunk server drains, and needs nothing from it afterwards",
          "[fuse][integration]") {
  ClusterOptions opts;
  opts.chunk_servers = 4;
  opts.meta_args = {"--server-timeout-ms", "3000", "--heartbeat-interval-ms", "200"};
  VolumeSpec spec;
  spec.replication = 3;
  MountedCluster m(spec, opts);
  std::string before = RandomData(24 << 20, 21);
  REQUIRE(WriteFile(m.Path("before"), before, true) == 0);

  uint64_t id = 0;  // weft-meta's id of fixture server 0
  for (uint64_t i = 1; i <= 4 && id == 0; ++i) {
    if (m.cluster.GetServer(i).server().address() == m.cluster.chunk(0).data_address) id = i;
  }
  REQUIRE(id != 0);

  std::atomic<bool> stop{false};
  std::vector<std::string> written;
  int errors = 0;
  std::thread io([&] {
    for (int i = 0; !stop || i < 3; ++i) {
      std::string name = "during" + std::to_string(i);
      std::string data = RandomData((2 << 20) + 4096 * static_cast<size_t>(i), 100 + static_cast<unsigned>(i));
      if (WriteFile(m.Path(name), data, true) != 0 || ReadFile(m.Path(name)) != data) ++errors;
      written.push_back(name);
    }
  });
  m.cluster.DrainServer(id, true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  weft::ServerState state = weft::SERVER_DRAINING;
  while (state != weft::SERVER_DRAINED && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state = m.cluster.GetServer(id).server().state();
  }
  stop = true;
  io.join();
  REQUIRE(state == weft::SERVER_DRAINED);
  CHECK(errors == 0);

  m.cluster.StopChunk(0, SIGKILL);
  CHECK(ReadFile(m.Path("before")) == before);
  for (size_t i = 0; i < written.size(); ++i) {
    INFO(written[i]);
    CHECK(ReadFile(m.Path(written[i])) == RandomData((2 << 20) + 4096 * i, 100 + static_cast<unsigned>(i)));
  }
  std::string after = RandomData(6 << 20, 22);
  CHECK(WriteFile(m.Path("after"), after, true) == 0);
  CHECK(ReadFile(m.Path("after")) == after);
}
