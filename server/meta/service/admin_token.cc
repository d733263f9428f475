#include "server/meta/service/admin_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include "common/secret.h"
#include "common/token.h"
#include "server/meta/ops/ops.h"

namespace weft::meta {
StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Err(errno, "admin token file {}: {}", path, strerror(errno));
    auto token = NewToken(kAdminTokenId);
    if (!token.ok()) return token.status();
    RETURN_IF_ERROR(CreatePrivateFile(path, *token + "\n"));
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
