// Results: one Row per measured phase, printed as a table and written as JSON.
//
// JSON layout (stable; bench/compare reads it):
//   {"tool": "weft-bench", "mode": "meta", "via": "mount", "label": "...", "target": "...",
//    "started": "2024-01-01T00:00:00Z", "results": [
//      {"mode": "meta", "phase": "create", "clients": 1, "params": "dirs=4 files=1000",
//       "ops": 4000, "bytes": 0, "seconds": 1.23, "value": 3252.0, "unit": "ops/s",
//       "lat_p50_us": 250.1, "lat_p99_us": 900.2, "lat_max_us": 4000.0}, ...]}
#pragma once

#include <string>
#include <vector>

#include "bench/weft_bench/options.h"
#include "bench/weft_bench/stats.h"

namespace weft::bench {

struct Row {
  std::string mode;    // throughput | iops | meta
  std::string phase;   // write, read, randread, create, stat, ...
  int clients = 1;
  std::string params;  // "file=1 GiB bs=1 MiB files/client=1"
  uint64_t ops = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  double value = 0;    // the figure: MiB/s, IOPS or ops/s
  std::string unit;
  double p50_us = 0, p99_us = 0, max_us = 0;  // per-op latency (what an op is: see README)
};

// Builds a row from a phase: value = bytes/s in MiB/s when unit is "MiB/s", else ops/s.
Row MakeRow(std::string mode, std::string phase, int clients, std::string params, const PhaseResult& r,
            std::string unit);

class Report {
 public:
  Report(std::string mode, const CommonOptions& opts);
  void Add(Row row);
  const std::vector<Row>& rows() const { return rows_; }
  // Prints the table to stdout.
  void PrintTable() const;
  Status WriteJson(const std::string& path) const;

 private:
  std::string mode_, via_, label_, target_, started_;
  std::vector<Row> rows_;
};

}  // namespace weft::bench
