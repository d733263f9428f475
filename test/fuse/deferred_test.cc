// Deferred creates through real mounts (weft-mount --deferred-creates; client/deferred_creates.h): a
// second mount sees every file the first answered itself, the first one's writes through those handles
// read back, the lease ends when another mount adds to the directory and creates go the usual way after,
// and an inode quota too small to reserve from leaves creates the usual way with EDQUOT at the quota.
// Deferred unlinks: files a mount put in its directory (made or renamed there) and removes are gone for
// every mount at once, their inodes and bytes come back, a file open there is unlinked the usual way,
// and another mount's unlink or rename out of the directory recalls the lease.
#include <catch2/catch.hpp>
#include <dirent.h>
#include <sys/statvfs.h>

#include <chrono>
#include <set>
#include <thread>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

namespace {

int Touch(const std::string& path, mode_t mode = 0644) {
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, mode);
  if (fd < 0) return errno;
  return ::close(fd) == 0 ? 0 : errno;
}

struct statvfs StatVfs(const std::string& mnt) {
  struct statvfs v {};
  REQUIRE(statvfs(mnt.c_str(), &v) == 0);
  return v;
}

// Inodes the volume counts as used, reservations included (statvfs through a mount).
uint64_t UsedInodes(const std::string& mnt) {
  const struct statvfs v = StatVfs(mnt);
  return v.f_files - v.f_ffree;
}

uint64_t UsedBytes(const std::string& mnt) {
  const struct statvfs v = StatVfs(mnt);
  return (v.f_blocks - v.f_bfree) * v.f_frsize;
}

}  // namespace

