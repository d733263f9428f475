// Addresses and small file helpers used by servers and tools.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const;
};

// Parses "host:port" (IPv4, a name, or "[v6]:port"). EINVAL with a clear message otherwise.
StatusOr<HostPort> ParseHostPort(std::string_view s);

// Writes content to path via a temporary file and rename, so readers never see a partial file.
Status WriteFileAtomic(const std::string& path, std::string_view content);
// Reads a whole (small) file.
StatusOr<std::string> ReadSmallFile(const std::string& path);

}  // namespace weft
