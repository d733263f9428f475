// Random block I/O on one shared file: every client opens it and issues one block at a time (queue
// depth 1 per client, as fio's psync engine) at uniformly random aligned offsets until the runtime ends.
// Writers fsync once at the end, inside the measured time (fio's end_fsync).
#include <fmt/format.h>

#include <random>

#include "bench/weft_bench/bench_fs.h"
#include "bench/weft_bench/data_pattern.h"
#include "bench/weft_bench/modes.h"

namespace weft::bench {
namespace {

const char kFileName[] = "wb-iops.dat";

// Makes sure the file exists with at least `size` bytes (written sequentially, fsynced).
Status Prepare(BenchFs& fs, const Dir& root, uint64_t size) {
  auto have = fs.Stat(root, kFileName);
  if (have.ok() && *have >= size) return Status::Ok();
  constexpr uint64_t kBlock = 1 << 20;
  AlignedBuffer buf = NewAlignedBuffer(kBlock);
  FillRandom(buf.get(), kBlock, 42);
  auto f = fs.Open(root, kFileName, OpenMode::kCreateWrite);
  if (!f.ok()) return f.status();
  Status s;
  for (uint64_t off = 0; off < size && s.ok(); off += kBlock) {
    s = fs.Write(*f, off, buf.get(), static_cast<size_t>(std::min(kBlock, size - off)));
  }
  if (s.ok()) s = fs.Fsync(*f);
  Status c = fs.Close(*f);
  return s.ok() ? c : s;
}

void Worker(BenchFs& fs, const Dir& root, const IopsOptions& opts, const std::string& pattern, int index,
            const std::atomic<bool>& stop, WorkerResult* out) {
  bool reads = pattern != "randwrite";
  bool writes = pattern != "randread";
  auto f = fs.Open(root, kFileName, writes ? OpenMode::kReadWrite : OpenMode::kRead);
  if (!f.ok()) { out->status = f.status(); return; }
  AlignedBuffer buf = NewAlignedBuffer(opts.block_size);
  FillRandom(buf.get(), opts.block_size, 1000 + static_cast<uint64_t>(index));
  std::mt19937_64 rng(0x5eed + static_cast<uint64_t>(index));
  uint64_t blocks = std::max<uint64_t>(1, opts.file_size / opts.block_size);
  Clock::time_point start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.runtime_s));
  size_t bs = static_cast<size_t>(opts.block_size);
  while (!stop) {
    Clock::time_point t0 = Clock::now();
    if (t0 >= deadline) break;
    uint64_t off = (rng() % blocks) * opts.block_size;
    bool is_read = reads && (!writes || static_cast<int>(rng() % 100) < opts.read_pct);
    if (is_read) {
      auto n = fs.Read(*f, off, buf.get(), bs);
      if (!n.ok()) { out->status = n.status(); break; }
      out->bytes += *n;
    } else {
      out->status = fs.Write(*f, off, buf.get(), bs);
      if (!out->status.ok()) break;
      out->bytes += bs;
    }
    out->latency.Add(NanosSince(t0));
    ++out->ops;
  }
  if (out->status.ok() && writes && opts.fsync_at_end) out->status = fs.Fsync(*f);
  Status c = fs.Close(*f);
  if (out->status.ok()) out->status = c;
}

}  // namespace

Status RunIops(const CommonOptions& common, const IopsOptions& opts, Report* report) {
  for (const std::string& pattern : opts.patterns) {
    if (pattern != "randread" && pattern != "randwrite" && pattern != "randrw") {
      return Err(EINVAL, "unknown --rw pattern '{}' (randread, randwrite, randrw)", pattern);
    }
  }
  for (int clients : common.clients) {
    auto fss = MakeClients(common, clients);
    if (!fss.ok()) return fss.status();
    auto& fs = *fss;
    auto root = fs[0]->Root();
    if (!root.ok()) return root.status();
    RETURN_IF_ERROR(Prepare(*fs[0], *root, opts.file_size));
    for (const std::string& pattern : opts.patterns) {
      bool cold = common.drop_caches && pattern != "randwrite";
      if (cold) RETURN_IF_ERROR(DropCaches());
      PhaseResult r = RunPhase(clients, [&](int i, const std::atomic<bool>& stop, WorkerResult* out) {
        Worker(*fs[static_cast<size_t>(i)], *root, opts, pattern, i, stop, out);
      });
      if (!r.status.ok()) return r.status.Annotate(pattern);
      std::string params = fmt::format("file={} bs={}{}{}", FormatSize(opts.file_size), FormatSize(opts.block_size),
                                       pattern == "randrw" ? fmt::format(" read={}%", opts.read_pct) : "",
                                       cold ? " cold" : "");
      report->Add(MakeRow("iops", pattern, clients, params, r, "IOPS"));
    }
    if (!common.keep && clients == common.clients.back()) RETURN_IF_ERROR(fs[0]->Unlink(*root, kFileName));
    fs[0]->CloseDir(*root);
  }
  return Status::Ok();
}

}  // namespace weft::bench
