#include "common/cluster_key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "common/secret.h"

namespace weft {
namespace {

std::array<uint8_t, 32> Derive(std::string_view key, std::string_view label) {
  return HmacSha256(reinterpret_cast<const uint8_t*>(key.data()), key.size(), label.data(), label.size());
}

// Reads with read(2) into one buffer (not a stream's) so the only copy of the key is the one Load
// cleanses.
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
    OPENSSL_cleanse(buf.data(), buf.size());
    return Err(EINVAL, "cluster key file {} must hold exactly {} bytes", path, ClusterKey::kKeyBytes);
  }
  buf.resize(got);
  return buf;
}

// 32 random bytes; when two processes create the key at once, the loser of CreatePrivateFile's link
// reads the winner's.
Status CreateKeyFile(const std::string& path) {
  std::string key(ClusterKey::kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return Err(EIO, "cannot draw a random cluster key");
  }
  Status s = CreatePrivateFile(path, key);
  OPENSSL_cleanse(key.data(), key.size());
  if (s.err() == EEXIST) return Status::Ok();
  return s.Annotate("cluster key file");
}

}  // namespace

std::array<uint8_t, 32> HmacSha256(const uint8_t* key, size_t key_len, const void* data, size_t len) {
  std::array<uint8_t, 32> out{};
  unsigned int out_len = 0;
  HMAC(EVP_sha256(), key, static_cast<int>(key_len), static_cast<const unsigned char*>(data), len, out.data(),
       &out_len);
  return out;
}

ClusterKey ClusterKey::FromBytes(std::string_view key) {
  ClusterKey k;
  k.cap_key_ = Derive(key, "weft capability key v1");
  auto control = Derive(key, "weft control credential v1");
  k.control_ = HexEncode(control.data(), control.size());
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

Status ClusterKey::CheckCall(const grpc::ServerContextBase* ctx, std::string_view what) const {
  const auto& md = ctx->client_metadata();
  auto it = md.find(kClusterCredentialHeader);
  if (it == md.end()) return Err(EACCES, "{}: no cluster credential (server-internal call)", what);
  if (!SecretEqual(std::string_view(it->second.data(), it->second.size()), control_)) {
    return Err(EACCES, "{}: the cluster credential does not match this server's cluster key (id {:08x})", what,
               key_id_);
  }
  return Status::Ok();
}

}  // namespace weft
