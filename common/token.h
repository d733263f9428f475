// Bearer tokens: the text form, the secret's generation and the stored hash.
//
// A token reads "wt_<id>_<secret>": <id> is the decimal token id (so weft-meta finds the record with one
// point get), <secret> 64 lowercase hex digits of 32 bytes from a CSPRNG (OpenSSL RAND_bytes). weft-meta
// stores only SHA-256 of the whole token text and compares hashes in constant time. Id 0 is the admin
// token. Nothing here logs; callers log token ids only, never the text.
//
// Thread-safety: pure functions (RAND_bytes is thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/secret.h"  // SecretEqual, for callers comparing hashes
#include "common/status.h"

namespace weft {

inline constexpr uint64_t kAdminTokenId = 0;
inline constexpr size_t kTokenSecretBytes = 32;

struct ParsedToken {
  uint64_t id = 0;
  std::string_view secret;  // views into the parsed text
};

// "wt_<id>_<64 hex>" with a fresh random secret. EIO when the CSPRNG fails.
StatusOr<std::string> NewToken(uint64_t id);
// Splits a token. EINVAL (the message never quotes the text) when it is not "wt_<id>_<secret>" with a
// secret of at least 2 * kTokenSecretBytes characters.
StatusOr<ParsedToken> ParseToken(std::string_view token);
// SHA-256 of the token text (32 raw bytes): what weft-meta stores.
std::string HashToken(std::string_view token);
// Reads a token file: its content without surrounding whitespace; EINVAL when empty.
StatusOr<std::string> ReadTokenFile(const std::string& path);

}  // namespace weft
