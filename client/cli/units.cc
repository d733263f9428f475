#include "client/cli/units.h"

#include <array>

namespace weft::cli {
namespace {

using u128 = unsigned __int128;

struct Unit {
  std::string_view suffix;
  uint64_t multiplier;
};

constexpr uint64_t Pow(uint64_t base, int n) {
  uint64_t v = 1;
  for (int i = 0; i < n; ++i) v *= base;
  return v;
}

constexpr std::array<Unit, 13> kSizeUnits = {{
    {"Ki", Pow(1024, 1)}, {"Mi", Pow(1024, 2)}, {"Gi", Pow(1024, 3)}, {"Ti", Pow(1024, 4)},
    {"Pi", Pow(1024, 5)}, {"Ei", Pow(1024, 6)}, {"K", Pow(1000, 1)},  {"k", Pow(1000, 1)},
    {"M", Pow(1000, 2)},  {"G", Pow(1000, 3)},  {"T", Pow(1000, 4)},  {"P", Pow(1000, 5)},
    {"E", Pow(1000, 6)},
}};
constexpr size_t kFirstDecimal = 6;  // kSizeUnits[6..] are the decimal units

constexpr std::string_view kSizeUnitHelp =
    "use Ki, Mi, Gi, Ti, Pi for powers of 1024, K, M, G, T, P for powers of 1000, or plain bytes";
constexpr std::string_view kCountUnitHelp = "use a whole number, optionally with K, M, G, T or P (powers of 1000)";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses "<digits>[.<digits>]<suffix>" where the suffix is one of units[first..].
StatusOr<uint64_t> ParseQuantity(std::string_view text, std::string_view what, std::string_view example,
                                 size_t first, std::string_view unit_help) {
  if (text.empty()) return Err(EINVAL, "empty {} (for example {})", what, example);
  size_t i = 0;
  while (i < text.size() && IsDigit(text[i])) ++i;
  std::string_view whole = text.substr(0, i);
  std::string_view frac;
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    frac = text.substr(start, i - start);
    if (frac.empty()) return Err(EINVAL, "invalid {} '{}': a digit must follow the '.'", what, text);
  }
  if (whole.empty()) {
    if (text[0] == '-') return Err(EINVAL, "invalid {} '{}': must not be negative", what, text);
    return Err(EINVAL, "invalid {} '{}': not a number ({})", what, text, unit_help);
  }
  std::string_view suffix = text.substr(i);
  uint64_t mult = 1;
  if (!suffix.empty()) {
    bool found = false;
    for (size_t u = first; u < kSizeUnits.size(); ++u) {
      if (kSizeUnits[u].suffix == suffix) {
        mult = kSizeUnits[u].multiplier;
        found = true;
      }
    }
    if (!found) {
      if (suffix[0] == '.' || IsDigit(suffix[0])) return Err(EINVAL, "invalid {} '{}': not a number", what, text);
      return Err(EINVAL, "invalid {} '{}': unknown unit '{}' ({})", what, text, suffix, unit_help);
    }
  } else if (!frac.empty()) {
    return Err(EINVAL, "invalid {} '{}': a fraction needs a unit, as in 1.5Gi", what, text);
  }
  // Exact integer arithmetic: whole has at most 20 digits and frac at most 18, so nothing below
  // overflows 128 bits; the result must fit 64.
  if (whole.size() > 20 || frac.size() > 18) return Err(EINVAL, "{} '{}' is too large or too precise", what, text);
  u128 w = 0;
  for (char c : whole) w = w * 10 + static_cast<unsigned>(c - '0');
  u128 f = 0, scale = 1;
  for (char c : frac) {
    f = f * 10 + static_cast<unsigned>(c - '0');
    scale *= 10;
  }
  u128 total = w * mult + (f * mult + scale - 1) / scale;  // a fraction rounds up to a whole byte
  if (total > UINT64_MAX) return Err(EINVAL, "{} '{}' is too large (the limit is 2^64-1)", what, text);
  return static_cast<uint64_t>(total);
}

// One decimal, rounded to nearest, in the largest unit whose rounded value stays below `base`.
std::string FormatScaled(uint64_t n, uint64_t base, const std::array<std::string_view, 6>& suffixes) {
  if (n < base) return std::to_string(n);
  u128 div = base;
  for (size_t u = 0; u < suffixes.size(); ++u) {
    u128 tenths = (static_cast<u128>(n) * 20 + div) / (2 * div);  // round(n * 10 / div)
    if (tenths < static_cast<u128>(base) * 10 || u + 1 == suffixes.size()) {
      auto t = static_cast<uint64_t>(tenths);
      if (t % 10 == 0) return fmt::format("{}{}", t / 10, suffixes[u]);
      return fmt::format("{}.{}{}", t / 10, t % 10, suffixes[u]);
    }
    div *= base;
  }
  return std::to_string(n);  // unreachable
}

}  // namespace

StatusOr<uint64_t> ParseSize(std::string_view text) { return ParseQuantity(text, "size", "10Gi", 0, kSizeUnitHelp); }

StatusOr<uint64_t> ParseCount(std::string_view text) {
  return ParseQuantity(text, "count", "10M", kFirstDecimal, kCountUnitHelp);
}

std::string FormatSize(uint64_t bytes) { return FormatScaled(bytes, 1024, {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}); }

std::string FormatCount(uint64_t n) { return FormatScaled(n, 1000, {"K", "M", "G", "T", "P", "E"}); }

}  // namespace weft::cli
