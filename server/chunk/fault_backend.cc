#include "server/chunk/fault_backend.h"

namespace weft::chunk {

boost::asio::awaitable<long> FaultBackend::Read(int fd, char* buf, size_t len, uint64_t off, int buf_index) {
  ++reads_;
  if (int e = read_err_.load()) co_return -e;
  long r = co_await base_->Read(fd, buf, len, off, buf_index);
  if (r > 0 && corrupt_reads_.load()) buf[0] ^= 0x01;
  co_return r;
}

boost::asio::awaitable<long> FaultBackend::Write(int fd, const char* buf, size_t len, uint64_t off,
                                                 int buf_index) {
  ++writes_;
  if (int e = write_err_.load()) {
    if (write_after_.load() <= 0) co_return -e;
    --write_after_;
  }
  co_return co_await base_->Write(fd, buf, len, off, buf_index);
}

boost::asio::awaitable<long> FaultBackend::Sync(int fd) {
  ++syncs_;
  if (int e = sync_err_.load()) co_return -e;
  co_return co_await base_->Sync(fd);
}

}  // namespace weft::chunk
