// The io_uring backend. One ring, owned by the event-loop thread that created it. Completions are
// signalled on an eventfd registered with the ring, which the loop reads through an Asio
// posix::stream_descriptor (so the ring and the sockets share one epoll loop); each completion resumes
// its coroutine through the loop's executor. Submissions are batched: the first operation of a loop turn
// posts one flush that submits every SQE queued by then.
//
// Why an own ring and not Asio 1.26's io_uring backend (BOOST_ASIO_HAS_IO_URING): that switches every
// Asio file and (with BOOST_ASIO_DISABLE_EPOLL) socket operation of the binary to the ring, cannot use
// registered buffers, and has no fdatasync operation; see docs/chunk-format.md "I/O path" for the
// measurements behind the choice.
#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <functional>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "server/chunk/async_sync.h"
#include "server/chunk/io_backend.h"

namespace weft::chunk {
namespace {

class UringBackend final : public IoBackend {
 public:
  explicit UringBackend(asio::io_context& loop) : loop_(loop), efd_(loop) {}

  Status Init(const UringOptions& opts) {
    int r = io_uring_queue_init(opts.entries, &ring_, 0);
    if (r < 0) return Err(-r, "io_uring_queue_init({}): {}", opts.entries, strerror(-r));
    ring_ok_ = true;
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return Err(errno, "eventfd: {}", strerror(errno));
    efd_.assign(fd);
    r = io_uring_register_eventfd(&ring_, fd);
    if (r < 0) return Err(-r, "io_uring_register_eventfd: {}", strerror(-r));
    ArmEventfd();
    return Status::Ok();
  }

  ~UringBackend() override {
    alive_.reset();
    if (!ring_ok_) return;
    // The kernel may still write into caller buffers: wait for every submitted operation to finish.
    io_uring_submit(&ring_);
    while (inflight_ > 0) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring_, &cqe) < 0) break;
      delete reinterpret_cast<Op*>(io_uring_cqe_get_data(cqe));  // NOLINT: owned through user_data
      io_uring_cqe_seen(&ring_, cqe);
      --inflight_;
    }
    boost::system::error_code ec;
    efd_.close(ec);
    io_uring_queue_exit(&ring_);
  }

  // These are not coroutines (see async_sync.h): they return the awaitable of the operation.
  asio::awaitable<long> Read(int fd, char* buf, size_t len, uint64_t off, int buf_index) override {
    return Submit([=](io_uring_sqe* sqe) {
      if (buf_index >= 0) {
        io_uring_prep_read_fixed(sqe, fd, buf, static_cast<unsigned>(len), off, buf_index);
      } else {
        io_uring_prep_read(sqe, fd, buf, static_cast<unsigned>(len), off);
      }
    });
  }

  asio::awaitable<long> Write(int fd, const char* buf, size_t len, uint64_t off, int buf_index) override {
    return Submit([=](io_uring_sqe* sqe) {
      if (buf_index >= 0) {
        io_uring_prep_write_fixed(sqe, fd, buf, static_cast<unsigned>(len), off, buf_index);
      } else {
        io_uring_prep_write(sqe, fd, buf, static_cast<unsigned>(len), off);
      }
    });
  }

  asio::awaitable<long> Sync(int fd) override {
    return Submit([=](io_uring_sqe* sqe) { io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC); });
  }

  Status RegisterBuffers(std::span<const iovec> buffers) override {
    int r = io_uring_register_buffers(&ring_, buffers.data(), static_cast<unsigned>(buffers.size()));
    if (r < 0) return Err(-r, "io_uring_register_buffers({} buffers): {}", buffers.size(), strerror(-r));
    return Status::Ok();
  }

  std::string_view name() const override { return "io_uring"; }

 private:
  struct Op {
    Resumer<void(long)> handler;
  };
  using Prep = std::function<void(io_uring_sqe*)>;

  asio::awaitable<long> Submit(Prep prep) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(long)>(
        [this, prep = std::move(prep)](auto handler) mutable {
          auto op = std::make_unique<Op>(Op{Resumer<void(long)>(std::move(handler))});
          if (!backlog_.empty() || !Queue(op, prep)) backlog_.push_back({std::move(op), std::move(prep)});
        },
        asio::use_awaitable);
  }

  // Puts op into an SQE; false (op kept) when the submission queue is full.
  bool Queue(std::unique_ptr<Op>& op, const Prep& prep) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
      if (!sqe) return false;
    }
    prep(sqe);
    io_uring_sqe_set_data(sqe, op.release());  // owned by the ring until its CQE is reaped
    ++inflight_;
    ScheduleFlush();
    return true;
  }

  void ScheduleFlush() {
    if (flush_posted_) return;
    flush_posted_ = true;
    asio::post(loop_, [this, alive = std::weak_ptr<int>(alive_)] {
      if (alive.expired()) return;
      flush_posted_ = false;
      int r = io_uring_submit(&ring_);
      if (r < 0 && r != -EAGAIN && r != -EBUSY) spdlog::error("io_uring_submit: {}", strerror(-r));
      if (r == -EAGAIN || r == -EBUSY) ScheduleFlush();
    });
  }

  void ArmEventfd() {
    efd_.async_read_some(asio::buffer(&efd_value_, sizeof efd_value_),
                         [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec, size_t) {
                           if (alive.expired() || ec == asio::error::operation_aborted) return;  // closing
                           if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
                             spdlog::error("io_uring eventfd: {}", ec.message());
                           }
                           Reap();
                           ArmEventfd();
                         });
  }

  void Reap() {
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0, seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      std::unique_ptr<Op> op(reinterpret_cast<Op*>(io_uring_cqe_get_data(cqe)));
      std::move(op->handler).Resume(static_cast<long>(cqe->res));
      ++seen;
    }
    io_uring_cq_advance(&ring_, seen);
    inflight_ -= seen;
    while (!backlog_.empty() && Queue(backlog_.front().op, backlog_.front().prep)) backlog_.pop_front();
  }

  struct Pending {
    std::unique_ptr<Op> op;
    Prep prep;
  };

  asio::io_context& loop_;
  io_uring ring_{};
  bool ring_ok_ = false;
  asio::posix::stream_descriptor efd_;
  uint64_t efd_value_ = 0;
  bool flush_posted_ = false;
  size_t inflight_ = 0;
  std::deque<Pending> backlog_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // posted callbacks check it: `this` may be gone
};

}  // namespace

StatusOr<std::unique_ptr<IoBackend>> MakeUringBackend(asio::io_context& loop, const UringOptions& opts) {
  auto b = std::make_unique<UringBackend>(loop);
  Status s = b->Init(opts);
  if (!s.ok()) return s;
  return std::unique_ptr<IoBackend>(std::move(b));
}

}  // namespace weft::chunk
