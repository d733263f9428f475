// The three benchmarks. Each creates its own run directory (wb-<mode>-<pid>-<time>) under the root,
// reports rows as phases end, and removes what it created unless --keep.
#pragma once

#include "bench/weft_bench/options.h"
#include "bench/weft_bench/report.h"

namespace weft::bench {

// Sequential write (each client its files: open, write in blocks, fsync, close), then sequential read
// of the same files; for each file size and client count. Rows: write, read (MiB/s; latency per file).
Status RunThroughput(const CommonOptions& common, const ThroughputOptions& opts, Report* report);

// Random block reads/writes on one shared file, time-based, per pattern and client count.
// Rows: randread, randwrite, randrw (IOPS; latency per I/O call).
Status RunIops(const CommonOptions& common, const IopsOptions& opts, Report* report);

// mdtest-like: mkdir, create, stat, readdir, rename, unlink, rmdir over dirs x files per client.
// Rows: one per phase (ops/s; readdir in entries/s; latency per call).
Status RunMeta(const CommonOptions& common, const MetaOptions& opts, Report* report);

// A name for this run's directory: "wb-<mode>-<pid>-<unix seconds>".
std::string RunDirName(const std::string& mode);

}  // namespace weft::bench
