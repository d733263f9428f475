// The admin token's bootstrap: weft-meta reads it from a file (--admin-token-file, default
// <data>/admin.token) at every start, or creates the file (mode 0600, a fresh token "wt_0_<secret>")
// when it is missing, and stores its hash as token 0, replacing any earlier admin token.
//
// Thread-safety: call once at startup.
#pragma once

#include <string>

#include "common/status.h"
#include "server/meta/core.h"

namespace weft::meta {

// Reads the admin token at path, creating the file with a new token when it does not exist. EINVAL
// when the file holds something other than an admin token; the message never quotes the content.
StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path);

// LoadOrCreateAdminToken, then stores the token's hash as token 0 through the core.
Status InstallAdminToken(MetaCore* core, const std::string& path);

}  // namespace weft::meta
