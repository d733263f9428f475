#include "server/chunk/io_backend.h"

#include <cstring>

namespace weft::chunk {

boost::asio::awaitable<Status> ReadFull(IoBackend& io, int fd, char* buf, size_t len, uint64_t off,
                                        int buf_index) {
  size_t done = 0;
  while (done < len) {
    long n = co_await io.Read(fd, buf + done, len - done, off + done, buf_index);
    if (n < 0) co_return Err(static_cast<int>(-n), "read {} bytes at {}: {}", len - done, off + done, strerror(static_cast<int>(-n)));
    if (n == 0) {  // end of file: the rest is a hole
      memset(buf + done, 0, len - done);
      break;
    }
    done += static_cast<size_t>(n);
    // A short O_DIRECT read ends at EOF inside a block; the next read at an unaligned offset would fail.
    if (done < len && done % 4096 != 0) {
      memset(buf + done, 0, len - done);
      break;
    }
  }
  co_return Status::Ok();
}

boost::asio::awaitable<Status> WriteFull(IoBackend& io, int fd, const char* buf, size_t len, uint64_t off,
                                         int buf_index) {
  size_t done = 0;
  while (done < len) {
    long n = co_await io.Write(fd, buf + done, len - done, off + done, buf_index);
    if (n < 0) co_return Err(static_cast<int>(-n), "write {} bytes at {}: {}", len - done, off + done, strerror(static_cast<int>(-n)));
    if (n == 0) co_return Err(EIO, "write {} bytes at {}: no progress", len - done, off + done);
    done += static_cast<size_t>(n);
  }
  co_return Status::Ok();
}

boost::asio::awaitable<Status> SyncData(IoBackend& io, int fd) {
  long r = co_await io.Sync(fd);
  if (r < 0) co_return Err(static_cast<int>(-r), "fdatasync: {}", strerror(static_cast<int>(-r)));
  co_return Status::Ok();
}

}  // namespace weft::chunk
