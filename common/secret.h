// Small helpers for secrets (tokens, the cluster key): constant-time comparison, hex encoding, and
// creating a file only its owner may read.
//
// Thread-safety: free functions over caller-owned values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft {

// Constant-time equality of two byte strings (the lengths are not secret: false on a mismatch).
bool SecretEqual(std::string_view a, std::string_view b);

// Lower-case hex of n bytes.
std::string HexEncode(const void* data, size_t n);

// Creates `path` holding `content` with mode 0600, durably (fsynced), atomically (written to a private
// temporary file, then linked into place). Never replaces a file: EEXIST when `path` exists, e.g. when a
// concurrent creator won.
Status CreatePrivateFile(const std::string& path, std::string_view content);

}  // namespace weft
