// Latency histograms and the parallel phase runner the benchmarks share.
//
// Thread-safety: a Histogram belongs to one thread; merge per-thread histograms after the phase.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "common/status.h"

namespace weft::bench {

using Clock = std::chrono::steady_clock;

inline uint64_t NanosSince(Clock::time_point t0) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
}

// Log-linear buckets over nanoseconds: 16 sub-buckets per power of two, so any percentile is within
// ~6% of the true value. Fixed size, no allocation on the hot path.
class Histogram {
 public:
  void Add(uint64_t nanos);
  void Merge(const Histogram& o);
  uint64_t count() const { return count_; }
  // The value at quantile q in [0, 1], in nanoseconds (0 when empty).
  uint64_t Quantile(double q) const;
  uint64_t max() const { return max_; }
  double MeanNanos() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }

 private:
  static constexpr int kSub = 16;
  static constexpr int kBuckets = 64 * kSub;
  static int Bucket(uint64_t v);
  static uint64_t BucketValue(int b);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
};

// What one thread of a phase did.
struct WorkerResult {
  Status status;
  uint64_t ops = 0;
  uint64_t bytes = 0;
  Histogram latency;
};

// What a phase did, over every thread.
struct PhaseResult {
  Status status;          // the first thread error, if any
  double seconds = 0;     // wall time from the common start to the last thread's end
  uint64_t ops = 0;
  uint64_t bytes = 0;
  Histogram latency;
};

// Runs fn(i, &result) on n threads that start together (the clock starts when all are ready) and
// returns the merged result. fn should stop early when *stop becomes true (another thread failed).
using WorkerFn = std::function<void(int index, const std::atomic<bool>& stop, WorkerResult* out)>;
PhaseResult RunPhase(int n, const WorkerFn& fn);

}  // namespace weft::bench
