#include "bench/weft_bench/report.h"

#include <cstdio>
#include <ctime>
#include <fstream>

#include <fmt/format.h>

namespace weft::bench {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string Now() {
  time_t t = time(nullptr);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Row MakeRow(std::string mode, std::string phase, int clients, std::string params, const PhaseResult& r,
            std::string unit) {
  Row row;
  row.mode = std::move(mode);
  row.phase = std::move(phase);
  row.clients = clients;
  row.params = std::move(params);
  row.ops = r.ops;
  row.bytes = r.bytes;
  row.seconds = r.seconds;
  double secs = r.seconds > 0 ? r.seconds : 1e-9;
  row.value = unit == "MiB/s" ? static_cast<double>(r.bytes) / (1024.0 * 1024.0) / secs
                              : static_cast<double>(r.ops) / secs;
  row.unit = std::move(unit);
  row.p50_us = static_cast<double>(r.latency.Quantile(0.50)) / 1000.0;
  row.p99_us = static_cast<double>(r.latency.Quantile(0.99)) / 1000.0;
  row.max_us = static_cast<double>(r.latency.max()) / 1000.0;
  return row;
}

Report::Report(std::string mode, const CommonOptions& opts)
    : mode_(std::move(mode)),
      via_(opts.via == Via::kLib ? "lib" : "mount"),
      label_(opts.label),
      target_(opts.via == Via::kLib ? opts.meta_address + "/" + opts.volume + opts.lib_path : opts.dir),
      started_(Now()) {}

void Report::Add(Row row) {
  // Progress as it comes: a long run shows each phase when it ends.
  fprintf(stderr, "weft-bench: %s %s clients=%d %s: %.1f %s\n", row.mode.c_str(), row.phase.c_str(),
          row.clients, row.params.c_str(), row.value, row.unit.c_str());
  rows_.push_back(std::move(row));
}

void Report::PrintTable() const {
  printf("weft-bench %s via %s (%s)%s%s\n", mode_.c_str(), via_.c_str(), target_.c_str(),
         label_.empty() ? "" : " label=", label_.c_str());
  printf("%-10s %-7s %-46s %-10s %12s %-9s %10s %10s %10s\n", "mode", "clients", "params", "phase", "value",
         "unit", "p50 us", "p99 us", "seconds");
  for (const Row& r : rows_) {
    printf("%-10s %-7d %-46s %-10s %12.1f %-9s %10.1f %10.1f %10.3f\n", r.mode.c_str(), r.clients,
           r.params.c_str(), r.phase.c_str(), r.value, r.unit.c_str(), r.p50_us, r.p99_us, r.seconds);
  }
  fflush(stdout);
}

Status Report::WriteJson(const std::string& path) const {
  std::string j = "{\n";
  j += fmt::format("  \"tool\": \"weft-bench\",\n  \"mode\": {},\n  \"via\": {},\n  \"label\": {},\n",
                   JsonString(mode_), JsonString(via_), JsonString(label_));
  j += fmt::format("  \"target\": {},\n  \"started\": {},\n  \"results\": [", JsonString(target_),
                   JsonString(started_));
  for (size_t i = 0; i < rows_.size(); ++i) {
    const Row& r = rows_[i];
    j += i ? ",\n    " : "\n    ";
    j += fmt::format(
        "{{\"mode\": {}, \"phase\": {}, \"clients\": {}, \"params\": {}, \"ops\": {}, \"bytes\": {}, "
        "\"seconds\": {:.6f}, \"value\": {:.3f}, \"unit\": {}, \"lat_p50_us\": {:.1f}, \"lat_p99_us\": {:.1f}, "
        "\"lat_max_us\": {:.1f}}}",
        JsonString(r.mode), JsonString(r.phase), r.clients, JsonString(r.params), r.ops, r.bytes, r.seconds,
        r.value, JsonString(r.unit), r.p50_us, r.p99_us, r.max_us);
  }
  j += "\n  ]\n}\n";
  std::ofstream f(path, std::ios::trunc);
  if (!f) return Err(errno ? errno : EIO, "cannot write {}", path);
  f << j;
  f.close();
  if (!f) return Err(EIO, "cannot write {}", path);
  return Status::Ok();
}

}  // namespace weft::bench
