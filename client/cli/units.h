// Human units for sizes and counts, both directions.
//
// Sizes (bytes): a non-negative number with an optional unit suffix. Suffixes are case-sensitive:
//   Ki Mi Gi Ti Pi Ei   powers of 1024  (10Gi = 10737418240)
//   K  M  G  T  P  E    powers of 1000  (10G  = 10000000000); "k" is accepted for K
//   (none)              bytes
// A fraction needs a suffix ("1.5Gi") and rounds up to a whole byte. Anything else ("10Gb", "-1",
// "1.2.3Gi", "", " 1", "1e9", more than 2^64-1 bytes) is EINVAL with a message naming the text.
// Counts (inodes, volumes) take the decimal suffixes only ("10M" = 10000000).
//
// Printing uses binary units for sizes ("0", "512", "4Ki", "1.5Gi", "10Gi": one decimal, rounded to
// nearest, ".0" dropped) and decimal units for counts ("999", "1K", "2.5M").
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft::cli {

StatusOr<uint64_t> ParseSize(std::string_view text);
StatusOr<uint64_t> ParseCount(std::string_view text);

std::string FormatSize(uint64_t bytes);
std::string FormatCount(uint64_t n);

// The rules above in two lines, for --help texts.
inline constexpr std::string_view kSizeHelp =
    "Sizes: 10Gi, 1.5Ti, 512Mi (Ki/Mi/Gi/Ti/Pi = powers of 1024), 500G (K/M/G/T/P = powers of 1000),\n"
    "or plain bytes; suffixes are case-sensitive (\"10gi\" and \"10GB\" are errors).";

}  // namespace weft::cli
