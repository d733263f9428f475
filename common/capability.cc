#include "common/capability.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <optional>

namespace weft {
namespace {

constexpr uint8_t kFormat = 1;
constexpr size_t kBodyBytes = 22;

void PutLe(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t GetLe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

// A keyed HMAC context; each MAC runs on a copy, so the base is only read and may be shared.
struct CapabilitySigner::MacCtx {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* base = nullptr;
  ~MacCtx() {
    EVP_MAC_CTX_free(base);
    EVP_MAC_free(mac);
  }
};

CapabilitySigner::CapabilitySigner(const ClusterKey& key) : ctx_(std::make_unique<MacCtx>()), key_id_(key.key_id()) {
  ctx_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (ctx_->mac) ctx_->base = EVP_MAC_CTX_new(ctx_->mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (!ctx_->base || EVP_MAC_init(ctx_->base, key.capability_key().data(), key.capability_key().size(), params) != 1) {
    EVP_MAC_CTX_free(ctx_->base);
    ctx_->base = nullptr;  // Mac() then fails: nothing is signed or accepted
  }
}

CapabilitySigner::~CapabilitySigner() = default;

std::optional<std::array<uint8_t, 32>> CapabilitySigner::Mac(const uint8_t* data, size_t len) const {
  std::array<uint8_t, 32> out{};
  EVP_MAC_CTX* c = ctx_->base ? EVP_MAC_CTX_dup(ctx_->base) : nullptr;
  size_t n = 0;
  bool ok = c && EVP_MAC_update(c, data, len) == 1 && EVP_MAC_final(c, out.data(), &n, out.size()) == 1 &&
            n == out.size();
  EVP_MAC_CTX_free(c);
  if (!ok) return std::nullopt;
  return out;
}

std::string CapabilitySigner::Mint(const Capability& c) const {
  std::string out(kCapabilityBytes, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  p[0] = kFormat;
  p[1] = c.access;
  PutLe(p + 2, key_id_, 4);
  PutLe(p + 6, c.ino, 8);
  PutLe(p + 14, static_cast<uint64_t>(c.expiry_ms), 8);
  auto mac = Mac(p, kBodyBytes);
  // Without a MAC (OpenSSL failure) the capability stays unsigned (zeros) and every server refuses it.
  if (mac) std::memcpy(p + kBodyBytes, mac->data(), mac->size());
  return out;
}

StatusOr<Capability> CapabilitySigner::Verify(std::string_view wire) const {
  if (wire.empty()) return Err(EACCES, "no capability");
  if (wire.size() != kCapabilityBytes) return Err(EACCES, "malformed capability ({} bytes)", wire.size());
  const auto* p = reinterpret_cast<const uint8_t*>(wire.data());
  if (p[0] != kFormat) return Err(EACCES, "capability format {} is not supported", p[0]);
  uint32_t key_id = static_cast<uint32_t>(GetLe(p + 2, 4));
  if (key_id != key_id_) {
    return Err(EACCES, "capability signed with key {:08x}, this server holds key {:08x}", key_id, key_id_);
  }
  auto mac = Mac(p, kBodyBytes);
  if (!mac) return Err(EACCES, "capability verification failed (HMAC-SHA256 unavailable)");
  if (CRYPTO_memcmp(mac->data(), p + kBodyBytes, mac->size()) != 0) return Err(EACCES, "capability MAC is invalid");
  Capability c;
  c.access = p[1];
  c.ino = GetLe(p + 6, 8);
  c.expiry_ms = static_cast<int64_t>(GetLe(p + 14, 8));
  return c;
}

Status CheckCapability(const Capability& c, uint64_t ino, uint8_t access, int64_t now_ms, int64_t skew_ms) {
  if (c.ino != ino) return Err(EACCES, "capability is for inode {}, the request is for inode {}", c.ino, ino);
  if ((c.access & access) != access) {
    const char* what = (access & kCapWrite) ? "write" : (access & kCapList) ? "list" : "read";
    return Err(EACCES, "capability for inode {} does not grant {}", ino, what);
  }
  if (now_ms > c.expiry_ms + skew_ms) {
    return Err(EACCES, "capability for inode {} expired {} ms ago", ino, now_ms - c.expiry_ms);
  }
  return Status::Ok();
}

}  // namespace weft
