#include "server/meta/service/admin_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include "common/token.h"
#include "server/meta/ops/ops.h"

namespace weft::meta {
namespace {

Status WriteNewTokenFile(const std::string& path, const std::string& token) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Err(errno, "create {}: {}", path, strerror(errno));
  std::string line = token + "\n";
  ssize_t n = write(fd, line.data(), line.size());
  int err = n == static_cast<ssize_t>(line.size()) ? 0 : (n < 0 ? errno : EIO);
  if (err == 0 && fsync(fd) != 0) err = errno;
  close(fd);
  if (err != 0) {
    unlink(path.c_str());
    return Err(err, "write {}: {}", path, strerror(err));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Err(errno, "admin token file {}: {}", path, strerror(errno));
    auto token = NewToken(kAdminTokenId);
    if (!token.ok()) return token.status();
    RETURN_IF_ERROR(WriteNewTokenFile(path, *token));
    spdlog::info("created a new admin token in {} (mode 0600)", path);
    return token;
  }
  if ((st.st_mode & 077) != 0) {
    spdlog::warn("admin token file {} is readable by others (mode {:o}): chmod 600 it", path, st.st_mode & 0777);
  }
  auto token = ReadTokenFile(path);
  if (!token.ok()) return token.status();
  auto parsed = ParseToken(*token);
  if (!parsed.ok() || parsed->id != kAdminTokenId) {
    return Err(EINVAL, "admin token file {} does not hold an admin token (wt_0_<64 hex digits>); remove it to have "
               "weft-meta create one", path);
  }
  return token;
}

Status InstallAdminToken(MetaCore* core, const std::string& path) {
  auto token = LoadOrCreateAdminToken(path);
  if (!token.ok()) return token.status();
  rec::Token req;
  req.set_hash(HashToken(*token));
  rec::Token resp;
  return core->Run(ops::SetAdminToken, req, &resp);
}

}  // namespace weft::meta