TEST_CASE("deferred creates: another mount sees every file at once, and writes through their handles read back",
          "[fuse][integration][deferred]") {
  MountedCluster m;
  const std::string& b = m.mnt;
  const uint64_t before = UsedInodes(b);
  // Batches wait up to 150 ms here (5 by default), so that what follows runs while creates are queued.
  const std::string a = m.cluster.Mount("v", {"--deferred-creates", "--deferred-create-delay-ms", "150"});
  REQUIRE(::mkdir((a + "/d").c_str(), 0755) == 0);
  for (int i = 0; i < 300; ++i) REQUIRE(Touch(a + "/d/f" + std::to_string(i)) == 0);
  // The creates were answered with reserved inodes: the rest of the reservation shows in the usage.
  CHECK(UsedInodes(b) > before + 1 + 300);
  for (int i = 0; i < 300; i += 50) {
    const std::string data = RandomData(100000 + i, static_cast<unsigned>(i));
    REQUIRE(WriteFile(a + "/d/w" + std::to_string(i), data) == 0);
  }
  // b lists the directory a fills: every name is there, and the written files read back.
  auto names = List(b + "/d");
  CHECK(names.size() == 306);
  for (int i = 0; i < 300; ++i) CHECK(names.count("f" + std::to_string(i)) == 1);
  for (int i = 0; i < 300; i += 50) {
    int err = -1;
    std::string got = ReadFile(b + "/d/w" + std::to_string(i), &err);
    REQUIRE(err == 0);
    CHECK(got == RandomData(100000 + i, static_cast<unsigned>(i)));
  }
  struct stat st {};
  REQUIRE(::stat((b + "/d/f7").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  CHECK(st.st_size == 0);
  REQUIRE(::stat((a + "/d/f7").c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  // A name a answered is taken: O_EXCL fails, through either mount.
  CHECK(::open((a + "/d/f3").c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644) == -1);
  CHECK(errno == EEXIST);
  CHECK(::open((b + "/d/f4").c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644) == -1);
  CHECK(errno == EEXIST);
  // Removing them works through either mount, and fsync of a fresh file is fine.
  for (int i = 0; i < 300; i += 2) REQUIRE(::unlink((a + "/d/f" + std::to_string(i)).c_str()) == 0);
  for (int i = 1; i < 300; i += 2) REQUIRE(::unlink((b + "/d/f" + std::to_string(i)).c_str()) == 0);
  int fd = ::open((a + "/d/synced").c_str(), O_CREAT | O_RDWR, 0600);
  REQUIRE(fd >= 0);
  CHECK(::fsync(fd) == 0);
  CHECK(::close(fd) == 0);
  CHECK(List(b + "/d").count("synced") == 1);
  // fsync of a directory right after a create there sends the queued create and asks weft-meta for a
  // sync (b's listing ended a's lease on d: a fresh directory).
  REQUIRE(::mkdir((a + "/e").c_str(), 0755) == 0);
  int dir = ::open((a + "/e").c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(dir >= 0);
  CHECK(::fsync(dir) == 0);
  const uint64_t syncs = m.cluster.ClusterStatus().meta_requested_syncs();
  REQUIRE(Touch(a + "/e/then-fsynced") == 0);
  CHECK(::fsync(dir) == 0);
  CHECK(m.cluster.ClusterStatus().meta_requested_syncs() == syncs + 1);
  ::close(dir);
  CHECK(List(b + "/e").count("then-fsynced") == 1);
  REQUIRE(::unlink((a + "/e/then-fsynced").c_str()) == 0);
  REQUIRE(::rmdir((a + "/e").c_str()) == 0);
  // The mount answered every create above but the first ones (before its first reservation came) itself.
  // Its log says how many when it ends.
  m.cluster.Unmount(a);
  // The unmount returned what was left of the reservation: d and the 7 files remain.
  CHECK(UsedInodes(b) == before + 8);
  // Its log says how many creates it answered itself: all but those before its first reservation came,
  // and the few a busy machine delays past the refill of the pool (287 of 307 in one full suite run).
  // Well above 256: a pool not refilled while creates stream would stop answering after the first 256.
  const std::string log = ReadFile(a + ".log");
  const auto at = log.find("deferred creates: ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoul(log.substr(at + 18)) >= 275);
  CHECK(log.find(" answered here, 0 refused") != std::string::npos);
}

TEST_CASE("deferred creates: another mount's add ends the lease, and creates go the usual way after",
          "[fuse][integration][deferred]") {
  MountedCluster m;
  const std::string a = m.cluster.Mount("v", {"--deferred-creates"});
  const std::string& b = m.mnt;
  REQUIRE(::mkdir((a + "/d").c_str(), 0755) == 0);
  REQUIRE(Touch(a + "/d/first") == 0);
  REQUIRE(Touch(b + "/d/theirs") == 0);  // waits for a's lease, then ends it
  for (int i = 0; i < 20; ++i) REQUIRE(Touch(a + "/d/after" + std::to_string(i)) == 0);
  auto names = List(b + "/d");
  CHECK(names.size() == 22);
  CHECK(names.count("first") == 1);
  CHECK(names.count("after19") == 1);
  CHECK(List(a + "/d").count("theirs") == 1);
}

TEST_CASE("deferred creates: another mount's lookup, listing and add recall the lease instead of waiting it out",
          "[fuse][integration][deferred][recall]") {
  // Leases of a minute: without the recall each of b's first calls below would wait a minute.
  MountedCluster m({}, ClusterOptions{.meta_args = {"--dir-lease-ms", "60000"}});
  const std::string& b = m.mnt;
  // Batches wait up to 150 ms, so b's calls come while a's creates are still queued at a.
  const std::string a = m.cluster.Mount("v", {"--deferred-creates", "--deferred-create-delay-ms", "150"});
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  };
  // A lookup in a directory a fills finds a file a answered itself.
  REQUIRE(::mkdir((a + "/d").c_str(), 0755) == 0);
  for (int i = 0; i < 50; ++i) REQUIRE(Touch(a + "/d/f" + std::to_string(i)) == 0);
  struct stat st {};
  CHECK(::stat((b + "/d/f49").c_str(), &st) == 0);
  // A listing sees every file.
  REQUIRE(::mkdir((a + "/e").c_str(), 0755) == 0);
  for (int i = 0; i < 50; ++i) REQUIRE(Touch(a + "/e/f" + std::to_string(i)) == 0);
  CHECK(List(b + "/e").size() == 50);
  // An add goes ahead, and a's later creates there go the usual way.
  REQUIRE(::mkdir((a + "/g").c_str(), 0755) == 0);
  for (int i = 0; i < 50; ++i) REQUIRE(Touch(a + "/g/f" + std::to_string(i)) == 0);
  REQUIRE(Touch(b + "/g/theirs") == 0);
  for (int i = 0; i < 10; ++i) REQUIRE(Touch(a + "/g/after" + std::to_string(i)) == 0);
  auto names = List(b + "/g");
  CHECK(names.size() == 61);
  CHECK(names.count("after9") == 1);
  CHECK(List(a + "/g").count("theirs") == 1);
  // Far less than one lease period for all three (each would have waited 60 s).
  CHECK(elapsed_ms() < 30000);
  m.cluster.Unmount(a);
  const std::string log = ReadFile(a + ".log");
  CHECK(log.find(" answered here, 0 refused") != std::string::npos);
}

TEST_CASE("deferred creates: a mount killed with creates and unlinks queued loses only those, and another mount goes on",
          "[fuse][integration][deferred][recall]") {
  MountedCluster m;
  const std::string& b = m.mnt;
  // Batches wait up to 200 ms, so the last creates are still queued when the mount is killed.
  const std::string a = m.cluster.Mount("v", {"--deferred-creates", "--deferred-create-delay-ms", "200"});
  REQUIRE(::mkdir((a + "/d").c_str(), 0755) == 0);
  const std::string data = RandomData(300000, 77);
  REQUIRE(WriteFile(a + "/d/f0", data, /*fsync=*/true) == 0);
  for (int i = 1; i < 10; ++i) REQUIRE(Touch(a + "/d/f" + std::to_string(i)) == 0);
  int dir = ::open((a + "/d").c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(dir >= 0);
  REQUIRE(::fsync(dir) == 0);  // f0-f9 are at weft-meta, synced
  ::close(dir);
  for (int i = 10; i < 20; ++i) REQUIRE(Touch(a + "/d/f" + std::to_string(i)) == 0);
  // Unlinks of synced files a answers itself, queued with the creates.
  for (int i = 5; i < 10; ++i) REQUIRE(::unlink((a + "/d/f" + std::to_string(i)).c_str()) == 0);
  MountPoint* mp = m.cluster.FindMount(a);
  REQUIRE(mp != nullptr);
  mp->process.Stop(SIGKILL);
  // The killed mount answers no recall: b's listing waits for its lease to lapse (1 s), then shows the
  // fsynced files a did not unlink, those it unlinked whose unlinks had not left (they stay, as on a
  // local file system that lost them at a power cut), and whichever later creates had left, each whole.
  auto names = List(b + "/d");
  for (int i = 0; i < 5; ++i) CHECK(names.count("f" + std::to_string(i)) == 1);
  CHECK(names.size() <= 20);
  for (const auto& n : names) {
    struct stat st {};
    CHECK(::stat((b + "/d/" + n).c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
  }
  int err = -1;
  CHECK(ReadFile(b + "/d/f0", &err) == data);
  CHECK(err == 0);
  // The directory is b's to add to now, and a name a answered but never sent is free.
  CHECK(Touch(b + "/d/theirs") == 0);
  if (names.count("f19") == 0) CHECK(Touch(b + "/d/f19") == 0);
  // A file whose unlink was lost is b's to remove.
  if (names.count("f7") == 1) CHECK(::unlink((b + "/d/f7").c_str()) == 0);
  CHECK(List(b + "/d").count("theirs") == 1);
  m.cluster.Unmount(a);
}

TEST_CASE("deferred creates: an inode quota too small to reserve from leaves creates the usual way",
          "[fuse][integration][deferred]") {
  MountedCluster m(VolumeSpec{.quota_inodes = 40});
  const std::string a = m.cluster.Mount("v", {"--deferred-creates"});
  REQUIRE(::mkdir((a + "/d").c_str(), 0755) == 0);  // root + d
  int made = 0;
  int err = 0;
  for (int i = 0; i < 60 && err == 0; ++i) {
    err = Touch(a + "/d/f" + std::to_string(i));
    if (err == 0) ++made;
  }
  CHECK(err == EDQUOT);
  CHECK(made == 38);
  CHECK(List(m.mnt + "/d").size() == 38);
}

namespace {

// The count a mount logged at its end: "<what>: N answered here, M refused ...".
std::pair<uint64_t, uint64_t> Answered(const std::string& log, const std::string& what) {
  const auto at = log.find(what + ": ");
  if (at == std::string::npos) return {0, 0};
  const std::string rest = log.substr(at + what.size() + 2);
  const uint64_t answered = std::stoull(rest);
  const auto comma = rest.find(", ");
  return {answered, comma == std::string::npos ? 0 : std::stoull(rest.substr(comma + 2))};
}

}  // namespace

TEST_CASE("deferred unlinks: files a mount made or renamed in its directory and removes are gone everywhere at once",
          "[fuse][integration][deferred][unlink]") {
  MountedCluster m;
  const std::string& b = m.mnt;
  const uint64_t inodes_before = UsedInodes(b);
  const uint64_t bytes_before = UsedBytes(b);
  // Batches wait up to 150 ms here, so that b's calls below come while a's unlinks are queued.
  const std::string a = m.cluster.Mount("v", {"--deferred-creates", "--deferred-create-delay-ms", "150"});
  const std::string data = RandomData(3 << 20, 5);
  // a makes e, 100 empty files and 3 of 3 MiB there, and renames half of the empty ones: it knows them all.
  REQUIRE(::mkdir((a + "/e").c_str(), 0755) == 0);
  for (int i = 0; i < 100; ++i) REQUIRE(Touch(a + "/e/f" + std::to_string(i)) == 0);
  for (int i = 0; i < 3; ++i) REQUIRE(WriteFile(a + "/e/w" + std::to_string(i), data) == 0);
  for (int i = 0; i < 100; i += 2) {
    REQUIRE(::rename((a + "/e/f" + std::to_string(i)).c_str(), (a + "/e/r" + std::to_string(i)).c_str()) == 0);
  }
  CHECK(UsedBytes(b) >= bytes_before + 3 * data.size());
  // A file open in a is unlinked the usual way, and reads back through its descriptor after.
  int held = ::open((a + "/e/w0").c_str(), O_RDONLY);
  REQUIRE(held >= 0);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(::unlink((a + "/e/" + (i % 2 == 0 ? "r" : "f") + std::to_string(i)).c_str()) == 0);
  }
  for (int i = 0; i < 3; ++i) REQUIRE(::unlink((a + "/e/w" + std::to_string(i)).c_str()) == 0);
  struct stat st {};
  CHECK(::stat((a + "/e/f1").c_str(), &st) == -1);
  CHECK(errno == ENOENT);
  CHECK(List(a + "/e").empty());
  // b looks one up, then lists: both recall a's lease, so a's queued unlinks land first.
  CHECK(::stat((b + "/e/r50").c_str(), &st) == -1);
  CHECK(errno == ENOENT);
  CHECK(List(b + "/e").empty());
  std::string got(data.size(), '\0');
  CHECK(::pread(held, got.data(), got.size(), 0) == static_cast<ssize_t>(data.size()));
  CHECK(got == data);
  ::close(held);
  // A name a unlinked can be made again, and holds its new bytes.
  REQUIRE(WriteFile(a + "/e/w1", "again") == 0);
  int err = -1;
  CHECK(ReadFile(b + "/e/w1", &err) == "again");
  CHECK(err == 0);
  REQUIRE(::unlink((b + "/e/w1").c_str()) == 0);
  REQUIRE(::rmdir((a + "/e").c_str()) == 0);

  // A lease that lapsed while a only read its directory comes back at a's first unlink there: the rest
  // are answered by a again.
  REQUIRE(::mkdir((a + "/l").c_str(), 0755) == 0);
  for (int i = 0; i < 50; ++i) REQUIRE(Touch(a + "/l/f" + std::to_string(i)) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // weft-meta's --dir-lease-ms: 1000
  CHECK(List(a + "/l").size() == 50);
  for (int i = 0; i < 50; ++i) REQUIRE(::unlink((a + "/l/f" + std::to_string(i)).c_str()) == 0);
  CHECK(List(b + "/l").empty());
  REQUIRE(::rmdir((a + "/l").c_str()) == 0);

  // Their inodes and bytes come back (what is left of a's reservation too, once it unmounts; w0's bytes
  // once its handle's close reached weft-meta).
  m.cluster.Unmount(a);
  CHECK(UsedInodes(b) == inodes_before);
  bool freed = false;
  for (int i = 0; i < 300 && !freed; ++i) {
    freed = UsedBytes(b) <= bytes_before;
    if (!freed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(freed);
  // a answered the unlinks in e itself (all but w0's, open then), and those in l but the first, and
  // weft-meta refused none.
  auto [unlinks, refused] = Answered(ReadFile(a + ".log"), "deferred unlinks");
  CHECK(unlinks >= 95 + 45);
  CHECK(unlinks <= 102 + 49);
  CHECK(refused == 0);
}

TEST_CASE("deferred unlinks: another mount's unlink and rename in the directory see the unlinks answered before",
          "[fuse][integration][deferred][unlink][recall]") {
  // Leases of a minute: without the recall each of b's calls below would wait a minute.
  MountedCluster m({}, ClusterOptions{.meta_args = {"--dir-lease-ms", "60000"}});
  const std::string& b = m.mnt;
  const std::string a = m.cluster.Mount("v", {"--deferred-creates", "--deferred-create-delay-ms", "150"});
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(::mkdir((a + "/d").c_str(), 0755) == 0);
  for (int i = 0; i < 30; ++i) REQUIRE(Touch(a + "/d/f" + std::to_string(i)) == 0);
  for (int i = 0; i < 10; ++i) REQUIRE(::unlink((a + "/d/f" + std::to_string(i)).c_str()) == 0);
  // a's unlink of f5 came first: b's finds it gone (b's lookup before it recalls a's lease, which sends
  // a's queued unlinks; weft-meta's own wait for an unlink or rename out of d runs in
  // test/meta/deferred_create_test.cc, as a mount always looks a name up first).
  CHECK(::unlink((b + "/d/f5").c_str()) == -1);
  CHECK(errno == ENOENT);
  REQUIRE(::mkdir((a + "/e").c_str(), 0755) == 0);
  for (int i = 0; i < 30; ++i) REQUIRE(Touch(a + "/e/f" + std::to_string(i)) == 0);
  for (int i = 0; i < 10; ++i) REQUIRE(::unlink((a + "/e/f" + std::to_string(i)).c_str()) == 0);
  // b renames a file a made out of e, and unlinks another: a's unlinks of them after find them gone.
  REQUIRE(::rename((b + "/e/f10").c_str(), (b + "/moved").c_str()) == 0);
  REQUIRE(::unlink((b + "/e/f11").c_str()) == 0);
  CHECK(::unlink((a + "/e/f10").c_str()) == -1);
  CHECK(errno == ENOENT);
  CHECK(::unlink((a + "/e/f11").c_str()) == -1);
  CHECK(errno == ENOENT);
  struct stat st {};
  CHECK(::stat((a + "/moved").c_str(), &st) == 0);
  auto d = List(b + "/d");
  CHECK(d.size() == 20);
  CHECK(d.count("f9") == 0);
  CHECK(d.count("f10") == 1);
  auto e = List(b + "/e");
  CHECK(e.size() == 18);
  CHECK(e.count("f12") == 1);
  // Far less than one lease period for all of it.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  m.cluster.Unmount(a);
  auto [unlinks, refused] = Answered(ReadFile(a + ".log"), "deferred unlinks");
  CHECK(unlinks >= 15);
  CHECK(refused == 0);
}
