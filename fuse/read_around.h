// Read-around: a random read smaller than the read-around size (weft-mount --read-around-kb, default 16)
// fetches the whole aligned block about it from the chunk server in the same request, answers the
// kernel with what it asked, and gives the kernel the rest of the block for its page cache
// (fuse_lowlevel_notify_store), so later reads nearby are answered by the kernel without a FUSE request.
// Where reads come back to a file that fits in memory, that multiplies their rate; where no read ever
// comes back near an earlier one it only costs (bench/fio/randread-4k-sparse.fio). Measured with
// bench/fio-ab.sh, 4 KiB random reads, against 0: 16 KiB gave 5.95x and 0.97x in the worst case, 64 KiB
// 14.3x and 0.51x; hence 16 (bench/results/fio-ab-20261127-read-around.md).
//
// A store overwrites whatever pages the kernel holds, so it must never carry older bytes than the
// kernel has. Only this mount changes the kernel's pages of a file (other clients' writes reach it at
// the next open: close-to-open), and only through a handle open for writing or a truncation. So a
// block is stored only if, from before its fetch until the store is done, no handle of its inode was
// open for writing here and no open, create or truncation of the inode came: every open and truncation
// (Opened/Truncated) bumps the epoch of the inode's shard (one of 64: a change of another inode there
// costs a store, nothing more), and waits for a store of that inode already under way.
// That wait is bounded (kStoreWaitMs): a store can itself wait for a page the kernel has locked for a
// read that a FUSE worker still has to answer, and the worker answering it must not be the one
// waiting. If the wait runs out, the store, once done, invalidates the inode's pages and attributes.
//
// Stores run on one thread of their own (never on a FUSE worker, for the same reason), from a bounded
// queue; a block that finds the queue full is not stored. Off with the kernel's write-back cache (its
// dirty pages would be overwritten).
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace weft::fuse {

class ReadAround {
 public:
  static constexpr int kStoreWaitMs = 200;
  static constexpr size_t kMaxQueued = 32;

  struct Counters {
    uint64_t stored = 0;       // blocks given to the kernel
    uint64_t skipped = 0;      // found changed (or a writer) at store time, or the queue full
    uint64_t invalidated = 0;  // stores that outran an open or truncation's wait: pages dropped
  };

  // bytes: the read-around size (a multiple of 4 KiB; 0 = off). store(ino, off, data, len) gives the
  // kernel the bytes (fuse_lowlevel_notify_store); invalidate(ino) drops its pages and attributes.
  using StoreFn = std::function<void(uint64_t ino, uint64_t off, const char* data, size_t len)>;
  using InvalidateFn = std::function<void(uint64_t ino)>;
  // store_delay_ms: each store waits this long before it checks its token (tests widen the race with it).
  ReadAround(uint32_t bytes, StoreFn store, InvalidateFn invalidate, uint32_t store_delay_ms = 0)
      : bytes_(bytes), store_delay_ms_(store_delay_ms), store_(std::move(store)), invalidate_(std::move(invalidate)) {
    if (bytes_ > 0) thread_ = std::thread([this] { Run(); });
  }
  ~ReadAround() {
    if (thread_.joinable()) {
      Stop(std::chrono::hours(24 * 365));
      thread_.join();
    }
  }

  // Stops the store thread; blocks not yet stored are dropped. Waits at most `wait` for a store under
  // way. False when that store is still in the kernel: it waits for a page locked by a read that no
  // worker will answer any more (the session loop has ended, as at unmount), until the connection goes.
  // The caller must then let this object live until the process ends.
  bool Stop(std::chrono::milliseconds wait) {
    std::unique_lock lock(q_mu_);
    stop_ = true;
    q_cv_.notify_all();
    if (!thread_.joinable()) return true;
    return q_cv_.wait_for(lock, wait, [&] { return exited_; });
  }
  ReadAround(const ReadAround&) = delete;
  ReadAround& operator=(const ReadAround&) = delete;

  uint32_t bytes() const { return bytes_; }

  // Before an open or create of ino is answered (writable: it may write), and before a truncation.
  void Opened(uint64_t ino, bool writable) { Change(ino, writable ? 1 : 0); }
  void Closed(uint64_t ino, bool writable) {
    if (!writable) return;
    Shard& s = ShardOf(ino);
    std::lock_guard lock(s.mu);
    auto it = s.writers.find(ino);
    if (it != s.writers.end() && --it->second == 0) s.writers.erase(it);
  }
  void Truncated(uint64_t ino) { Change(ino, 0); }

  // Before a read's fetch: the token its store needs, or nothing when no block should be stored.
  std::optional<uint64_t> Begin(uint64_t ino) {
    if (bytes_ == 0) return std::nullopt;
    Shard& s = ShardOf(ino);
    std::lock_guard lock(s.mu);
    if (s.writers.count(ino)) return std::nullopt;
    return s.epoch;
  }

  // A buffer to fetch into, of at least `size` bytes; empty when every one is queued (then the read
  // fetches only what it asks). Give it back through Store or Release.
  std::vector<char> Acquire(size_t size) {
    std::lock_guard lock(q_mu_);
    if (queue_.size() >= kMaxQueued) return {};
    std::vector<char> b;
    if (!free_.empty()) {
      b = std::move(free_.back());
      free_.pop_back();
    }
    if (b.size() < size) b.resize(size);
    return b;
  }
  void Release(std::vector<char> b) {
    std::lock_guard lock(q_mu_);
    if (free_.size() < kMaxQueued) free_.push_back(std::move(b));
  }

  // Queues the bytes of buf [0, len) (the file's [off, off+len)) except [skip_from, skip_to), which the
  // read's reply already gave the kernel, to be stored if the token still holds then.
  void Store(uint64_t ino, uint64_t token, uint64_t off, std::vector<char> buf, size_t len, uint64_t skip_from,
             uint64_t skip_to) {
    {
      std::lock_guard lock(q_mu_);
      if (queue_.size() < kMaxQueued) {
        queue_.push_back(Job{ino, token, off, len, skip_from, skip_to, std::move(buf)});
        q_cv_.notify_all();  // the store thread; Drain and Stop wait on this too
        return;
      }
      if (free_.size() < kMaxQueued) free_.push_back(std::move(buf));
    }
    Count(&Counters::skipped);
  }

  Counters counters() const {
    std::lock_guard lock(c_mu_);
    return counters_;
  }

  // Waits until every queued store is done (tests).
  void Drain() {
    std::unique_lock lock(q_mu_);
    q_cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
  }

 private:
  struct Shard {
    std::mutex mu;
    std::condition_variable cv;
    uint64_t epoch = 1;
    std::unordered_map<uint64_t, uint32_t> writers;  // ino -> handles open for writing here
    uint64_t storing = 0;                            // the inode a store is under way for (0: none)
    bool overrun = false;                            // a change of `storing` stopped waiting for it
  };
  struct Job {
    uint64_t ino, token, off;
    size_t len;
    uint64_t skip_from, skip_to;
    std::vector<char> buf;
  };

  Shard& ShardOf(uint64_t ino) { return shards_[(ino * 0x9E3779B97F4A7C15ull) >> 58]; }

  void Change(uint64_t ino, uint32_t writers) {
    Shard& s = ShardOf(ino);
    std::unique_lock lock(s.mu);
    ++s.epoch;
    if (writers) s.writers[ino] += writers;
    if (s.storing == ino &&
        !s.cv.wait_for(lock, std::chrono::milliseconds(kStoreWaitMs), [&] { return s.storing != ino; })) {
      s.overrun = true;  // the store invalidates what it stored once it is done
    }
  }

  void Count(uint64_t Counters::*field) {
    std::lock_guard lock(c_mu_);
    ++(counters_.*field);
  }

  void Run() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(q_mu_);
        q_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) {
          queue_.clear();
          exited_ = true;
          q_cv_.notify_all();
          return;
        }
        job = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
      }
      Apply(job);
      {
        std::lock_guard lock(q_mu_);
        busy_ = false;
        if (free_.size() < kMaxQueued) free_.push_back(std::move(job.buf));
      }
      q_cv_.notify_all();
    }
  }

  void Apply(const Job& job) {
    if (store_delay_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(store_delay_ms_));
    Shard& s = ShardOf(job.ino);
    {
      std::lock_guard lock(s.mu);
      if (s.epoch != job.token || s.writers.count(job.ino)) {
        Count(&Counters::skipped);
        return;
      }
      s.storing = job.ino;
      s.overrun = false;
    }
    const uint64_t end = job.off + job.len;
    if (job.skip_from > job.off) store_(job.ino, job.off, job.buf.data(), job.skip_from - job.off);
    if (job.skip_to < end) store_(job.ino, job.skip_to, job.buf.data() + (job.skip_to - job.off), end - job.skip_to);
    bool overrun;
    {
      std::lock_guard lock(s.mu);
      overrun = s.overrun;
      s.storing = 0;
      s.overrun = false;
    }
    s.cv.notify_all();
    if (overrun) {
      invalidate_(job.ino);
      Count(&Counters::invalidated);
    } else {
      Count(&Counters::stored);
    }
  }

  const uint32_t bytes_;
  const uint32_t store_delay_ms_;
  StoreFn store_;
  InvalidateFn invalidate_;
  std::array<Shard, 64> shards_;

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::deque<Job> queue_;
  std::vector<std::vector<char>> free_;
  bool busy_ = false;
  bool stop_ = false;
  bool exited_ = false;

  mutable std::mutex c_mu_;
  Counters counters_;

  std::thread thread_;
};

}  // namespace weft::fuse
