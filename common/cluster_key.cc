#include "common/cluster_key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace weft {
namespace {

std::array<uint8_t, 32> Derive(std::string_view key, std::string_view label) {
  return HmacSha256(reinterpret_cast<const uint8_t*>(key.data()), key.size(), label.data(), label.size());
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

StatusOr<std::string> ReadKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Err(errno, "cluster key file {}: {}", path, strerror(errno));
  std::string buf(ClusterKey::kKeyBytes + 1, '\0');
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Err(e, "cluster key file {}: {}", path, strerror(e));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != ClusterKey::kKeyBytes) {
    return Err(EINVAL, "cluster key file {} must hold exactly {} bytes", path, ClusterKey::kKeyBytes);
  }
  buf.resize(got);
  return buf;
}

// Writes 32 random bytes to a private temporary file and links it into place, so two processes
// creating the key at once agree on one (the loser of the link reads the winner's).
Status CreateKeyFile(const std::string& path) {
  unsigned char key[ClusterKey::kKeyBytes];
  if (RAND_bytes(key, sizeof key) != 1) return Err(EIO, "cannot draw a random cluster key");
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Err(errno, "create cluster key file {}: {}", tmp, strerror(errno));
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, key, sizeof key) == static_cast<ssize_t>(sizeof key) && ::fsync(fd) == 0;
  int e = errno;
  ::close(fd);
  OPENSSL_cleanse(key, sizeof key);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Err(e, "write cluster key file {}: {}", tmp, strerror(e));
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  e = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && e != EEXIST) return Err(e, "create cluster key file {}: {}", path, strerror(e));
  return Status::Ok();
}

}  // namespace

std::array<uint8_t, 32> HmacSha256(const uint8_t* key, size_t key_len, const void* data, size_t len) {
  std::array<uint8_t, 32> out{};
  unsigned int out_len = 0;
  HMAC(EVP_sha256(), key, static_cast<int>(key_len), static_cast<const unsigned char*>(data), len, out.data(),
       &out_len);
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

ClusterKey ClusterKey::FromBytes(std::string_view key) {
  ClusterKey k;
  k.cap_key_ = Derive(key, "weft capability key v1");
  auto control = Derive(key, "weft control credential v1");
  k.control_ = Hex(control.data(), control.size());
  auto id = Derive(key, "weft key id v1");
  k.key_id_ = uint32_t{id[0]} | uint32_t{id[1]} << 8 | uint32_t{id[2]} << 16 | uint32_t{id[3]} << 24;
  OPENSSL_cleanse(control.data(), control.size());
  return k;
}

StatusOr<ClusterKey> ClusterKey::Load(const std::string& path) {
  if (path.empty()) return Err(EINVAL, "no cluster key file given (--cluster-key-file)");
  auto bytes = ReadKeyFile(path);
  if (!bytes.ok()) return bytes.status();
  ClusterKey k = FromBytes(*bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return k;
}

StatusOr<ClusterKey> ClusterKey::LoadOrCreate(const std::string& path) {
  if (path.empty()) return Err(EINVAL, "no cluster key file given (--cluster-key-file)");
  if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) RETURN_IF_ERROR(CreateKeyFile(path));
  return Load(path);
}

void ClusterKey::Attach(grpc::ClientContext* ctx) const { ctx->AddMetadata(kClusterCredentialHeader, control_); }

Status ClusterKey::CheckCall(const grpc::CallbackServerContext* ctx, std::string_view what) const {
  const auto& md = ctx->client_metadata();
  auto it = md.find(kClusterCredentialHeader);
  if (it == md.end()) return Err(EACCES, "{}: no cluster credential (server-internal call)", what);
  if (!ConstantTimeEqual(std::string_view(it->second.data(), it->second.size()), control_)) {
    return Err(EACCES, "{}: the cluster credential does not match this server's cluster key (id {:08x})", what,
               key_id_);
  }
  return Status::Ok();
}

}  // namespace weft
