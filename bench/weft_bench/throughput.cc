// Sequential throughput: every client writes its own files (open, write block by block, fsync, close),
// then reads them back in the same blocks. The clock of a phase runs from the common start of all
// clients to the end of the last one, so the figure is the aggregate rate.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "bench/weft_bench/bench_fs.h"
#include "bench/weft_bench/data_pattern.h"
#include "bench/weft_bench/modes.h"

namespace weft::bench {
namespace {

std::string FileName(uint64_t f) { return fmt::format("f{:06}", f); }
uint64_t FileId(int client, uint64_t f) { return (static_cast<uint64_t>(client) << 40) | f; }

struct Plan {
  uint64_t file_size;
  uint64_t block;
  uint64_t files;  // per client
};

void WriteFiles(BenchFs& fs, const Dir& dir, const Plan& p, const ThroughputOptions& opts, int client,
                const char* base, const std::atomic<bool>& stop, WorkerResult* out) {
  AlignedBuffer work = NewAlignedBuffer(p.block);
  for (uint64_t f = 0; f < p.files && !stop; ++f) {
    Clock::time_point t0 = Clock::now();
    auto file = fs.Open(dir, FileName(f), OpenMode::kCreateWrite);
    if (!file.ok()) { out->status = file.status(); return; }
    for (uint64_t off = 0; off < p.file_size; off += p.block) {
      size_t n = static_cast<size_t>(std::min(p.block, p.file_size - off));
      const char* data = base;
      if (opts.verify) {
        memcpy(work.get(), base, n);
        StampBlock(work.get(), n, FileId(client, f), off);
        data = work.get();
      }
      out->status = fs.Write(*file, off, data, n);
      if (!out->status.ok()) break;
      out->bytes += n;
    }
    if (out->status.ok() && opts.fsync) out->status = fs.Fsync(*file);
    Status closed = fs.Close(*file);
    if (out->status.ok()) out->status = closed;
    if (!out->status.ok()) {
      out->status = out->status.Annotate("write " + FileName(f));
      return;
    }
    out->latency.Add(NanosSince(t0));
    ++out->ops;
  }
}

void ReadFiles(BenchFs& fs, const Dir& dir, const Plan& p, const ThroughputOptions& opts, int client,
               const char* base, const std::atomic<bool>& stop, WorkerResult* out) {
  AlignedBuffer buf = NewAlignedBuffer(p.block);
  for (uint64_t f = 0; f < p.files && !stop; ++f) {
    Clock::time_point t0 = Clock::now();
    auto file = fs.Open(dir, FileName(f), OpenMode::kRead);
    if (!file.ok()) { out->status = file.status(); return; }
    for (uint64_t off = 0; off < p.file_size; off += p.block) {
      size_t want = static_cast<size_t>(std::min(p.block, p.file_size - off));
      auto n = fs.Read(*file, off, buf.get(), want);
      if (!n.ok()) { out->status = n.status(); break; }
      if (*n != want) {
        out->status = Err(EIO, "short read: {} of {} bytes at offset {}", *n, want, off);
        break;
      }
      if (opts.verify) {
        out->status = VerifyBlock(buf.get(), base, want, FileId(client, f), off);
        if (!out->status.ok()) break;
      }
      out->bytes += want;
    }
    Status closed = fs.Close(*file);
    if (out->status.ok()) out->status = closed;
    if (!out->status.ok()) {
      out->status = out->status.Annotate("read " + FileName(f));
      return;
    }
    out->latency.Add(NanosSince(t0));
    ++out->ops;
  }
}

Status RunOne(const CommonOptions& common, const ThroughputOptions& opts, uint64_t size, int clients,
              Report* report) {
  Plan p{size, std::min(opts.block_size, size),
         opts.files_per_client ? opts.files_per_client : std::max<uint64_t>(1, opts.bytes_per_client / size)};
  auto fss = MakeClients(common, clients);
  if (!fss.ok()) return fss.status();
  BenchFs& fs0 = *(*fss)[0];
  auto root = fs0.Root();
  if (!root.ok()) return root.status();
  const std::string run_name = RunDirName("tp");
  auto run = fs0.MakeDir(*root, run_name);
  if (!run.ok()) return run.status();
  std::vector<Dir> dirs;
  for (int i = 0; i < clients; ++i) {
    auto d = fs0.MakeDir(*run, fmt::format("c{}", i));
    if (!d.ok()) return d.status();
    dirs.push_back(*d);
  }
  AlignedBuffer base = NewAlignedBuffer(p.block);
  FillRandom(base.get(), p.block, size);
  std::string params = fmt::format("file={} bs={} files/client={}{}", FormatSize(size), FormatSize(p.block),
                                   p.files, opts.fsync ? "" : " nofsync");
  auto& fs = *fss;
  PhaseResult w = RunPhase(clients, [&](int i, const std::atomic<bool>& stop, WorkerResult* out) {
    WriteFiles(*fs[static_cast<size_t>(i)], dirs[static_cast<size_t>(i)], p, opts, i, base.get(), stop, out);
  });
  if (!w.status.ok()) return w.status;
  report->Add(MakeRow("throughput", "write", clients, params, w, "MiB/s"));
  if (common.drop_caches) RETURN_IF_ERROR(DropCaches());
  PhaseResult r = RunPhase(clients, [&](int i, const std::atomic<bool>& stop, WorkerResult* out) {
    ReadFiles(*fs[static_cast<size_t>(i)], dirs[static_cast<size_t>(i)], p, opts, i, base.get(), stop, out);
  });
  if (!r.status.ok()) return r.status;
  report->Add(MakeRow("throughput", "read", clients, params + (common.drop_caches ? " cold" : ""), r, "MiB/s"));
  if (common.keep) return Status::Ok();
  for (int i = 0; i < clients; ++i) {
    Dir& d = dirs[static_cast<size_t>(i)];
    for (uint64_t f = 0; f < p.files; ++f) RETURN_IF_ERROR(fs0.Unlink(d, FileName(f)));
    fs0.CloseDir(d);
    RETURN_IF_ERROR(fs0.RemoveDir(*run, fmt::format("c{}", i)));
  }
  fs0.CloseDir(*run);
  RETURN_IF_ERROR(fs0.RemoveDir(*root, run_name));
  fs0.CloseDir(*root);
  return Status::Ok();
}

}  // namespace

Status RunThroughput(const CommonOptions& common, const ThroughputOptions& opts, Report* report) {
  for (uint64_t size : opts.file_sizes) {
    for (int clients : common.clients) RETURN_IF_ERROR(RunOne(common, opts, size, clients, report));
  }
  return Status::Ok();
}

}  // namespace weft::bench
