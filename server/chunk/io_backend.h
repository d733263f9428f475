// Disk I/O for chunk data, as coroutines on the server's event loop. Every OS effect on chunk data goes
// through an IoBackend so tests can swap or wrap it:
//   - the io_uring backend (uring_backend.cc): one ring per event-loop thread, registered buffers,
//     fdatasync through the ring, completions signalled on an eventfd the loop waits on;
//   - the thread backend (thread_backend.cc): plain pread/pwrite/fdatasync on a small thread pool;
//   - the fault-injecting wrapper (fault_backend.h): fails or corrupts chosen operations.
//
// Results are the syscall's: bytes transferred (>= 0), or -errno. The caller owns the buffer and the
// descriptor until the operation completes. buf_index is the registered-buffer index of buf (IoBuffer::
// index()), -1 when buf is not a registered buffer. For O_DIRECT descriptors buf, len and off must be
// 4 KiB aligned (weft-chunk only does aligned I/O).
//
// Thread-safety: operations are started from the loop thread that owns the backend (the io_context
// given at creation) and complete on it.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "common/status.h"

namespace weft::chunk {

class IoBackend {
 public:
  virtual ~IoBackend() = default;

  virtual boost::asio::awaitable<long> Read(int fd, char* buf, size_t len, uint64_t off, int buf_index) = 0;
  virtual boost::asio::awaitable<long> Write(int fd, const char* buf, size_t len, uint64_t off,
                                             int buf_index) = 0;
  // fdatasync(fd).
  virtual boost::asio::awaitable<long> Sync(int fd) = 0;

  // Registers buffers for fixed-buffer I/O (see buffer_pool.h). OK when registered; an error leaves the
  // backend working with unregistered buffers. The default does not register anything (ENOTSUP).
  virtual Status RegisterBuffers(std::span<const iovec> buffers) { return Err(ENOTSUP, "no fixed buffers"); }

  virtual std::string_view name() const = 0;
};

// Reads exactly len bytes at off, looping over short transfers; bytes past the end of the file read as
// zeros. Errors carry the errno.
boost::asio::awaitable<Status> ReadFull(IoBackend& io, int fd, char* buf, size_t len, uint64_t off,
                                        int buf_index);
// Writes exactly len bytes at off, looping over short transfers.
boost::asio::awaitable<Status> WriteFull(IoBackend& io, int fd, const char* buf, size_t len, uint64_t off,
                                         int buf_index);
boost::asio::awaitable<Status> SyncData(IoBackend& io, int fd);

struct UringOptions {
  unsigned entries = 256;  // submission queue entries; default 256
};
// The io_uring backend on loop. ENOSYS/EPERM when the kernel or a sandbox refuses io_uring.
StatusOr<std::unique_ptr<IoBackend>> MakeUringBackend(boost::asio::io_context& loop, const UringOptions& opts);
// The pread/pwrite backend: syscalls run on `threads` worker threads, completions resume on loop.
std::unique_ptr<IoBackend> MakeThreadBackend(boost::asio::io_context& loop, int threads = 4);

}  // namespace weft::chunk
