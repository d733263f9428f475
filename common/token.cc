#include "common/token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cctype>
#include <charconv>

#include "common/net.h"

namespace weft {

StatusOr<std::string> NewToken(uint64_t id) {
  unsigned char raw[kTokenSecretBytes];
  if (RAND_bytes(raw, sizeof raw) != 1) return Err(EIO, "the random number generator failed");
  std::string out = "wt_" + std::to_string(id) + "_" + HexEncode(raw, sizeof raw);
  OPENSSL_cleanse(raw, sizeof raw);
  return out;
}

StatusOr<ParsedToken> ParseToken(std::string_view token) {
  auto bad = [] { return Err(EINVAL, "malformed token (expected wt_<id>_<secret>)"); };
  if (token.substr(0, 3) != "wt_") return bad();
  std::string_view rest = token.substr(3);
  size_t us = rest.find('_');
  if (us == 0 || us == std::string_view::npos) return bad();
  ParsedToken p;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + us, p.id);
  if (ec != std::errc() || ptr != rest.data() + us) return bad();
  p.secret = rest.substr(us + 1);
  if (p.secret.size() < 2 * kTokenSecretBytes) return bad();
  return p;
}

std::string HashToken(std::string_view token) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), md);
  return std::string(reinterpret_cast<const char*>(md), sizeof md);
}

StatusOr<std::string> ReadTokenFile(const std::string& path) {
  auto content = ReadSmallFile(path);
  if (!content.ok()) return content.status();
  std::string_view t = *content;
  while (!t.empty() && isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  if (t.empty()) return Err(EINVAL, "token file '{}' is empty", path);
  return std::string(t);
}

}  // namespace weft
