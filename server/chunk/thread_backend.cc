// The pread/pwrite backend: each operation runs on a worker thread of a small pool and its completion is
// posted back to the event loop. The fallback where io_uring is unavailable, and a second engine for the
// chunk-store tests.
#include <unistd.h>

#include <cerrno>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/chunk/async_sync.h"
#include "server/chunk/io_backend.h"

namespace weft::chunk {
namespace {

class ThreadBackend final : public IoBackend {
 public:
  ThreadBackend(asio::io_context& loop, int threads) : loop_(loop), pool_(static_cast<size_t>(threads)) {}
  ~ThreadBackend() override { pool_.join(); }

  asio::awaitable<long> Read(int fd, char* buf, size_t len, uint64_t off, int) override {
    return Run([=] { return static_cast<long>(pread(fd, buf, len, static_cast<off_t>(off))); });
  }
  asio::awaitable<long> Write(int fd, const char* buf, size_t len, uint64_t off, int) override {
    return Run([=] { return static_cast<long>(pwrite(fd, buf, len, static_cast<off_t>(off))); });
  }
  asio::awaitable<long> Sync(int fd) override {
    return Run([=] { return static_cast<long>(fdatasync(fd)); });
  }
  std::string_view name() const override { return "threads"; }

 private:
  template <typename Fn>
  asio::awaitable<long> Run(Fn fn) {  // not a coroutine (see async_sync.h)
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(long)>(
        [this, fn](auto handler) {
          // The work guard keeps the loop running while the syscall is on a worker thread.
          asio::post(pool_, [fn, h = Resumer<void(long)>(std::move(handler)), work = asio::make_work_guard(loop_)]() mutable {
            long r = fn();
            if (r < 0) r = -errno;
            std::move(h).Resume(r);
          });
        },
        asio::use_awaitable);
  }

  asio::io_context& loop_;
  asio::thread_pool pool_;
};

}  // namespace

std::unique_ptr<IoBackend> MakeThreadBackend(asio::io_context& loop, int threads) {
  return std::make_unique<ThreadBackend>(loop, threads);
}

}  // namespace weft::chunk
