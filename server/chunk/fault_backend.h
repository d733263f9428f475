// A fault-injecting IoBackend for tests (after leveldb's FaultInjectionTestEnv): wraps another backend
// and, while a fault is armed, fails writes or syncs with a chosen errno or corrupts the bytes reads
// return. Counts the operations it saw.
//
// Thread-safety: loop-confined, like the backend it wraps; the setters may be called from the test
// thread while the loop does not run an operation (the fields are atomics).
#pragma once

#include <atomic>
#include <memory>

#include "server/chunk/io_backend.h"

namespace weft::chunk {

class FaultBackend final : public IoBackend {
 public:
  explicit FaultBackend(IoBackend* base) : base_(base) {}

  // Writes fail with err (e.g. ENOSPC, EIO) after `after` more successful writes; 0 disarms.
  void FailWrites(int err, int after = 0) {
    write_after_ = after;
    write_err_ = err;
  }
  // fdatasync fails with err; 0 disarms.
  void FailSyncs(int err) { sync_err_ = err; }
  // Reads fail with err; 0 disarms.
  void FailReads(int err) { read_err_ = err; }
  // Every read flips one bit in the first byte it returns (a disk returning bad data).
  void CorruptReads(bool on) { corrupt_reads_ = on; }

  int writes() const { return writes_; }
  int reads() const { return reads_; }
  int syncs() const { return syncs_; }

  boost::asio::awaitable<long> Read(int fd, char* buf, size_t len, uint64_t off, int buf_index) override;
  boost::asio::awaitable<long> Write(int fd, const char* buf, size_t len, uint64_t off, int buf_index) override;
  boost::asio::awaitable<long> Sync(int fd) override;
  Status RegisterBuffers(std::span<const iovec> buffers) override { return base_->RegisterBuffers(buffers); }
  std::string_view name() const override { return "fault"; }

 private:
  IoBackend* const base_;
  std::atomic<int> write_err_{0}, write_after_{0}, sync_err_{0}, read_err_{0};
  std::atomic<bool> corrupt_reads_{false};
  std::atomic<int> writes_{0}, reads_{0}, syncs_{0};
};

}  // namespace weft::chunk
