#include "test/chunk/store_harness.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace weft::chunk::test {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    memcpy(s.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return s;
}

int CountOpenFds() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

StoreHarness::StoreHarness(HarnessOptions o) : opts(std::move(o)) {
  if (opts.dir.empty()) {
    std::string tmpl = "/tmp/weft-store-test-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    dir = tmpl;
  } else {
    dir = opts.dir;
  }
  if (opts.backend == "uring") {
    auto b = MakeUringBackend(io, UringOptions{});
    if (!b.ok()) throw std::runtime_error("io_uring: " + b.status().ToString());
    base = std::move(*b);
  } else {
    base = MakeThreadBackend(io, 2);
  }
  IoBackend* io_ptr = base.get();
  if (opts.fault) {
    fault = std::make_unique<FaultBackend>(base.get());
    io_ptr = fault.get();
  }
  if (io_ptr->RegisterBuffers(pool.iovecs()).ok()) pool.set_registered(true);
  if (opts.records == "rocksdb") {
    auto r = OpenRocksMetaStore(dir + "/meta");
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    records = std::move(*r);
  } else {
    records = NewMemMetaStore();
  }
  committer = std::make_unique<MetaCommitter>(records.get(), io.get_executor(), true);
  StoreOptions so{{dir + "/d0", dir + "/d1"}, opts.fd_cache, true};
  store = std::make_unique<ChunkStore>(so, io_ptr, committer.get(), &pool);
  Status s = store->Open(records.get());
  if (!s.ok()) throw std::runtime_error(s.ToString());
}

StoreHarness::~StoreHarness() {
  store.reset();
  committer->Stop();
  io.poll();  // deliver the last batch completions
  committer.reset();
  records.reset();
  fault.reset();
  base.reset();
  if (!opts.keep_dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

std::optional<ChunkMeta> StoreHarness::Meta(const ChunkKey& key) {
  auto m = store->GetMeta(key);
  if (!m.ok()) throw std::runtime_error(m.status().ToString());
  return *m;
}

StatusOr<ChunkMeta> StoreHarness::Write(const ChunkKey& key, uint32_t offset, std::string_view data,
                                        uint64_t version) {
  auto old = Meta(key);
  if (version == 0) version = (old ? old->version : 0) + 1;
  uint32_t skip = offset % kCrcBlock;
  IoBuffer buf = pool.Get(AlignUp(skip + data.size()));
  memcpy(buf.data() + skip, data.data(), data.size());
  return Run(store->Write(key, old, offset, static_cast<uint32_t>(data.size()), buf,
                          UpdateVersion{version, version, 4u << 20}));
}

StatusOr<std::string> StoreHarness::Read(const ChunkKey& key, uint32_t offset, uint32_t length,
                                         std::vector<uint32_t>* bad) {
  auto m = Meta(key);
  if (!m) return std::string(length, '\0');
  auto r = Run(store->Read(key, *m, offset, length));
  if (!r.ok()) return r.status();
  if (bad) *bad = r->bad_blocks;
  return std::string(r->buf.data() + r->skip, length);
}

StatusOr<ChunkMeta> StoreHarness::Truncate(const ChunkKey& key, uint32_t length, uint64_t version) {
  auto old = Meta(key);
  if (version == 0) version = (old ? old->version : 0) + 1;
  return Run(store->Truncate(key, old, length, UpdateVersion{version, version, 4u << 20}));
}

Status StoreHarness::Remove(const ChunkKey& key) {
  auto old = Meta(key);
  if (!old) return Status::Ok();
  return Run(store->Remove(key, *old));
}

void StoreHarness::CorruptFile(const ChunkKey& key, uint64_t offset, std::string_view bytes) {
  std::string path = FilePath(key);
  int fd = ::open(path.c_str(), O_WRONLY);
  if (fd < 0) throw std::runtime_error("open " + path);
  if (pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)) != static_cast<ssize_t>(bytes.size())) {
    ::close(fd);
    throw std::runtime_error("pwrite " + path);
  }
  fsync(fd);
  ::close(fd);
}

}  // namespace weft::chunk::test
