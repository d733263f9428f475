#include "bench/weft_bench/stats.h"

#include <atomic>
#include <bit>
#include <latch>
#include <thread>
#include <vector>

namespace weft::bench {

int Histogram::Bucket(uint64_t v) {
  if (v < kSub) return static_cast<int>(v);
  int msb = 63 - std::countl_zero(v);             // >= 4
  int shift = msb - 4;                            // keep the top 5 bits: 1xxxx
  int sub = static_cast<int>((v >> shift) & (kSub - 1));
  return (shift + 1) * kSub + sub;
}

uint64_t Histogram::BucketValue(int b) {
  if (b < kSub) return static_cast<uint64_t>(b);
  int shift = b / kSub - 1;
  uint64_t sub = static_cast<uint64_t>(b % kSub);
  // The bucket's midpoint.
  return ((kSub + sub) << shift) + ((uint64_t{1} << shift) >> 1);
}

void Histogram::Add(uint64_t nanos) {
  ++buckets_[static_cast<size_t>(Bucket(nanos))];
  ++count_;
  sum_ += nanos;
  if (nanos > max_) max_ = nanos;
}

void Histogram::Merge(const Histogram& o) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  if (o.max_ > max_) max_ = o.max_;
}

uint64_t Histogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[static_cast<size_t>(b)];
    if (seen >= rank) return std::min(BucketValue(b), max_);
  }
  return max_;
}

PhaseResult RunPhase(int n, const WorkerFn& fn) {
  std::vector<WorkerResult> results(static_cast<size_t>(n));
  std::atomic<bool> stop{false};
  std::latch ready(n);
  std::latch go(1);
  std::vector<Clock::time_point> ends(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      ready.count_down();
      go.wait();
      WorkerResult& r = results[static_cast<size_t>(i)];
      fn(i, stop, &r);
      if (!r.status.ok()) stop = true;
      ends[static_cast<size_t>(i)] = Clock::now();
    });
  }
  ready.wait();
  Clock::time_point t0 = Clock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  PhaseResult out;
  Clock::time_point last = t0;
  for (size_t i = 0; i < results.size(); ++i) {
    if (out.status.ok() && !results[i].status.ok()) out.status = results[i].status;
    out.ops += results[i].ops;
    out.bytes += results[i].bytes;
    out.latency.Merge(results[i].latency);
    if (ends[i] > last) last = ends[i];
  }
  out.seconds = std::chrono::duration<double>(last - t0).count();
  return out;
}

}  // namespace weft::bench
