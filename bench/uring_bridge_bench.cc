// How to bridge io_uring into the Asio event loop, measured (docs/chunk-format.md "I/O path"): the same
// O_DIRECT workloads on one single-threaded io_context through
//   - weft-chunk's own ring (server/chunk/uring_backend.cc: eventfd + registered buffers), built as
//     weft-uring-bridge-bench, which can also run the thread backend (--backend threads); and
//   - Asio 1.26's io_uring file service (BOOST_ASIO_HAS_IO_URING, asio::random_access_file over an fd
//     opened with O_DIRECT), built from this same file as weft-uring-bridge-bench-asio.
// Asio's file API has no asynchronous fdatasync: that build calls sync_data() on the loop.
//
//   weft-uring-bridge-bench --dir /var/tmp --mode randread --depth 32 --seconds 5
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "common/buffer.h"
#include "common/flags.h"

#ifdef WEFT_ASIO_URING
#include <boost/asio/random_access_file.hpp>
#else
#include "server/chunk/buffer_pool.h"
#include "server/chunk/io_backend.h"
#endif

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string dir = "/var/tmp";
  std::string mode = "randread";  // randread | seqwrite
  std::string backend = "uring";  // own build: uring | threads
  int depth = 32;
  double seconds = 5;
  size_t file_mb = 256;
};

#ifdef WEFT_ASIO_URING
struct File {
  asio::random_access_file f;
  File(asio::io_context& io, int fd) : f(io, fd) {}
  asio::awaitable<long> Read(char* p, size_t n, uint64_t off, int) {
    auto [ec, got] = co_await f.async_read_some_at(off, asio::buffer(p, n), asio::as_tuple(asio::use_awaitable));
    co_return ec ? -ec.value() : static_cast<long>(got);
  }
  asio::awaitable<long> Write(const char* p, size_t n, uint64_t off, int) {
    auto [ec, got] = co_await f.async_write_some_at(off, asio::buffer(p, n), asio::as_tuple(asio::use_awaitable));
    co_return ec ? -ec.value() : static_cast<long>(got);
  }
  asio::awaitable<long> Sync() {
    boost::system::error_code ec;
    f.sync_data(ec);  // blocking: Asio has no async fdatasync
    co_return ec ? -ec.value() : 0;
  }
};
#else
struct File {
  weft::chunk::IoBackend* io;
  int fd;
  asio::awaitable<long> Read(char* p, size_t n, uint64_t off, int idx) { return io->Read(fd, p, n, off, idx); }
  asio::awaitable<long> Write(const char* p, size_t n, uint64_t off, int idx) { return io->Write(fd, p, n, off, idx); }
  asio::awaitable<long> Sync() { return io->Sync(fd); }
};
#endif

struct Stats {
  uint64_t ops = 0, bytes = 0;
  int errors = 0;
};

asio::awaitable<void> RandRead(File& f, char* buf, int idx, size_t file_bytes, Clock::time_point end, int seed,
                               Stats* st) {
  std::mt19937_64 rng(seed);
  while (Clock::now() < end) {
    uint64_t off = rng() % (file_bytes / 4096) * 4096;
    long r = co_await f.Read(buf, 4096, off, idx);
    if (r != 4096) {
      ++st->errors;
      co_return;
    }
    ++st->ops;
    st->bytes += 4096;
  }
}

