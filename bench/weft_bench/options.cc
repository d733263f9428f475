#include "bench/weft_bench/options.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "bench/weft_bench/modes.h"

namespace weft::bench {

bool ParseSize(const std::string& text, uint64_t* out) {
  size_t pos = 0;
  double v;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    return false;
  }
  if (v < 0 || !std::isfinite(v)) return false;
  std::string unit;
  for (size_t i = pos; i < text.size(); ++i) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
  int shift;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KB" || unit == "KIB") shift = 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB") shift = 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB") shift = 30;
  else if (unit == "T" || unit == "TB" || unit == "TIB") shift = 40;
  else return false;
  *out = static_cast<uint64_t>(std::llround(v * static_cast<double>(uint64_t{1} << shift)));
  return true;
}

std::string FormatSize(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  double v = static_cast<double>(bytes);
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  if (v == std::floor(v)) return fmt::format("{}{}", static_cast<uint64_t>(v), kUnits[u]);
  return fmt::format("{:.1f}{}", v, kUnits[u]);
}

std::string RunDirName(const std::string& mode) {
  static std::atomic<int> seq{0};
  return fmt::format("wb-{}-{}-{}-{}", mode, getpid(), time(nullptr), seq++);
}

}  // namespace weft::bench