asio::awaitable<void> SeqWrite(File& f, char* buf, int idx, size_t file_bytes, Clock::time_point end, Stats* st) {
  const size_t bs = 4u << 20;
  for (uint64_t off = 0; Clock::now() < end; off = (off + bs) % file_bytes) {
    long r = co_await f.Write(buf, bs, off, idx);
    long s = r == static_cast<long>(bs) ? co_await f.Sync() : -1;
    if (s != 0) {
      ++st->errors;
      co_return;
    }
    ++st->ops;
    st->bytes += bs;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"io_uring bridge micro-benchmark"};
  app.add_option("--dir", o.dir)->capture_default_str();
  app.add_option("--mode", o.mode, "randread | seqwrite")->capture_default_str();
  app.add_option("--backend", o.backend, "uring | threads (own build only)")->capture_default_str();
  app.add_option("--depth", o.depth, "operations in flight")->capture_default_str();
  app.add_option("--seconds", o.seconds)->capture_default_str();
  app.add_option("--file-mb", o.file_mb, "file size (randread) or per-writer size (seqwrite)")->capture_default_str();
  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;

  asio::io_context io(1);
  const size_t file_bytes = o.file_mb << 20;
  const bool write = o.mode == "seqwrite";
  const int files = write ? o.depth : 1;
  std::vector<int> fds;
  for (int i = 0; i < files; ++i) {
    std::string path = fmt::format("{}/uring-bridge-{}-{}", o.dir, getpid(), i);
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);
    if (fd < 0) {
      fmt::print(stderr, "open {}: {}\n", path, strerror(errno));
      return 1;
    }
    unlink(path.c_str());
    if (!write) {  // lay the file out
      weft::AlignedBuffer chunk(4u << 20);
      memset(chunk.data(), 'x', chunk.size());
      for (size_t off = 0; off < file_bytes; off += chunk.size()) {
        if (pwrite(fd, chunk.data(), chunk.size(), static_cast<off_t>(off)) < 0) return 1;
      }
      fsync(fd);
    }
    fds.push_back(fd);
  }
  const size_t bufsize = write ? (4u << 20) : 4096;
  std::vector<weft::AlignedBuffer> bufs;
  std::vector<iovec> iov;
  for (int i = 0; i < o.depth; ++i) {
    bufs.emplace_back(bufsize);
    memset(bufs.back().data(), 'y', bufsize);
    iov.push_back({bufs.back().data(), bufsize});
  }
  std::string name;
#ifdef WEFT_ASIO_URING
  std::vector<std::unique_ptr<File>> fs;
  for (int fd : fds) fs.push_back(std::make_unique<File>(io, fd));
  auto file_for = [&](int i) -> File& { return *fs[static_cast<size_t>(write ? i : 0)]; };
  auto index_for = [](int) { return -1; };
  name = "asio-io_uring";
#else
  std::unique_ptr<weft::chunk::IoBackend> backend;
  if (o.backend == "uring") {
    auto b = weft::chunk::MakeUringBackend(io, {});
    if (!b.ok()) return 1;
    backend = std::move(*b);
  } else {
    backend = weft::chunk::MakeThreadBackend(io, 4);
  }
  bool registered = backend->RegisterBuffers(iov).ok();
  std::vector<File> fs;
  for (int fd : fds) fs.push_back(File{backend.get(), fd});
  auto file_for = [&](int i) -> File& { return fs[static_cast<size_t>(write ? i : 0)]; };
  auto index_for = [&](int i) { return registered ? i : -1; };
  name = o.backend == "uring" ? (registered ? "weft-ring (registered buffers)" : "weft-ring") : "weft-threads";
#endif
  Stats st;
  int done = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::milliseconds(static_cast<int64_t>(o.seconds * 1000));
  for (int i = 0; i < o.depth; ++i) {
    char* buf = bufs[static_cast<size_t>(i)].data();
    auto work = write ? SeqWrite(file_for(i), buf, index_for(i), file_bytes, end, &st)
                      : RandRead(file_for(i), buf, index_for(i), file_bytes, end, i + 1, &st);
    asio::co_spawn(io, std::move(work), [&st, &done](std::exception_ptr e) {
      if (e) ++st.errors;
      ++done;
    });
  }
  while (done < o.depth) io.run_one();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print("{} {} depth={} ops={} MBps={:.1f} iops={:.0f} errors={}\n", name, o.mode, o.depth, st.ops,
             st.bytes / secs / 1e6, st.ops / secs, st.errors);
  for (int fd : fds) close(fd);
  return st.errors ? 1 : 0;
}
